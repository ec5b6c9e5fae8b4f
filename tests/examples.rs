//! The example client and server over real TCP on loopback: a channel per
//! policy and mode, a server that hangs up mid-handshake, one that answers
//! with ERR, `--alternative-url` switching to a working server, and the
//! command lines the interop scripts use.
#![cfg(all(feature = "tokio", feature = "cert-generate", feature = "cert-store"))]

#[path = "../examples/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use support::args::{ClientArgs, ServerArgs};
use support::client::{ClientOptions, run_client};
use support::server::{RunningServer, ServerOptions, start};
use uasc::StatusCode;
use uasc::channel::SecurityRequirement;
use uasc::key::KeyKind;
use uasc::messages::MessageSecurityMode;
use uasc::uacp::{ErrorMessage, UacpMessage};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uasc-examples-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn server(dir: &std::path::Path) -> RunningServer {
    server_with_lifetime(dir, 1_000).await
}

/// The example server granting tokens of `lifetime` milliseconds.
async fn server_with_lifetime(dir: &std::path::Path, lifetime: u32) -> RunningServer {
    start(ServerOptions {
        host: "127.0.0.1".into(),
        port: 0,
        pki: dir.join("server"),
        policies: uasc::policy::ALL.to_vec(),
        modes: support::args::modes("all").unwrap().0,
        security: SecurityRequirement::Optional,
        token_lifetime: Some(lifetime),
        auto_trust: true,
        duration: None,
        max_connections: 1000,
        budget: uasc::channel::ByteBudget::default().limit(),
        stats: None,
        pki_poll: None,
    })
    .await
    .unwrap()
}

fn client(dir: &std::path::Path, url: &str) -> ClientOptions {
    ClientOptions {
        url: url.to_owned(),
        policy: &uasc::policy::BASIC256_SHA256,
        mode: MessageSecurityMode::SignAndEncrypt,
        pki: dir.join("client"),
        server_cert: None,
        renewals: 0,
        token_lifetime: 1_000,
        alternative_url: None,
        auto_trust: true,
        timeout: Duration::from_secs(10),
        round_trips: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_policy_and_mode_over_tcp_with_renewals() {
    let dir = temp("all");
    let running = server(&dir).await;
    // Both applications start with empty PKI folders and make an identity
    // per certificate type (RSA and each curve) on first start.
    // Unoptimised, the arithmetic of brainpoolP384r1 and of Ed448/X448 is
    // slow enough that a renewal can outlast the last quarter of a 1 s
    // token: their rows run against a server granting 4 s, with one renewal.
    let slow = server_with_lifetime(&dir, 4_000).await;
    for (policy, mode) in support::args::all_policy_modes() {
        let slow_curve = matches!(
            policy.descriptor().certificate_key_kind(),
            Some(KeyKind::BrainpoolP384r1 | KeyKind::Ed448)
        );
        let (url, lifetime, renewals) = match slow_curve {
            true => (&slow.url, 4_000, 1),
            false => (&running.url, 1_000, 2),
        };
        let mut options = client(&dir, url);
        options.policy = policy;
        options.mode = mode;
        options.renewals = renewals;
        options.token_lifetime = lifetime;
        let mut steps = Vec::new();
        let report = run_client(&options, &mut |s, _| steps.push(s.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{} {mode:?}: {e}", policy.descriptor().name));
        assert_eq!(report.renewals, renewals);
        assert_eq!(report.round_trips.len(), 1);
        assert!(steps.iter().any(|s| s.starts_with("open secure channel")));
        assert!(
            steps
                .iter()
                .filter(|s| s.starts_with("token renewed"))
                .count()
                == renewals as usize,
            "{steps:?}"
        );
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.starts_with("GetEndpoints"))
                .count(),
            // one more on the None channel that fetched the certificate
            1 + renewals as usize + usize::from(!policy.descriptor().is_none()),
            "{steps:?}"
        );
    }
    running.stop().await;
    slow.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_are_timed_one_by_one() {
    let dir = temp("round-trips");
    let running = server(&dir).await;
    let mut options = client(&dir, &running.url);
    options.round_trips = 120;
    let report = run_client(&options, &mut |_, _| {}).await.unwrap();
    assert_eq!(report.round_trips.len(), 120);
    let median = support::client::median(&report.round_trips);
    let p99 = support::client::percentile(&report.round_trips, 99);
    assert!(median > Duration::ZERO && median <= p99);
    assert!(p99 <= *report.round_trips.iter().max().unwrap());
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn percentiles_by_nearest_rank() {
    let ms = |v: &[u64]| {
        v.iter()
            .map(|&m| Duration::from_millis(m))
            .collect::<Vec<_>>()
    };
    let samples = ms(&(1..=100).rev().collect::<Vec<_>>());
    assert_eq!(support::client::median(&samples), Duration::from_millis(50));
    assert_eq!(
        support::client::percentile(&samples, 99),
        Duration::from_millis(99)
    );
    assert_eq!(
        support::client::percentile(&ms(&[7]), 99),
        Duration::from_millis(7)
    );
}

/// A listener that reads the Hello and then does `then` with the socket.
fn bad_server(then: fn(&mut std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("opc.tcp://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let mut stream = stream.unwrap();
            let mut hello = [0u8; 64];
            let _ = stream.read(&mut hello);
            then(&mut stream);
        }
    });
    url
}

#[tokio::test]
async fn a_server_that_hangs_up_mid_handshake_is_reported() {
    let dir = temp("hangup");
    let url = bad_server(|stream| drop(stream.shutdown(std::net::Shutdown::Both)));
    let mut options = client(&dir, &url);
    options.policy = &uasc::policy::NONE;
    options.mode = MessageSecurityMode::None;
    let e = run_client(&options, &mut |_, _| {}).await.unwrap_err();
    assert_eq!(e.step, "open secure channel");
    assert_eq!(e.code, Some(StatusCode::BAD_CONNECTION_CLOSED));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_server_answering_err_is_reported_with_its_code() {
    let dir = temp("err");
    let url = bad_server(|stream| {
        let mut out = Vec::new();
        UacpMessage::Error(ErrorMessage {
            error: StatusCode::BAD_TCP_SERVER_TOO_BUSY,
            reason: "busy".into(),
        })
        .encode_frame(&mut out)
        .unwrap();
        let _ = stream.write_all(&out);
    });
    let mut options = client(&dir, &url);
    options.policy = &uasc::policy::NONE;
    options.mode = MessageSecurityMode::None;
    let e = run_client(&options, &mut |_, _| {}).await.unwrap_err();
    assert_eq!(e.code, Some(StatusCode::BAD_TCP_SERVER_TOO_BUSY), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alternative_url_takes_over_when_the_primary_fails() {
    let dir = temp("alternative");
    let running = server(&dir).await;
    let dead = bad_server(|stream| drop(stream.shutdown(std::net::Shutdown::Both)));
    let mut options = client(&dir, &dead);
    options.alternative_url = Some(running.url.clone());
    let mut steps = Vec::new();
    let report = run_client(&options, &mut |s, _| steps.push(s.to_owned()))
        .await
        .unwrap();
    assert_eq!(report.url, running.url);
    assert!(
        steps.iter().any(|s| s.contains("switching to")),
        "{steps:?}"
    );
    // Without it, the same run fails.
    options.alternative_url = None;
    assert!(run_client(&options, &mut |_, _| {}).await.is_err());
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_lines_of_the_interop_run_parse_as_before() {
    // interop/run.sh, our client against a peer's server.
    let options = ClientArgs::try_parse_from([
        "client",
        "--url",
        "opc.tcp://127.0.0.1:4841",
        "--policy",
        "Aes128_Sha256_RsaOaep",
        "--mode",
        "Sign",
        "--pki",
        "/tmp/pki/client",
        "--renewals",
        "1",
        "--token-lifetime",
        "4000",
    ])
    .unwrap()
    .options();
    assert_eq!(options.url, "opc.tcp://127.0.0.1:4841");
    assert_eq!(options.policy.descriptor().name, "Aes128_Sha256_RsaOaep");
    assert_eq!(options.mode, MessageSecurityMode::Sign);
    assert_eq!(options.pki, PathBuf::from("/tmp/pki/client"));
    assert_eq!((options.renewals, options.token_lifetime), (1, 4000));
    assert!(!options.auto_trust);

    // The defaults: SignAndEncrypt with a secured policy, None with None.
    let defaults = ClientArgs::try_parse_from(["client", "--url", "opc.tcp://h:1"])
        .unwrap()
        .options();
    assert_eq!(defaults.policy.descriptor().name, "Basic256Sha256");
    assert_eq!(defaults.mode, MessageSecurityMode::SignAndEncrypt);
    assert_eq!(defaults.pki, PathBuf::from("pki/client"));
    assert_eq!(defaults.timeout, Duration::from_secs(15));
    assert_eq!((defaults.renewals, defaults.token_lifetime), (0, 3_600_000));
    assert_eq!(defaults.server_cert, None);
    assert_eq!(defaults.alternative_url, None);
    let none = ClientArgs::try_parse_from([
        "client",
        "--url",
        "opc.tcp://h:1",
        "--policy",
        "http://opcfoundation.org/UA/SecurityPolicy#None",
        "--auto-trust",
        "--timeout",
        "3",
        "--server-cert",
        "s.der",
        "--alternative-url",
        "opc.tcp://h:2",
    ])
    .unwrap()
    .options();
    assert_eq!(none.mode, MessageSecurityMode::None);
    assert!(none.auto_trust);
    assert_eq!(none.timeout, Duration::from_secs(3));
    assert_eq!(none.server_cert, Some(PathBuf::from("s.der")));
    assert_eq!(none.alternative_url.as_deref(), Some("opc.tcp://h:2"));
    // The last of a repeated option counts.
    let twice =
        ClientArgs::try_parse_from(["client", "--url", "opc.tcp://a:1", "--url", "opc.tcp://b:1"])
            .unwrap();
    assert_eq!(twice.url, "opc.tcp://b:1");
    assert!(
        ClientArgs::try_parse_from(["client"]).is_err(),
        "--url is required"
    );
    assert!(ClientArgs::try_parse_from(["client", "--url", "u", "--policy", "Rot13"]).is_err());
    assert!(ClientArgs::try_parse_from(["client", "--url", "u", "--mode", "Loud"]).is_err());

    // interop/run.sh, peers' clients against our server.
    let server = ServerArgs::try_parse_from([
        "server",
        "--port",
        "20010",
        "--pki",
        "/tmp/pki/server",
        "--policies",
        "None,Basic256Sha256,Aes128_Sha256_RsaOaep,Aes256_Sha256_RsaPss",
        "--modes",
        "all",
        "--token-lifetime",
        "4000",
        "--duration",
        "300",
    ])
    .unwrap()
    .options();
    assert_eq!(server.port, 20010);
    assert_eq!(server.host, "127.0.0.1");
    assert_eq!(server.policies.len(), 4);
    assert_eq!(server.modes.len(), 3);
    assert_eq!(server.security, SecurityRequirement::Optional);
    assert_eq!(server.token_lifetime, Some(4000));
    assert_eq!(server.duration, Some(Duration::from_secs(300)));
    assert_eq!(server.max_connections, 1000);
    let defaults = ServerArgs::try_parse_from(["server"]).unwrap().options();
    assert_eq!(defaults.port, 4840);
    assert_eq!(defaults.policies.len(), uasc::policy::ALL.len());
    assert_eq!((defaults.token_lifetime, defaults.duration), (None, None));
    assert!(!defaults.auto_trust);
    assert_eq!(
        defaults.budget,
        uasc::channel::ByteBudget::default().limit()
    );
    assert_eq!(defaults.stats, None);
    assert_eq!(defaults.pki_poll, Some(Duration::from_secs(1)));
    let watched = ServerArgs::try_parse_from([
        "server",
        "--budget",
        "1000",
        "--stats",
        "250",
        "--pki-poll",
        "0",
    ])
    .unwrap()
    .options();
    assert_eq!(watched.budget, 1000);
    assert_eq!(watched.stats, Some(Duration::from_millis(250)));
    assert_eq!(watched.pki_poll, None);
    let limited = ServerArgs::try_parse_from([
        "server",
        "--max-connections",
        "7",
        "--security",
        "mandatory",
        "--modes",
        "SignAndEncrypt",
        "--auto-trust",
    ])
    .unwrap()
    .options();
    assert_eq!(limited.max_connections, 7);
    assert_eq!(limited.security, SecurityRequirement::Mandatory);
    assert_eq!(limited.modes, vec![MessageSecurityMode::SignAndEncrypt]);
    assert!(limited.auto_trust);
    assert!(ServerArgs::try_parse_from(["server", "--security", "lax"]).is_err());
}

/// A server whose certificate names only `cert_host`, reached by the
/// client as `url_host`: the client refuses it and says why.
async fn host_name_mismatch(name: &str, cert_host: &str, url_host: &str) {
    let dir = temp(name);
    // The server's PKI folder already holds its certificate: it is used as
    // it is, not made anew with the usual host names.
    support::app::load_or_create(
        &dir.join("server"),
        support::server::SERVER_URI,
        &[cert_host],
        &[&uasc::policy::BASIC256_SHA256],
    )
    .unwrap();
    let running = server(&dir).await;
    let port = running.url.rsplit(':').next().unwrap();
    let options = client(&dir, &format!("opc.tcp://{url_host}:{port}"));
    let e = run_client(&options, &mut |_, _| {}).await.unwrap_err();
    assert_eq!(e.step, "open secure channel", "{e}");
    assert_eq!(
        e.code,
        Some(StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID),
        "{e}"
    );
    // What the example client prints after FAIL names the code.
    assert!(
        e.to_string()
            .starts_with("open secure channel: BadCertificateHostNameInvalid"),
        "{e}"
    );
    // Reached by the name it has, the same server is accepted.
    let options = client(&dir, &format!("opc.tcp://{cert_host}:{port}"));
    run_client(&options, &mut |_, _| {}).await.unwrap();
    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_for_another_host_name_is_refused_with_its_code() {
    host_name_mismatch("host-ip", "127.0.0.1", "localhost").await;
    host_name_mismatch("host-dns", "localhost", "127.0.0.1").await;
}
