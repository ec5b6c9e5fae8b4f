//! The kept trust lists: read once while the store is unchanged, read
//! again at the first validation after a change.
//!
//! Each test first lets the store's files settle (`SETTLE_TIME`), so that
//! the validator keeps what it read and the change is seen through the
//! listing, not because a recent file is read again anyway.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use super::StoreValidator;
use crate::cert::store_listing::SETTLE_TIME;
use crate::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, Folder, GeneratedCertificate,
    RevokedEntry, SigningHash, ValidationContext, generate_crl, parse_certificate,
};
use crate::key::KeyKind;
use crate::policy::{ECC_CURVE25519, Role};
use crate::{Error, StatusCode};

const URI: &str = "urn:test:peer";

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!(
            "uasc-unit-{name}-{}-{n}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn code(result: crate::Result<()>) -> StatusCode {
    match result {
        Ok(()) => StatusCode::GOOD,
        Err(Error::Certificate(code)) => code,
        Err(other) => panic!("not a certificate error: {other:?}"),
    }
}

fn context() -> ValidationContext<'static> {
    ValidationContext {
        application_uri: Some(URI),
        host_name: Some("localhost"),
        ..ValidationContext::new(Role::Server, ECC_CURVE25519.descriptor(), SystemTime::now())
    }
}

/// A self-signed application certificate (Ed25519: every one made with
/// the same name length has the same length).
fn application(name: &str) -> GeneratedCertificate {
    let mut params = CertificateParams::application(name, URI, &["localhost"], 30);
    params.serial = vec![0x11, 0x22, 0x33];
    GeneratedCertificate::generate(KeyKind::Ed25519, &params, None, &mut rand::rng()).unwrap()
}

fn crl(issuer: &GeneratedCertificate, revoked: &[&[u8]]) -> Vec<u8> {
    let now = SystemTime::now();
    let entries: Vec<RevokedEntry> = revoked
        .iter()
        .map(|der| RevokedEntry {
            serial: parse_certificate(der).unwrap().raw_serial().to_vec(),
            revoked_at: now - Duration::from_secs(60),
        })
        .collect();
    let this_update = now - Duration::from_secs(60);
    let next_update = now + Duration::from_secs(86_400);
    generate_crl(
        &issuer.as_issuer(),
        &entries,
        this_update,
        next_update,
        SigningHash::Sha256,
    )
    .unwrap()
}

/// A store with a trusted root CA (and its empty CRL) that issued `leaf`,
/// and the self-signed `app` trusted as `app.der`.
struct Pki {
    _dir: TempDir,
    store: DirectoryStore,
    root: GeneratedCertificate,
    leaf: Vec<u8>,
    app: GeneratedCertificate,
}

impl Pki {
    fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        let store = DirectoryStore::open(dir.0.join("pki")).unwrap();
        let mut rng = rand::rng();
        let root = GeneratedCertificate::generate(
            KeyKind::Ed25519,
            &CertificateParams::ca("Root", 365),
            None,
            &mut rng,
        )
        .unwrap();
        let leaf = GeneratedCertificate::generate(
            KeyKind::Ed25519,
            &CertificateParams::application("Leaf", URI, &["localhost"], 30),
            Some(&root.as_issuer()),
            &mut rng,
        )
        .unwrap()
        .der;
        let app = application("App A");
        let pki = Pki {
            _dir: dir,
            store,
            root,
            leaf,
            app,
        };
        pki.write(Folder::TrustedCerts, "root.der", &pki.root.der);
        pki.write(Folder::TrustedCrl, "root.crl", &crl(&pki.root, &[]));
        pki.write(Folder::TrustedCerts, "app.der", &pki.app.der);
        pki
    }

    fn path(&self, folder: Folder, name: &str) -> PathBuf {
        self.store.folder(folder).join(name)
    }

    fn write(&self, folder: Folder, name: &str, data: &[u8]) {
        std::fs::write(self.path(folder, name), data).unwrap();
    }

    /// A validator whose snapshot was read from settled files, and is used
    /// again: a second validation reads nothing.
    fn settled_validator(&self) -> StoreValidator {
        std::thread::sleep(SETTLE_TIME + Duration::from_millis(100));
        let validator = StoreValidator::new(self.store.clone());
        assert_eq!(
            code(validator.validate(&self.leaf, &context())),
            StatusCode::GOOD
        );
        assert_eq!(validator.cache.loads(), 1);
        assert_eq!(
            code(validator.validate(&self.app.der, &context())),
            StatusCode::GOOD
        );
        assert_eq!(validator.cache.loads(), 1, "the store was read again");
        validator
    }
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn a_second_validation_reads_and_parses_nothing() {
    assert_send_sync::<StoreValidator>();
    let pki = Pki::new("cached");
    let validator = pki.settled_validator();
    for _ in 0..5 {
        assert_eq!(
            code(validator.validate(&pki.leaf, &context())),
            StatusCode::GOOD
        );
    }
    // A refusal writes to rejected/, which the trust lists do not come
    // from: still nothing read.
    let stranger = application("Other");
    assert_eq!(
        code(validator.validate(&stranger.der, &context())),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    assert!(
        pki.store
            .find(
                Folder::RejectedCerts,
                &crate::cert::thumbprint(&stranger.der)
            )
            .is_some()
    );
    assert_eq!(
        code(validator.validate(&pki.app.der, &context())),
        StatusCode::GOOD
    );
    assert_eq!(validator.cache.loads(), 1);
}

#[test]
fn the_channels_of_a_server_share_the_kept_lists() {
    let pki = Pki::new("shared");
    let validator = pki.settled_validator();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    assert_eq!(
                        code(validator.validate(&pki.leaf, &context())),
                        StatusCode::GOOD
                    );
                }
            });
        }
    });
    assert_eq!(validator.cache.loads(), 1);
}

#[test]
fn a_certificate_moved_into_trusted_counts_at_the_next_validation() {
    let pki = Pki::new("added");
    let validator = pki.settled_validator();
    let newcomer = application("App B");
    assert_eq!(
        code(validator.validate(&newcomer.der, &context())),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    assert_eq!(validator.cache.loads(), 1);
    let thumbprint = crate::cert::thumbprint(&newcomer.der);
    pki.store.trust(&thumbprint).unwrap();
    assert_eq!(
        code(validator.validate(&newcomer.der, &context())),
        StatusCode::GOOD
    );
    assert_eq!(validator.cache.loads(), 2);
}

#[test]
fn a_certificate_removed_from_trusted_counts_at_the_next_validation() {
    let pki = Pki::new("removed");
    let validator = pki.settled_validator();
    std::fs::remove_file(pki.path(Folder::TrustedCerts, "app.der")).unwrap();
    assert_eq!(
        code(validator.validate(&pki.app.der, &context())),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    assert_eq!(validator.cache.loads(), 2);
    // Removing the root withdraws the chain too.
    std::fs::remove_file(pki.path(Folder::TrustedCerts, "root.der")).unwrap();
    assert_eq!(
        code(validator.validate(&pki.leaf, &context())),
        StatusCode::BAD_CERTIFICATE_CHAIN_INCOMPLETE
    );
}

#[test]
fn a_crl_that_appears_revokes_at_the_next_validation() {
    let pki = Pki::new("revoked");
    let validator = pki.settled_validator();
    pki.write(
        Folder::TrustedCrl,
        "root-2.crl",
        &crl(&pki.root, &[&pki.leaf]),
    );
    assert_eq!(
        code(validator.validate(&pki.leaf, &context())),
        StatusCode::BAD_CERTIFICATE_REVOKED
    );
    assert_eq!(validator.cache.loads(), 2);
}

// Elsewhere than on Unix the store sees no status change time, and a file
// rewritten with its old length and modification time goes unseen.
#[cfg(unix)]
#[test]
fn a_file_rewritten_in_place_with_the_same_length_and_time_counts() {
    let pki = Pki::new("rewritten");
    let path = pki.path(Folder::TrustedCerts, "app.der");
    let before = std::fs::metadata(&path).unwrap();
    let validator = pki.settled_validator();
    let other = application("App B");
    assert_eq!(other.der.len(), pki.app.der.len());
    // Same file (inode), same length, its modification time set back to
    // what it was: only the status change time tells.
    std::fs::write(&path, &other.der).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (before.len(), before.modified().unwrap())
    );
    assert_eq!(
        code(validator.validate(&pki.app.der, &context())),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    assert_eq!(
        code(validator.validate(&other.der, &context())),
        StatusCode::GOOD
    );
}

#[test]
fn recently_changed_files_are_read_at_each_validation_until_they_settle() {
    let pki = Pki::new("recent");
    let validator = StoreValidator::new(pki.store.clone());
    // Just written: a rewrite within the same tick of the file system's
    // clock would not show in the metadata, so nothing is kept yet.
    for n in 1..=3 {
        assert_eq!(
            code(validator.validate(&pki.leaf, &context())),
            StatusCode::GOOD
        );
        assert_eq!(validator.cache.loads(), n);
    }
    std::thread::sleep(SETTLE_TIME + Duration::from_millis(100));
    assert_eq!(
        code(validator.validate(&pki.leaf, &context())),
        StatusCode::GOOD
    );
    assert_eq!(
        code(validator.validate(&pki.leaf, &context())),
        StatusCode::GOOD
    );
    assert_eq!(validator.cache.loads(), 4);
}

#[test]
fn a_folder_that_cannot_be_read_counts_as_empty_as_before() {
    let pki = Pki::new("missing");
    let validator = pki.settled_validator();
    let trusted = pki.store.folder(Folder::TrustedCerts);
    let aside = pki.store.root().join("trusted-aside");
    std::fs::rename(&trusted, &aside).unwrap();
    assert_eq!(
        code(validator.validate(&pki.app.der, &context())),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
    assert_eq!(
        code(validator.validate(&pki.leaf, &context())),
        StatusCode::BAD_CERTIFICATE_CHAIN_INCOMPLETE
    );
    std::fs::rename(&aside, &trusted).unwrap();
    assert_eq!(
        code(validator.validate(&pki.app.der, &context())),
        StatusCode::GOOD
    );
}
