//! An application's identities and trust store, kept in a PKI folder laid
//! out as OPC 10000-12 Annex F; made on first start.

use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use uasc::cert::{
    CertificateParams, CertificateValidator, DirectoryStore, GeneratedCertificate, StoreValidator,
    ValidationOptions,
};
use uasc::channel::Identity;
use uasc::key::KeyKind;
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

use super::own_cert::own_identities;

/// What an example application runs with.
pub struct App {
    pub store: DirectoryStore,
    /// One identity per certificate type the application's policies need
    /// (RSA, a curve), in the order the policies first need them.
    pub identities: Vec<Identity>,
    pub application_uri: String,
}

impl App {
    /// The identity for `policy`: the one whose key fits it.
    pub fn identity_for(&self, policy: &dyn SecurityPolicy) -> Option<&Identity> {
        self.identities.iter().find(|i| i.fits(policy))
    }
}

/// The kind of key made for an application certificate that `policy`
/// needs: RSA-2048 for the RSA policies, the policy's curve for the ECC
/// ones; `None` for policy None.
pub fn certificate_key(policy: &BuiltinPolicy) -> Option<KeyKind> {
    policy.descriptor().certificate_key_kind()
}

/// Opens the PKI folder at `pki`, creating it on first use, with an
/// identity for every secured policy of `policies`: of the certificates in
/// `own/certs` whose key fits a policy, the one written last; where none
/// fits, a new application instance certificate (SAN URI
/// `application_uri`, the DNS and IP names in `hosts`, serverAuth and
/// clientAuth) of the kind [`certificate_key`] names, installed there.
pub fn load_or_create(
    pki: &Path,
    application_uri: &str,
    hosts: &[&str],
    policies: &[&'static BuiltinPolicy],
) -> Result<App, String> {
    let store = DirectoryStore::open(pki).map_err(|e| format!("{}: {e}", pki.display()))?;
    let mut identities = select(own_identities(&store), policies);
    for policy in policies {
        if policy.descriptor().is_none() || identities.iter().any(|i| i.fits(*policy)) {
            continue;
        }
        let kind = certificate_key(policy).ok_or_else(|| {
            format!(
                "{}: no certificate kind for {}",
                pki.display(),
                policy.descriptor().name
            )
        })?;
        let made = generate(kind, application_uri, hosts)?;
        store
            .install_own(&made.der, &made.key)
            .map_err(|e| format!("installing the certificate: {e}"))?;
        identities.push(Identity::from(made));
    }
    Ok(App {
        store,
        identities,
        application_uri: application_uri.to_owned(),
    })
}

/// Of `own` (newest first), the first identity that fits each secured
/// policy of `policies`, each taken once, in the order the policies need
/// them.
pub fn select(own: Vec<Identity>, policies: &[&'static BuiltinPolicy]) -> Vec<Identity> {
    let mut chosen: Vec<Identity> = Vec::new();
    for policy in policies.iter().filter(|p| !p.descriptor().is_none()) {
        if chosen.iter().any(|i| i.fits(*policy)) {
            continue;
        }
        if let Some(identity) = own.iter().find(|i| i.fits(*policy)) {
            chosen.push(identity.clone());
        }
    }
    chosen
}

fn generate(
    kind: KeyKind,
    application_uri: &str,
    hosts: &[&str],
) -> Result<GeneratedCertificate, String> {
    let name = application_uri.rsplit(':').next().unwrap_or("uasc");
    let params = CertificateParams::application(name, application_uri, hosts, 365);
    let mut rng = StdRng::try_from_rng(&mut SysRng).map_err(|e| e.to_string())?;
    GeneratedCertificate::generate(kind, &params, None, &mut rng).map_err(|e| e.to_string())
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
