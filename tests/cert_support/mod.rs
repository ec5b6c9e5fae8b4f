//! A generated PKI for the certificate tests: root CA → intermediate CA →
//! leaf, CRLs for both CAs, and a directory store in a fresh temp dir.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use uasc::cert::{
    CertificateParams, DirectoryStore, Folder, GeneratedCertificate, Issuer, RevokedEntry,
    SigningHash, ValidationContext, generate_crl,
};
use uasc::key::{KeyKind, PrivateKey};
use uasc::policy::{BASIC256_SHA256, PolicyDescriptor, Role};

pub const APP_URI: &str = "urn:example:server";
pub const HOST: &str = "localhost";
pub const DAY: Duration = Duration::from_secs(86_400);

pub fn rng() -> StdRng {
    StdRng::try_from_rng(&mut SysRng).unwrap()
}

/// RSA keys are slow to make: each test binary makes a few and reuses them.
pub fn rsa_key(slot: usize) -> PrivateKey {
    static KEYS: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        (0..4)
            .map(|_| PrivateKey::generate(KeyKind::Rsa(2048), &mut rng()).unwrap())
            .collect()
    })[slot]
        .clone()
}

pub fn rsa1024() -> PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate(KeyKind::Rsa(1024), &mut rng()).unwrap())
        .clone()
}

pub fn cert(
    params: &CertificateParams,
    key: PrivateKey,
    issuer: Option<&Issuer<'_>>,
) -> GeneratedCertificate {
    let der = params.sign(&key, issuer).unwrap();
    GeneratedCertificate { der, key }
}

pub fn leaf_params() -> CertificateParams {
    CertificateParams::application("Test Server", APP_URI, &[HOST, "127.0.0.1"], 30)
}

pub fn crl(issuer: &GeneratedCertificate, revoked: &[&[u8]]) -> Vec<u8> {
    let now = SystemTime::now();
    let entries: Vec<RevokedEntry> = revoked
        .iter()
        .map(|der| RevokedEntry {
            serial: serial_of(der),
            revoked_at: now - Duration::from_secs(60),
        })
        .collect();
    generate_crl(
        &issuer.as_issuer(),
        &entries,
        now - Duration::from_secs(60),
        now + DAY,
        SigningHash::Sha256,
    )
    .unwrap()
}

pub fn serial_of(der: &[u8]) -> Vec<u8> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    cert.raw_serial().to_vec()
}

pub use crate::common::temp::TempDir;

/// root (trusted) → intermediate (issuer list) → leaf, with an empty CRL
/// for each CA.
pub struct Pki {
    pub dir: TempDir,
    pub store: DirectoryStore,
    pub root: GeneratedCertificate,
    pub inter: GeneratedCertificate,
    pub leaf: GeneratedCertificate,
}

impl Pki {
    pub fn new(name: &str) -> Self {
        let dir = TempDir::new(name);
        let store = DirectoryStore::open(dir.path().join("pki")).unwrap();
        let root = cert(
            &CertificateParams::ca("Test Root CA", 3650),
            rsa_key(0),
            None,
        );
        let inter = cert(
            &CertificateParams::ca("Test Intermediate CA", 1825),
            rsa_key(1),
            Some(&root.as_issuer()),
        );
        let leaf = cert(&leaf_params(), rsa_key(2), Some(&inter.as_issuer()));
        let pki = Pki {
            dir,
            store,
            root,
            inter,
            leaf,
        };
        pki.write(Folder::TrustedCerts, "root.der", &pki.root.der);
        pki.write(Folder::IssuerCerts, "intermediate.der", &pki.inter.der);
        pki.write(Folder::TrustedCrl, "root.crl", &crl(&pki.root, &[]));
        pki.write(Folder::IssuerCrl, "intermediate.crl", &crl(&pki.inter, &[]));
        pki
    }

    pub fn write(&self, folder: Folder, name: &str, data: &[u8]) {
        std::fs::write(self.store.folder(folder).join(name), data).unwrap();
    }

    pub fn remove(&self, folder: Folder, name: &str) {
        std::fs::remove_file(self.store.folder(folder).join(name)).unwrap();
    }

    /// A leaf from `params`, signed by the intermediate.
    pub fn leaf_with(&self, params: &CertificateParams) -> Vec<u8> {
        params
            .sign(&rsa_key(2), Some(&self.inter.as_issuer()))
            .unwrap()
    }
}

pub fn server_context() -> ValidationContext<'static> {
    context(Role::Server, BASIC256_SHA256.descriptor())
}

pub fn context(role: Role, policy: &'static PolicyDescriptor) -> ValidationContext<'static> {
    ValidationContext {
        application_uri: Some(APP_URI),
        host_name: Some(HOST),
        ..ValidationContext::new(role, policy, SystemTime::now())
    }
}
