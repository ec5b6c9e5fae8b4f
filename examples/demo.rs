//! The main demo: starts the example server in-process on a free loopback
//! port and runs the example client over every compiled-in policy and
//! mode, with token renewals, printing a table: the handshake, and the
//! median and 99th percentile of 200 GetEndpoints round trips per row.
//!
//! `cargo run --release --features tokio --example demo`

mod support;

use std::process::ExitCode;
use std::time::Duration;

use support::args::all_policy_modes;
use support::client::{ClientOptions, median, percentile, run_client};
use support::server::{ServerOptions, start};
use uasc::channel::SecurityRequirement;

/// Round trips timed per row.
const ROUND_TRIPS: u32 = 200;

#[tokio::main]
async fn main() -> ExitCode {
    let dir = std::env::temp_dir().join(format!("uasc-demo-{}", std::process::id()));
    // Both applications make their certificates, one per certificate type
    // of the policies, then each trusts the other's: no certificate is
    // accepted unchecked.
    if let Err(e) = trust_each_other(&dir) {
        eprintln!("pki: {e}");
        return ExitCode::FAILURE;
    }
    let server = match start(ServerOptions {
        host: "127.0.0.1".into(),
        port: 0,
        pki: dir.join("server"),
        policies: uasc::policy::ALL.to_vec(),
        modes: support::args::modes("all").map(|m| m.0).unwrap_or_default(),
        security: SecurityRequirement::Optional,
        token_lifetime: Some(1_000),
        auto_trust: false,
        duration: None,
        max_connections: 16,
        budget: uasc::channel::ByteBudget::default().limit(),
        stats: None,
        pki_poll: None,
    })
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("server: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("server listening on {}", server.url);
    println!("round trips: GetEndpoints, {ROUND_TRIPS} per row");
    println!();
    println!(
        "{:<30} {:<15} {:>13} {:>12} {:>12} {:>9}  result",
        "policy", "mode", "handshake ms", "median µs", "p99 µs", "renewals"
    );
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mut failures = 0;
    for (policy, mode) in all_policy_modes() {
        let options = ClientOptions {
            url: server.url.clone(),
            policy,
            mode,
            pki: dir.join("client"),
            server_cert: None,
            renewals: 2,
            token_lifetime: 1_000,
            alternative_url: None,
            auto_trust: false,
            timeout: Duration::from_secs(10),
            round_trips: ROUND_TRIPS,
        };
        let result = run_client(&options, &mut |_, _| {}).await;
        let name = policy.descriptor().name;
        match result {
            Ok(r) => println!(
                "{:<30} {:<15} {:>13.2} {:>12.0} {:>12.0} {:>9}  ok",
                name,
                format!("{mode:?}"),
                r.handshake.as_secs_f64() * 1e3,
                micros(median(&r.round_trips)),
                micros(percentile(&r.round_trips, 99)),
                r.renewals
            ),
            Err(e) => {
                failures += 1;
                println!(
                    "{:<30} {:<15} {:>13} {:>12} {:>12} {:>9}  FAIL {e}",
                    name,
                    format!("{mode:?}"),
                    "-",
                    "-",
                    "-",
                    "-"
                );
            }
        }
    }
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn trust_each_other(dir: &std::path::Path) -> Result<(), String> {
    use support::app::load_or_create;
    use support::client::CLIENT_URI;
    use support::server::SERVER_URI;
    use uasc::cert::Folder;
    let hosts = ["localhost", "127.0.0.1"];
    let policies = uasc::policy::ALL;
    let server = load_or_create(&dir.join("server"), SERVER_URI, &hosts, policies)?;
    let client = load_or_create(&dir.join("client"), CLIENT_URI, &hosts, policies)?;
    let trust = |app: &support::app::App, other: &support::app::App| {
        other.identities.iter().try_for_each(|i| {
            app.store
                .add(Folder::TrustedCerts, &i.certificate)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    };
    trust(&server, &client)?;
    trust(&client, &server)
}
