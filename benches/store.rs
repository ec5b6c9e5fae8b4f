//! Validating a peer's certificate against a directory store (OPC 10000-12
//! Annex F) with 1 and with 36 trusted certificates.
//!
//! `cargo bench --bench store [-- FILTER]`
//!
//! * `cached`: a `StoreValidator`, which reads and indexes the store once
//!   and then only lists its folders to see whether they changed (the
//!   files are left to settle for 3 s first, as the validator uses what it
//!   read only once the files are that old).
//! * `uncached`: what every validation did before, and what
//!   `validate_chain` over `DirectoryStore::trust_lists` still does: read
//!   every file of the trusted, issuer and CRL folders, then parse them all.
//!
//! Two stores: `self-signed`, where the peer's self-signed application
//! certificate is one of the trusted ones (the others are other
//! applications'), and `ca`, where a trusted CA (with its CRL) issued the
//! peer's certificate and the other trusted certificates are self-signed
//! applications'. Every certificate has an RSA-2048 key (Basic256Sha256),
//! so each validation also verifies one (self-signed) or two (leaf and CRL)
//! RSA signatures, the same in both columns.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use uasc::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, Folder, GeneratedCertificate,
    SigningHash, StoreValidator, ValidationContext, ValidationOptions, generate_crl,
    validate_chain,
};
use uasc::key::{KeyKind, PrivateKey};
use uasc::policy::{BASIC256_SHA256, Role};

const URI: &str = "urn:bench:peer";

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("uasc-bench-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn key() -> PrivateKey {
    PrivateKey::generate(KeyKind::Rsa(2048), &mut rand::rng()).unwrap()
}

/// Writes `der` to `folder` as `name` with a modification time an hour
/// ago, as a store that an administrator set up earlier has them.
fn write(store: &DirectoryStore, folder: Folder, name: &str, der: &[u8]) {
    let path = store.folder(folder).join(name);
    std::fs::write(&path, der).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// A store with `trusted` trusted certificates and the peer's chain: the
/// peer's own certificate among them (`ca == false`), or a trusted CA that
/// issued it, with an empty CRL.
fn store(
    dir: &Path,
    trusted: usize,
    ca: bool,
    peer_key: &PrivateKey,
    other: &PrivateKey,
) -> (DirectoryStore, Vec<u8>) {
    let store = DirectoryStore::open(dir).unwrap();
    let peer_params = CertificateParams::application("Peer", URI, &["localhost"], 365);
    let peer = if ca {
        let root = GeneratedCertificate {
            der: CertificateParams::ca("Bench CA", 3650)
                .sign(other, None)
                .unwrap(),
            key: other.clone(),
        };
        write(&store, Folder::TrustedCerts, "ca.der", &root.der);
        let now = SystemTime::now();
        let crl = generate_crl(
            &root.as_issuer(),
            &[],
            now - Duration::from_secs(60),
            now + Duration::from_secs(86_400),
            SigningHash::Sha256,
        )
        .unwrap();
        write(&store, Folder::TrustedCrl, "ca.crl", &crl);
        peer_params.sign(peer_key, Some(&root.as_issuer())).unwrap()
    } else {
        let der = peer_params.sign(peer_key, None).unwrap();
        write(&store, Folder::TrustedCerts, "peer.der", &der);
        der
    };
    for i in 1..trusted {
        let mut params = CertificateParams::application(
            &format!("Other application {i}"),
            &format!("urn:bench:other:{i}"),
            &["localhost"],
            365,
        );
        params.serial = vec![1, u8::try_from(i).unwrap()];
        let der = params.sign(other, None).unwrap();
        write(
            &store,
            Folder::TrustedCerts,
            &format!("other-{i}.der"),
            &der,
        );
    }
    (store, peer)
}

fn validation(c: &mut Criterion) {
    let (peer_key, other) = (key(), key());
    let context = ValidationContext {
        application_uri: Some(URI),
        host_name: Some("localhost"),
        ..ValidationContext::new(
            Role::Server,
            BASIC256_SHA256.descriptor(),
            SystemTime::now(),
        )
    };
    let options = ValidationOptions::default();
    let mut g = c.benchmark_group("store_validation");
    for (name, ca) in [("self-signed", false), ("ca", true)] {
        for trusted in [1, 36] {
            let dir = TempDir::new(name);
            let (store, peer) = store(dir.path(), trusted, ca, &peer_key, &other);
            // Files changed in the last 3 s are read again at each
            // validation (their times may not show a further change yet):
            // let them settle, as an administrator's store has.
            std::thread::sleep(Duration::from_millis(3_100));
            let validator = StoreValidator::new(store.clone());
            validator.validate(&peer, &context).unwrap();
            let id = format!("{name}/{trusted}");
            g.bench_function(BenchmarkId::new("cached", &id), |b| {
                b.iter(|| validator.validate(&peer, &context).unwrap())
            });
            g.bench_function(BenchmarkId::new("uncached", &id), |b| {
                b.iter(|| {
                    validate_chain(&peer, &context, &store.trust_lists(), &options, None).unwrap()
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = validation
}
criterion_main!(benches);
