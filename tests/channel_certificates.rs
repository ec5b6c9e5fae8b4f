//! Certificates over a channel's life, with real trust stores on a virtual
//! clock: the client checks the server certificate's host name (OPC 10000-4
//! §6.1.3, with SuppressHostNameInvalid of OPC 10000-6 Annex E.6), a
//! certificate that expires while a channel runs does not end it but one
//! revoked does, and a server's certificate replaced while it runs applies
//! to new channels while open ones renew with theirs.
#![cfg(all(feature = "cert-generate", feature = "cert-store"))]

mod cert_support;
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use cert_support::{DAY, TempDir, cert, rsa_key};
use common::pair::Pair;
use uasc::cert::{
    CertificateParams, DirectoryStore, Folder, GeneratedCertificate, RevokedEntry, SigningHash,
    StoreValidator, SuppressedError, ValidationOptions, generate_crl,
};
use uasc::channel::{
    ClientChannel, ClientConfig, ClientState, Event, Identity, SecurityRequirement, ServerConfig,
    ServerState,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BASIC256_SHA256, SecurityPolicy};
use uasc::{Error, StatusCode};

const MODE: MessageSecurityMode = MessageSecurityMode::SignAndEncrypt;

/// A root CA trusted by both ends, the server's and the client's
/// certificates issued by it, and a trust store for each end.
struct Pki {
    _dir: TempDir,
    root: GeneratedCertificate,
    server_store: DirectoryStore,
    client_store: DirectoryStore,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = TempDir::new(name);
        let root = cert(
            &CertificateParams::ca("Channel Test Root", 3650),
            rsa_key(0),
            None,
        );
        let server_store = DirectoryStore::open(dir.path().join("server")).unwrap();
        let client_store = DirectoryStore::open(dir.path().join("client")).unwrap();
        for store in [&server_store, &client_store] {
            std::fs::write(
                store.folder(Folder::TrustedCerts).join("root.der"),
                &root.der,
            )
            .unwrap();
        }
        let pki = Pki {
            _dir: dir,
            root,
            server_store,
            client_store,
        };
        pki.write_crl(&[]);
        pki
    }

    /// The root's CRL in both stores, revoking `revoked`.
    fn write_crl(&self, revoked: &[&[u8]]) {
        let now = SystemTime::now();
        let entries: Vec<RevokedEntry> = revoked
            .iter()
            .map(|der| RevokedEntry {
                serial: cert_support::serial_of(der),
                revoked_at: now - Duration::from_secs(60),
            })
            .collect();
        let crl = generate_crl(
            &self.root.as_issuer(),
            &entries,
            now - Duration::from_secs(60),
            now + DAY,
            SigningHash::Sha256,
        )
        .unwrap();
        for store in [&self.server_store, &self.client_store] {
            std::fs::write(store.folder(Folder::TrustedCrl).join("root.crl"), &crl).unwrap();
        }
    }

    /// An application certificate issued by the root, valid from an hour
    /// ago until `valid_for` from now.
    fn identity(&self, name: &str, key_slot: usize, valid_for: Duration) -> Identity {
        let mut params = CertificateParams::application(
            name,
            &format!("urn:test:{name}"),
            &["localhost", "127.0.0.1"],
            1,
        );
        params.not_after = SystemTime::now() + valid_for;
        let key = rsa_key(key_slot);
        let der = params.sign(&key, Some(&self.root.as_issuer())).unwrap();
        Identity::new(der, key).unwrap()
    }
}

fn policy() -> Arc<dyn SecurityPolicy> {
    Arc::new(BASIC256_SHA256)
}

fn client_config(pki: &Pki, url: &str, own: &Identity, server: &Identity) -> ClientConfig {
    let validator = Arc::new(StoreValidator::new(pki.client_store.clone()));
    let mut c = ClientConfig::new(url, policy(), MODE, validator);
    c.identity = Some(own.clone());
    c.server_certificate = Some(server.certificate.clone());
    c.requested_lifetime = 20_000;
    c
}

fn server_config(pki: &Pki, own: &Identity) -> ServerConfig {
    let validator = Arc::new(StoreValidator::new(pki.server_store.clone()));
    let mut c = ServerConfig::new(vec![policy()], Some(own.clone()), validator);
    c.security = SecurityRequirement::Mandatory;
    c.lifetime_bounds = (10_000, 20_000);
    c
}

/// Fires both ends' timers and delivers everything, up to `after` past the
/// pair's start.
fn run_until(pair: &mut Pair, after: Duration) {
    let until = pair.start + after;
    loop {
        pair.drive();
        let due = [pair.client.poll_timeout(), pair.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        match due {
            Some(due) if due <= until => pair.advance_to(due),
            _ => break,
        }
    }
    pair.now = pair.now.max(until);
}

fn renewals(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::TokenRenewed { .. }))
        .count()
}

#[test]
fn the_client_checks_the_host_name_of_the_endpoint_url() {
    let pki = Pki::new("host-name");
    let server = pki.identity("server", 1, DAY);
    let client = pki.identity("client", 2, DAY);
    let now = (Instant::now(), SystemTime::now());
    for (url, ok) in [
        ("opc.tcp://127.0.0.1:4840", true),
        ("opc.tcp://localhost:4840/ua", true),
        ("opc.tcp://badhost.invalid:4840", false),
        ("opc.tcp://10.9.8.7:4840", false),
    ] {
        let made = ClientChannel::new(client_config(&pki, url, &client, &server), now.0, now.1);
        match made {
            Ok(_) => assert!(ok, "{url}"),
            Err(e) => {
                assert!(!ok, "{url}");
                assert_eq!(
                    e,
                    Error::Certificate(StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID),
                    "{url}"
                );
            }
        }
    }

    // SuppressHostNameInvalid: accepted, and the audit hook sees it.
    let seen: Arc<Mutex<Vec<SuppressedError>>> = Arc::default();
    let log = Arc::clone(&seen);
    let validator = StoreValidator::new(pki.client_store.clone())
        .with_options(ValidationOptions::default())
        .with_audit(move |e: &SuppressedError| log.lock().unwrap().push(*e));
    let mut config = client_config(&pki, "opc.tcp://badhost.invalid:4840", &client, &server);
    config.validator = Arc::new(validator);
    config.suppress_host_name_invalid = true;
    ClientChannel::new(config, now.0, now.1).unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].code, StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID);
}

#[test]
fn a_certificate_that_expires_during_a_channel_does_not_end_it() {
    // Seed 002: "If the certificates used have expired, the secure
    // connection will continue. The new certificates are used as soon as
    // the connection is terminated and re-established."
    let pki = Pki::new("expiry");
    let server = pki.identity("server", 1, Duration::from_secs(30));
    let client = pki.identity("client", 2, Duration::from_secs(30));
    let url = "opc.tcp://127.0.0.1:4840";
    let utc = SystemTime::now();
    let mut pair = Pair::at(
        client_config(&pki, url, &client, &server),
        server_config(&pki, &server),
        1,
        utc,
    );
    pair.open();
    // Renewals every 15 s; both certificates expire at 30 s. Past three
    // renewals after the expiry the channel still runs and carries traffic.
    run_until(&mut pair, Duration::from_secs(100));
    assert!(
        renewals(&pair.client_events) >= 6,
        "{:?}",
        pair.client_events
    );
    assert_eq!(pair.client.state(), ClientState::Open);
    assert_eq!(pair.server.state(), ServerState::Open);
    let id = pair.client.send_request(b"still here").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.server_events),
        vec![(id, b"still here".to_vec())]
    );

    // A new channel, 100 s in, is refused: the certificates have expired.
    let later = utc + Duration::from_secs(100);
    let e = ClientChannel::new(client_config(&pki, url, &client, &server), pair.now, later)
        .unwrap_err();
    assert_eq!(
        e,
        Error::Certificate(StatusCode::BAD_CERTIFICATE_TIME_INVALID)
    );
}

#[test]
fn a_certificate_revoked_during_a_channel_ends_it_at_the_next_renewal() {
    let pki = Pki::new("revocation");
    let server = pki.identity("server", 1, DAY);
    let client = pki.identity("client", 2, DAY);
    let url = "opc.tcp://127.0.0.1:4840";
    let mut pair = Pair::at(
        client_config(&pki, url, &client, &server),
        server_config(&pki, &server),
        2,
        SystemTime::now(),
    );
    pair.open();
    run_until(&mut pair, Duration::from_secs(20));
    assert_eq!(renewals(&pair.server_events), 1);
    // The client's certificate is revoked: the open token keeps working...
    pki.write_crl(&[&client.certificate]);
    let id = pair.client.send_request(b"before the renewal").unwrap();
    pair.drive();
    assert_eq!(Pair::messages(&pair.server_events).last().unwrap().0, id);
    // ... until the next renewal, which the server refuses.
    run_until(&mut pair, Duration::from_secs(40));
    assert_eq!(pair.server.state(), ServerState::Closed);
    assert_eq!(
        Pair::closed_error(&pair.server_events),
        Some(Some(Error::Certificate(
            StatusCode::BAD_CERTIFICATE_REVOKED
        )))
    );
    assert_eq!(pair.client.state(), ClientState::Closed);
}

#[test]
fn a_replaced_server_certificate_applies_to_new_channels_only() {
    let pki = Pki::new("replace");
    let old = pki.identity("server", 1, DAY);
    let new = pki.identity("server", 3, DAY);
    let client = pki.identity("client", 2, DAY);
    let url = "opc.tcp://127.0.0.1:4840";
    let config = server_config(&pki, &old);
    let utc = SystemTime::now();
    let mut running = Pair::at(
        client_config(&pki, url, &client, &old),
        config.clone(),
        3,
        utc,
    );
    running.open();

    // The application installs its new certificate: a modified clone of
    // the configuration, for the channels accepted from now on.
    let mut replaced = config.clone();
    replaced.identity = Some(new.clone());

    // The running channel renews across the change with its own
    // certificate, and keeps reporting it.
    run_until(&mut running, Duration::from_secs(50));
    assert!(renewals(&running.client_events) >= 3);
    assert_eq!(running.server.state(), ServerState::Open);
    assert_eq!(running.server.own_certificate(), Some(&old.certificate[..]));

    // A new channel gets the new certificate...
    let mut fresh = Pair::at(
        client_config(&pki, url, &client, &new),
        replaced.clone(),
        4,
        utc,
    );
    fresh.open();
    assert_eq!(fresh.server.own_certificate(), Some(&new.certificate[..]));
    assert_eq!(fresh.client.peer_certificate(), Some(&new.certificate[..]));
    // ... and TokenIds still never repeat across the two configurations.
    assert_ne!(
        fresh.server.token().unwrap().id,
        running.server.token().unwrap().id
    );
    // A client still expecting the old certificate is refused.
    let mut stale = Pair::at(client_config(&pki, url, &client, &old), replaced, 5, utc);
    stale.drive();
    assert_eq!(stale.server.state(), ServerState::Closed);
    assert_eq!(
        Pair::closed(&stale.server_events),
        Some(StatusCode::BAD_CERTIFICATE_INVALID)
    );
}

#[test]
fn a_server_checks_a_client_application_uri_for_its_session_layer() {
    let pki = Pki::new("application-uri");
    let server = pki.identity("server", 1, DAY);
    let client = pki.identity("client", 2, DAY);
    let mut pair = Pair::at(
        client_config(&pki, "opc.tcp://127.0.0.1:4840", &client, &server),
        server_config(&pki, &server),
        6,
        SystemTime::now(),
    );
    pair.open();
    assert_eq!(
        pair.server.check_client_application_uri("urn:test:client"),
        Ok(())
    );
    assert_eq!(
        pair.server
            .check_client_application_uri("urn:test:someone-else"),
        Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_URI_INVALID))
    );
}
