//! An OPC UA client over TCP built on the sans-IO core: opens a secure
//! channel, calls GetEndpoints, keeps the channel over token renewals and
//! closes it, printing each step with its duration.
//!
//! ```text
//! cargo run --example client -- --url opc.tcp://127.0.0.1:4840
//!     [--policy Basic256Sha256] [--mode SignAndEncrypt] [--pki DIR]
//!     [--server-cert FILE] [--renewals N] [--token-lifetime MS]
//!     [--alternative-url URL] [--auto-trust] [--timeout SECONDS]
//! ```
//!
//! Without `--server-cert` the server's certificate comes from GetEndpoints
//! over a None channel first. Exits non-zero on any failure, naming the
//! StatusCode.

mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use support::args::{self, Args};
use support::client::{ClientOptions, run_client};

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut log =
        |step: &str, took: Duration| println!("{step:<40} {:>10.3} ms", took.as_secs_f64() * 1e3);
    match run_client(&options, &mut log) {
        Ok(report) => {
            println!(
                "OK {} {} {:?} renewals={}",
                report.url,
                options.policy.descriptor().name,
                options.mode,
                report.renewals
            );
            ExitCode::SUCCESS
        }
        Err(failure) => {
            println!("FAIL {failure}");
            ExitCode::FAILURE
        }
    }
}

fn options() -> Result<ClientOptions, String> {
    let a = Args::parse(&["auto-trust"])?;
    let policy = args::policy(a.get("policy").unwrap_or("Basic256Sha256"))?;
    let mode = args::mode(a.get("mode").unwrap_or(if policy.descriptor().is_none() {
        "None"
    } else {
        "SignAndEncrypt"
    }))?;
    Ok(ClientOptions {
        url: a
            .get("url")
            .ok_or("--url opc.tcp://host:port is required")?
            .to_owned(),
        policy,
        mode,
        pki: PathBuf::from(a.get("pki").unwrap_or("pki/client")),
        server_cert: a.get("server-cert").map(PathBuf::from),
        renewals: a.number("renewals")?.unwrap_or(0),
        token_lifetime: a.number("token-lifetime")?.unwrap_or(3_600_000),
        alternative_url: a.get("alternative-url").map(str::to_owned),
        auto_trust: a.flag("auto-trust"),
        timeout: Duration::from_secs(a.number("timeout")?.unwrap_or(15)),
    })
}
