//! A [`CertificateValidator`] over a [`DirectoryStore`]: the steps of
//! OPC 10000-4 §6.1.3 against the lists on disk, read anew for each
//! validation, with refused untrusted certificates kept for review
//! (OPC 10000-12 Annex F).

use super::options::{Audit, AuditHook, ValidationOptions};
use super::store::DirectoryStore;
use super::validate::validate_chain;
use super::{CertificateValidator, ValidationContext, leaf};
use crate::{Error, Result, StatusCode};

/// Validates peer certificates against a [`DirectoryStore`].
///
/// The trusted list, the issuer list and the CRLs are read from disk on
/// every call, so a certificate moved from `rejected/certs` to
/// `trusted/certs` is trusted by the next validation of a running
/// validator. A certificate refused as `BadCertificateUntrusted` is written
/// to `rejected/certs` (named by its thumbprint; the folder is capped).
#[derive(Debug)]
pub struct StoreValidator {
    store: DirectoryStore,
    options: ValidationOptions,
    audit: Option<AuditHook>,
}

impl StoreValidator {
    /// A validator over `store` that suppresses nothing.
    pub fn new(store: DirectoryStore) -> Self {
        StoreValidator {
            store,
            options: ValidationOptions::default(),
            audit: None,
        }
    }

    /// Sets the errors to suppress.
    #[must_use]
    pub fn with_options(mut self, options: ValidationOptions) -> Self {
        self.options = options;
        self
    }

    /// Reports every suppressed error to `audit`.
    #[must_use]
    pub fn with_audit(mut self, audit: impl Audit + 'static) -> Self {
        self.audit = Some(AuditHook::new(audit));
        self
    }

    /// The store.
    pub fn store(&self) -> &DirectoryStore {
        &self.store
    }
}

impl CertificateValidator for StoreValidator {
    fn validate(&self, chain: &[u8], context: &ValidationContext<'_>) -> Result<()> {
        let lists = self.store.trust_lists();
        let result = validate_chain(chain, context, &lists, &self.options, self.audit.as_ref());
        if let Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_UNTRUSTED)) = result {
            // Keeping a copy for the administrator is best effort: a full
            // disk must not turn the refusal into something else.
            if let Ok(der) = leaf(chain) {
                let _ = self.store.reject(der);
            }
        }
        result
    }
}
