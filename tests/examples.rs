//! The example client and server over real TCP on loopback: a channel per
//! policy and mode, a server that hangs up mid-handshake, one that answers
//! with ERR, and `--alternative-url` switching to a working server.
#![cfg(all(feature = "cert-generate", feature = "cert-store"))]

#[path = "../examples/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use support::client::{ClientOptions, run_client};
use support::server::{ServerOptions, start};
use uasc::StatusCode;
use uasc::channel::SecurityRequirement;
use uasc::messages::MessageSecurityMode;
use uasc::uacp::{ErrorMessage, UacpMessage};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("uasc-examples-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn server(dir: &std::path::Path) -> support::server::RunningServer {
    start(ServerOptions {
        host: "127.0.0.1".into(),
        port: 0,
        pki: dir.join("server"),
        policies: uasc::policy::ALL.to_vec(),
        modes: support::args::modes("all").unwrap(),
        security: SecurityRequirement::Optional,
        token_lifetime: Some(1_000),
        auto_trust: true,
        duration: None,
    })
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
    }
}

#[test]
fn every_policy_and_mode_over_tcp_with_renewals() {
    let dir = temp("all");
    let running = server(&dir);
    for (policy, mode) in support::args::all_policy_modes() {
        let mut options = client(&dir, &running.url);
        options.policy = policy;
        options.mode = mode;
        options.renewals = 2;
        let mut steps = Vec::new();
        let report = run_client(&options, &mut |s, _| steps.push(s.to_owned()))
            .unwrap_or_else(|e| panic!("{} {mode:?}: {e}", policy.descriptor().name));
        assert_eq!(report.renewals, 2);
        assert!(steps.iter().any(|s| s.starts_with("open secure channel")));
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.starts_with("GetEndpoints"))
                .count(),
            // one more on the None channel that fetched the certificate
            3 + usize::from(!policy.descriptor().is_none()),
            "{steps:?}"
        );
    }
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
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

#[test]
fn a_server_that_hangs_up_mid_handshake_is_reported() {
    let dir = temp("hangup");
    let url = bad_server(|stream| drop(stream.shutdown(std::net::Shutdown::Both)));
    let mut options = client(&dir, &url);
    options.policy = &uasc::policy::NONE;
    options.mode = MessageSecurityMode::None;
    let e = run_client(&options, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.step, "open secure channel");
    assert_eq!(e.code, Some(StatusCode::BAD_CONNECTION_CLOSED));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_answering_err_is_reported_with_its_code() {
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
    let e = run_client(&options, &mut |_, _| {}).unwrap_err();
    assert_eq!(e.code, Some(StatusCode::BAD_TCP_SERVER_TOO_BUSY), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_alternative_url_takes_over_when_the_primary_fails() {
    let dir = temp("alternative");
    let running = server(&dir);
    let dead = bad_server(|stream| drop(stream.shutdown(std::net::Shutdown::Both)));
    let mut options = client(&dir, &dead);
    options.alternative_url = Some(running.url.clone());
    let mut steps = Vec::new();
    let report = run_client(&options, &mut |s, _| steps.push(s.to_owned())).unwrap();
    assert_eq!(report.url, running.url);
    assert!(
        steps.iter().any(|s| s.contains("switching to")),
        "{steps:?}"
    );
    // Without it, the same run fails.
    options.alternative_url = None;
    assert!(run_client(&options, &mut |_, _| {}).is_err());
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
