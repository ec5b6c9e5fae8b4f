//! An application's identity and trust store, kept in a PKI folder laid out
//! as OPC 10000-12 Annex F; made on first start.

use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use uasc::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, Folder, GeneratedCertificate,
    StoreValidator, ValidationOptions,
};
use uasc::channel::Identity;
use uasc::key::KeyKind;

use super::own_cert::newest_identity;

/// What an example application runs with.
pub struct App {
    pub store: DirectoryStore,
    pub identity: Identity,
    pub application_uri: String,
}

/// Opens the PKI folder at `pki`, creating it and an RSA-2048 application
/// instance certificate (SAN URI `application_uri`, the DNS and IP names in
/// `hosts`, serverAuth and clientAuth) on first use. With several
/// certificates in `own/certs`, the one written last is used.
pub fn load_or_create(pki: &Path, application_uri: &str, hosts: &[&str]) -> Result<App, String> {
    let store = DirectoryStore::open(pki).map_err(|e| format!("{}: {e}", pki.display()))?;
    let identity = if store.certificates(Folder::OwnCerts).is_empty() {
        let name = application_uri.rsplit(':').next().unwrap_or("uasc");
        let params = CertificateParams::application(name, application_uri, hosts, 365);
        let mut rng = StdRng::try_from_rng(&mut SysRng).map_err(|e| e.to_string())?;
        let made = GeneratedCertificate::generate(KeyKind::Rsa(2048), &params, None, &mut rng)
            .map_err(|e| e.to_string())?;
        store
            .install_own(&made.der, &made.key)
            .map_err(|e| format!("installing the certificate: {e}"))?;
        Identity::from(made)
    } else {
        newest_identity(&store).map_err(|e| format!("{}: {e}", pki.display()))?
    };
    Ok(App {
        store,
        identity,
        application_uri: application_uri.to_owned(),
    })
}

/// The validator over the store; with `auto_trust`, certificates that are
/// merely untrusted are accepted (and audited to stderr), for trying things
/// out on loopback.
pub fn validator(store: &DirectoryStore, auto_trust: bool) -> Arc<dyn CertificateValidator> {
    let options = ValidationOptions {
        suppress_untrusted: auto_trust,
        ..ValidationOptions::default()
    };
    Arc::new(
        StoreValidator::new(store.clone())
            .with_options(options)
            .with_audit(|e: &uasc::cert::SuppressedError| {
                eprintln!("certificate accepted despite {}", e.code)
            }),
    )
}
