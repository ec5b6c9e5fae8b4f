//! The driver's client against a real third-party server: asyncua (Python),
//! as installed by `interop/install.sh` into
//! `${UASC_PEERS_CACHE:-$HOME/.cache/uasc-peers}` and started by
//! `interop/peers/asyncua_server.py`.
//!
//! Opens a Basic256Sha256 SignAndEncrypt channel, calls GetEndpoints,
//! renews the token, calls again and closes; then sees the server die under
//! an open channel.
//!
//! Without the peers installed this test says so and passes, unless
//! `UASC_REQUIRE_PEERS` is set (as CI sets it), in which case it fails.
#![cfg(all(feature = "tokio", feature = "cert-generate"))]

mod driver_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use driver_support::{Made, identity, policy};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uasc::cert::{DirectoryStore, Folder, StoreValidator};
use uasc::channel::ClientConfig;
use uasc::driver::{self, ClientOptions};
use uasc::messages::MessageSecurityMode;

const SERVER_URI: &str = "urn:uasc:test:asyncua_server";

/// The peers' cache folder, if asyncua is installed there.
fn asyncua_python() -> Option<PathBuf> {
    let cache = std::env::var_os("UASC_PEERS_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/uasc-peers")))?;
    let python = cache.join("venv/bin/python");
    python.exists().then_some(python)
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the asyncua server with the identity `server`; returns it and its
/// URL once it printed READY.
async fn start_asyncua(python: &Path, dir: &Path, server: &Made) -> (Child, String) {
    let cert = dir.join("server.der");
    let key = dir.join("server.pem");
    std::fs::write(&cert, &server.der).unwrap();
    std::fs::write(&key, &server.key_pem).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/peers/asyncua_server.py");
    let mut child = Command::new(python)
        .arg(script)
        .args(["--port", &free_port().to_string()])
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .args(["--uri", SERVER_URI, "--duration", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("READY ") {
                return url.to_owned();
            }
        }
        panic!("the asyncua server ended without READY");
    })
    .await
    .expect("the asyncua server did not start within 60 s");
    (child, ready)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic256sha256_sign_and_encrypt_against_asyncua() {
    let Some(python) = asyncua_python() else {
        let message = "asyncua is not installed (run `bash interop/install.sh`); \
                       the driver was not tested against it";
        if std::env::var_os("UASC_REQUIRE_PEERS").is_some() {
            panic!("{message}, and UASC_REQUIRE_PEERS is set");
        }
        // Written to stderr itself, past the test harness's capture, so
        // that the skip shows in a plain `cargo test`.
        let _ = writeln!(std::io::stderr(), "SKIPPED: {message}");
        return;
    };
    let dir = std::env::temp_dir().join(format!("uasc-driver-asyncua-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let server = identity("asyncua server", SERVER_URI, 11);
    let client = identity("uasc client", "urn:uasc:test:client", 12);
    let (mut child, url) = start_asyncua(&python, &dir, &server).await;

    // The endpoints, and so the server's certificate, over a None channel.
    let endpoints = driver::get_endpoints(&url, ClientOptions::default())
        .await
        .unwrap();
    let uri = uasc::policy::BASIC256_SHA256.descriptor().uri;
    let endpoint =
        driver::find_endpoint(&endpoints, uri, MessageSecurityMode::SignAndEncrypt).unwrap();
    let certificate = endpoint.server_certificate.0.clone().unwrap();
    assert_eq!(
        certificate, server.der,
        "asyncua offers another certificate"
    );

    // We trust exactly that certificate.
    let store = DirectoryStore::open(dir.join("pki")).unwrap();
    store.add(Folder::TrustedCerts, &certificate).unwrap();
    let mut config = ClientConfig::new(
        &url,
        policy(&uasc::policy::BASIC256_SHA256),
        MessageSecurityMode::SignAndEncrypt,
        Arc::new(StoreValidator::new(store)),
    );
    config.identity = Some(client.identity.clone());
    config.server_certificate = Some(certificate.clone().into());
    let channel = driver::connect(&url, config).await.unwrap();
    assert_eq!(channel.info().policy_uri(), Some(uri));
    assert_eq!(
        channel.info().peer_certificate.as_deref(),
        Some(&certificate[..])
    );

    let first = channel.get_endpoints(&url).await.unwrap();
    assert!(
        driver::find_endpoint(&first, uri, MessageSecurityMode::SignAndEncrypt).is_some(),
        "{first:?}"
    );
    let token = channel.token().unwrap().id;
    let renewed = channel.renew().await.unwrap();
    assert_ne!(renewed, token);
    let again = channel.get_endpoints(&url).await.unwrap();
    assert_eq!(again.len(), first.len());
    channel.close().await.unwrap();
    assert!(channel.is_closed());

    // The server goes away under an open channel: the next call is a
    // typed error, not a hang or a panic.
    let none = driver::connect(&url, driver_support::client_config(&url, None))
        .await
        .unwrap();
    none.get_endpoints(&url).await.unwrap();
    child.kill().await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(10), none.get_endpoints(&url))
        .await
        .expect("a call to a server that is gone ends")
        .unwrap_err();
    assert_eq!(
        e.status_code(),
        uasc::StatusCode::BAD_CONNECTION_CLOSED,
        "{e:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
