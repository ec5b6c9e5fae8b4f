//! The directory store (OPC 10000-12 Annex F) under a running validator:
//! rejected certificates, trusting them by moving files, file names that
//! never come from the certificate, the rejected-folder cap, suppression
//! with auditing, and the wire mapping of refusal codes.
#![cfg(all(feature = "cert-generate", feature = "cert-store"))]

mod cert_support;
mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use cert_support::*;
use uasc::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, Folder, StoreValidator,
    SuppressedError, ValidationOptions, thumbprint, thumbprint_hex, wire_status_code,
};
use uasc::key::{KeyKind, PrivateKey};
use uasc::{Error, StatusCode};

fn code(result: uasc::Result<()>) -> StatusCode {
    match result {
        Ok(()) => StatusCode::GOOD,
        Err(Error::Certificate(code)) => code,
        Err(other) => panic!("not a certificate error: {other:?}"),
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn rejected(store: &DirectoryStore) -> Vec<PathBuf> {
    files_under(&store.folder(Folder::RejectedCerts))
}

#[test]
fn unknown_leaf_is_rejected_then_trusted_while_running() {
    let pki = Pki::new("trust-on-move");
    let validator = StoreValidator::new(pki.store.clone());
    let own = cert(&leaf_params(), rsa_key(3), None);
    let ctx = server_context();
    assert_eq!(
        code(validator.validate(&own.der, &ctx)),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    let name = format!("{}.der", thumbprint_hex(&thumbprint(&own.der)));
    let saved = pki.store.folder(Folder::RejectedCerts).join(&name);
    assert_eq!(std::fs::read(&saved).unwrap(), own.der);
    assert_eq!(rejected(&pki.store), vec![saved.clone()]);

    // An administrator moves the file; the same validator object trusts it.
    let trusted = pki.store.folder(Folder::TrustedCerts).join(&name);
    std::fs::rename(&saved, &trusted).unwrap();
    assert_eq!(code(validator.validate(&own.der, &ctx)), StatusCode::GOOD);
    assert!(rejected(&pki.store).is_empty());

    // And removing it withdraws trust again.
    pki.store.untrust(&thumbprint(&own.der)).unwrap();
    assert_eq!(
        code(validator.validate(&own.der, &ctx)),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    pki.store.trust(&thumbprint(&own.der)).unwrap();
    assert_eq!(code(validator.validate(&own.der, &ctx)), StatusCode::GOOD);
}

#[test]
fn subject_names_never_become_file_names() {
    let dir = TempDir::new("cn-inject");
    // The store sits two levels down, so `../../evil` would land inside the
    // temp dir if it were used as a path.
    let store = DirectoryStore::open(dir.path().join("a/b/pki")).unwrap();
    let validator = StoreValidator::new(store.clone());
    for cn in ["../../evil", "..\\..\\evil", "/tmp/evil", "evil\0.der"] {
        let mut params = leaf_params();
        params.common_name = cn.to_owned();
        let der = params.sign(&rsa_key(3), None).unwrap();
        assert_eq!(
            code(validator.validate(&der, &server_context())),
            StatusCode::BAD_CERTIFICATE_UNTRUSTED
        );
    }
    let files = files_under(dir.path());
    assert_eq!(files.len(), 4, "{files:?}");
    for file in files {
        assert_eq!(file.parent().unwrap(), store.folder(Folder::RejectedCerts));
        let name = file.file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 44, "{name}");
        assert!(name.ends_with(".der"));
        assert!(name[..40].bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

#[test]
fn rejected_folder_never_exceeds_its_cap() {
    let dir = TempDir::new("flood");
    let store = DirectoryStore::open(dir.path())
        .unwrap()
        .with_rejected_cap(5);
    let validator = StoreValidator::new(store.clone());
    let key = rsa_key(3);
    let mut last = Vec::new();
    for i in 0..25u32 {
        let mut params = leaf_params();
        params.serial = (i + 1).to_be_bytes().to_vec();
        params.common_name = format!("Flood {i}");
        let der = params.sign(&key, None).unwrap();
        assert_eq!(
            code(validator.validate(&der, &server_context())),
            StatusCode::BAD_CERTIFICATE_UNTRUSTED
        );
        assert!(rejected(&store).len() <= 5);
        last = der;
    }
    assert_eq!(rejected(&store).len(), 5);
    // The newest one is kept.
    assert!(
        store
            .find(Folder::RejectedCerts, &thumbprint(&last))
            .is_some()
    );
}

fn recording() -> (
    Arc<Mutex<Vec<StatusCode>>>,
    impl Fn(&SuppressedError) + Send + Sync,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |e: &SuppressedError| {
        sink.lock().unwrap().push(e.code)
    })
}

#[test]
fn suppressions_accept_and_are_audited() {
    let pki = Pki::new("suppress");
    let now = SystemTime::now();
    let mut expired = leaf_params();
    expired.not_before = now - 10 * DAY;
    expired.not_after = now - DAY;
    let expired = pki.leaf_with(&expired);
    let own = cert(&leaf_params(), rsa_key(3), None);
    let mut wrong_host = server_context();
    wrong_host.host_name = Some("other.example");

    // Nothing suppressed: each is refused.
    let strict = StoreValidator::new(pki.store.clone());
    assert_eq!(
        code(strict.validate(&expired, &server_context())),
        StatusCode::BAD_CERTIFICATE_TIME_INVALID
    );
    assert_eq!(
        code(strict.validate(&pki.leaf.der, &wrong_host)),
        StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID
    );
    std::fs::remove_file(
        pki.store
            .folder(Folder::RejectedCerts)
            .join(format!("{}.der", thumbprint_hex(&thumbprint(&own.der)))),
    )
    .ok();

    let cases: [(ValidationOptions, &[u8], _, StatusCode); 3] = [
        (
            ValidationOptions {
                suppress_expired: true,
                ..Default::default()
            },
            &expired,
            server_context(),
            StatusCode::BAD_CERTIFICATE_TIME_INVALID,
        ),
        (
            ValidationOptions {
                suppress_host_name: true,
                ..Default::default()
            },
            &pki.leaf.der,
            wrong_host,
            StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID,
        ),
        (
            ValidationOptions {
                suppress_untrusted: true,
                ..Default::default()
            },
            &own.der,
            server_context(),
            StatusCode::BAD_CERTIFICATE_UNTRUSTED,
        ),
    ];
    for (options, der, ctx, suppressed) in cases {
        let (seen, sink) = recording();
        let validator = StoreValidator::new(pki.store.clone())
            .with_options(options)
            .with_audit(sink);
        assert_eq!(code(validator.validate(der, &ctx)), StatusCode::GOOD);
        assert_eq!(*seen.lock().unwrap(), vec![suppressed]);
    }
    // An accepted certificate is not written to rejected/.
    assert!(rejected(&pki.store).is_empty());

    // Revocation unknown, for the leaf and for the intermediate.
    pki.remove(Folder::IssuerCrl, "intermediate.crl");
    pki.remove(Folder::TrustedCrl, "root.crl");
    let (seen, sink) = recording();
    let validator = StoreValidator::new(pki.store.clone())
        .with_options(ValidationOptions {
            suppress_revocation_unknown: true,
            suppress_issuer_revocation_unknown: true,
            ..Default::default()
        })
        .with_audit(sink);
    assert_eq!(
        code(validator.validate(&pki.leaf.der, &server_context())),
        StatusCode::GOOD
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN,
            StatusCode::BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN
        ]
    );
}

#[test]
fn revoked_and_wrong_uri_are_never_suppressed() {
    let pki = Pki::new("no-suppress");
    pki.write(
        Folder::IssuerCrl,
        "intermediate.crl",
        &crl(&pki.inter, &[&pki.leaf.der]),
    );
    let all = ValidationOptions {
        suppress_expired: true,
        suppress_issuer_expired: true,
        suppress_host_name: true,
        suppress_revocation_unknown: true,
        suppress_issuer_revocation_unknown: true,
        suppress_untrusted: true,
    };
    let (seen, sink) = recording();
    let validator = StoreValidator::new(pki.store.clone())
        .with_options(all)
        .with_audit(sink);
    assert_eq!(
        code(validator.validate(&pki.leaf.der, &server_context())),
        StatusCode::BAD_CERTIFICATE_REVOKED
    );
    let mut ctx = server_context();
    ctx.application_uri = Some("urn:example:other");
    assert_eq!(
        code(validator.validate(&pki.leaf.der, &ctx)),
        StatusCode::BAD_CERTIFICATE_URI_INVALID
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn wire_mapping_hides_trust_details() {
    for code in [
        StatusCode::BAD_CERTIFICATE_TIME_INVALID,
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED,
        StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN,
    ] {
        assert_eq!(wire_status_code(code), code);
    }
    for code in [
        StatusCode::BAD_CERTIFICATE_INVALID,
        StatusCode::BAD_CERTIFICATE_UNTRUSTED,
        StatusCode::BAD_CERTIFICATE_REVOKED,
        StatusCode::BAD_CERTIFICATE_ISSUER_REVOKED,
        StatusCode::BAD_CERTIFICATE_URI_INVALID,
        StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID,
        StatusCode::BAD_CERTIFICATE_CHAIN_INCOMPLETE,
        StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
        StatusCode::BAD_CERTIFICATE_ISSUER_TIME_INVALID,
        StatusCode::BAD_CERTIFICATE_ISSUER_USE_NOT_ALLOWED,
        StatusCode::BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN,
    ] {
        assert_eq!(
            wire_status_code(code),
            StatusCode::BAD_SECURITY_CHECKS_FAILED
        );
    }
}

#[test]
fn generated_keys_round_trip_as_pkcs8_pem() {
    let mut rng = rng();
    for kind in [
        KeyKind::Rsa(2048),
        KeyKind::P256,
        KeyKind::P384,
        KeyKind::Ed25519,
    ] {
        let key = match kind {
            KeyKind::Rsa(_) => rsa_key(0),
            _ => PrivateKey::generate(kind, &mut rng).unwrap(),
        };
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{kind:?}");
        let back = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(back.kind(), kind);
        assert_eq!(back.public_key_der(), key.public_key_der(), "{kind:?}");
    }
}

#[test]
fn install_own_writes_certificate_and_key_by_thumbprint() {
    let dir = TempDir::new("own");
    let store = DirectoryStore::open(dir.path()).unwrap();
    let params = CertificateParams::application("App", APP_URI, &[HOST], 365);
    let own = cert(&params, rsa_key(0), None);
    let (cert_path, key_path) = store.install_own(&own.der, &own.key).unwrap();
    let hex = thumbprint_hex(&thumbprint(&own.der));
    assert_eq!(
        cert_path,
        store.folder(Folder::OwnCerts).join(format!("{hex}.der"))
    );
    assert_eq!(
        key_path,
        store.folder(Folder::OwnPrivate).join(format!("{hex}.pem"))
    );
    let pem = std::fs::read_to_string(key_path).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        PrivateKey::from_pem(&pem).unwrap().public_key_der(),
        own.key.public_key_der()
    );
}
