//! The example server process picks up a new own certificate from its PKI
//! folder while running: `pki create` installs one under it, the server
//! says so with the new thumbprint, a channel opened before keeps the old
//! certificate over renewals, and new channels and GetEndpoints get the
//! new one.
#![cfg(all(feature = "tokio", feature = "cert-generate", feature = "cert-store"))]

mod process_support;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use process_support::{ServerProcess, TempDir, example};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{
    CertificateParams, GeneratedCertificate, InsecureAcceptAnyCertificate, thumbprint,
    thumbprint_hex,
};
use uasc::channel::{ClientConfig, Identity};
use uasc::driver::{self, Client, ClientOptions};
use uasc::key::KeyKind;
use uasc::messages::MessageSecurityMode;
use uasc::policy::BASIC256_SHA256;

fn client_identity() -> Identity {
    let params = CertificateParams::application(
        "reload-test",
        "urn:uasc:test:reload",
        &["localhost", "127.0.0.1"],
        30,
    );
    let made = GeneratedCertificate::generate(
        KeyKind::Rsa(2048),
        &params,
        None,
        &mut StdRng::seed_from_u64(7),
    )
    .unwrap();
    Identity::from(made)
}

/// The server certificate GetEndpoints (over a None channel) offers for
/// Basic256Sha256 SignAndEncrypt.
async fn offered_certificate(url: &str) -> Vec<u8> {
    let endpoints = driver::get_endpoints(url, ClientOptions::default())
        .await
        .unwrap();
    driver::find_endpoint(
        &endpoints,
        BASIC256_SHA256.descriptor().uri,
        MessageSecurityMode::SignAndEncrypt,
    )
    .and_then(|e| e.server_certificate.0.clone())
    .expect("a Basic256Sha256 SignAndEncrypt endpoint with a certificate")
}

async fn open(url: &str, identity: &Identity, server_certificate: &[u8]) -> driver::Result<Client> {
    let mut config = ClientConfig::new(
        url,
        Arc::new(BASIC256_SHA256),
        MessageSecurityMode::SignAndEncrypt,
        Arc::new(InsecureAcceptAnyCertificate),
    );
    config.identity = Some(identity.clone());
    config.server_certificate = Some(server_certificate.to_vec().into());
    driver::connect(url, config).await
}

/// GetEndpoints over an open channel: how many endpoints.
async fn endpoints_over(client: &Client, url: &str) -> usize {
    client.get_endpoints(url).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_own_certificate_is_used_for_new_channels_while_open_ones_keep_theirs() {
    let dir = TempDir::new("reload");
    let pki = dir.path().join("server");
    let server = ServerProcess::start(
        &pki,
        &[
            "--policies",
            "None,Basic256Sha256",
            "--auto-trust",
            "--token-lifetime",
            "2000",
            "--pki-poll",
            "200",
        ],
    );
    let identity = client_identity();
    let old = offered_certificate(&server.url).await;
    let before = open(&server.url, &identity, &old).await.unwrap();
    assert_eq!(before.info().peer_certificate.as_deref(), Some(&old[..]));
    assert!(endpoints_over(&before, &server.url).await > 0);

    // A new certificate and key, installed by the pki tool under the
    // running server.
    let created = Command::new(example("pki"))
        .args(["create", "--pki"])
        .arg(&pki)
        .args(["--app-uri", "urn:uasc:example:server"])
        .args(["--host", "127.0.0.1", "--host", "localhost"])
        .output()
        .unwrap();
    assert!(created.status.success());
    let created = String::from_utf8(created.stdout).unwrap();
    let new_thumbprint = created
        .lines()
        .find_map(|l| l.strip_prefix("thumbprint"))
        .map(|t| t.trim().to_owned())
        .unwrap();
    assert_ne!(new_thumbprint, thumbprint_hex(&thumbprint(&old)));
    let said = tokio::task::block_in_place(|| {
        server.line_starting("CERTIFICATE ", Duration::from_secs(10))
    })
    .expect("the server says it took the new certificate");
    assert_eq!(
        said,
        format!("CERTIFICATE {new_thumbprint} now used for new connections")
    );

    // The channel opened before keeps the old certificate: it renews, on
    // request and by itself, and goes on working.
    let renewed = before.renew().await.unwrap();
    assert!(endpoints_over(&before, &server.url).await > 0);
    let by_itself = tokio::time::timeout(Duration::from_secs(5), before.renewed())
        .await
        .expect("a renewal within the 2 s token lifetime")
        .unwrap();
    assert_ne!(by_itself, renewed);
    assert!(endpoints_over(&before, &server.url).await > 0);
    assert_eq!(before.info().peer_certificate.as_deref(), Some(&old[..]));

    // GetEndpoints and new channels get the new certificate; a channel
    // opened for the old one no longer opens.
    let new = offered_certificate(&server.url).await;
    assert_eq!(thumbprint_hex(&thumbprint(&new)), new_thumbprint);
    let after = open(&server.url, &identity, &new).await.unwrap();
    assert_eq!(after.info().peer_certificate.as_deref(), Some(&new[..]));
    assert!(endpoints_over(&after, &server.url).await > 0);
    assert!(open(&server.url, &identity, &old).await.is_err());

    // The old channel still works after all that.
    assert!(endpoints_over(&before, &server.url).await > 0);
    before.close().await.unwrap();
    after.close().await.unwrap();
}
