//! A [`CertificateValidator`] over a [`DirectoryStore`]: the steps of
//! OPC 10000-4 §6.1.3 against the lists on disk, with refused untrusted
//! certificates kept for review (OPC 10000-12 Annex F).

use super::options::{Audit, AuditHook, ValidationOptions};
use super::store::DirectoryStore;
use super::store_cache::TrustCache;
use super::validate::validate_indexed;
use super::{CertificateValidator, ValidationContext, leaf};
use crate::{Error, Result, StatusCode};

/// Validates peer certificates against a [`DirectoryStore`].
///
/// Every validation sees the store as it is on disk then: a certificate
/// moved from `rejected/certs` to `trusted/certs` is trusted by the next
/// validation of a running validator, one removed is no longer, and a CRL
/// that appears in a `crl/` folder applies to the next validation. A
/// certificate refused as `BadCertificateUntrusted` is written to
/// `rejected/certs` (named by its thumbprint; the folder is capped).
///
/// The trusted list, the issuer list and the CRLs are read and parsed once
/// and kept; each validation only lists the folders they come from (one
/// directory read and one `stat` per file) and reads and parses them again
/// when a file was added, removed or changed: the same names, lengths,
/// modification times and, on Unix, status change times and inodes mean
/// unchanged. Because file times can be coarse (a second, or two), a file
/// that changed less than 3 seconds before it was read is read again at
/// each validation until it is older. A validation then parses only the
/// entries whose names can be part of its chain.
///
/// The validator is `Send` and `Sync`: the channels of a server share it,
/// and the kept lists behind a lock that is held only to look at or
/// replace them, never while reading files or validating.
#[derive(Debug)]
pub struct StoreValidator {
    store: DirectoryStore,
    options: ValidationOptions,
    audit: Option<AuditHook>,
    cache: TrustCache,
}

impl StoreValidator {
    /// A validator over `store` that suppresses nothing.
    pub fn new(store: DirectoryStore) -> Self {
        StoreValidator {
            store,
            options: ValidationOptions::default(),
            audit: None,
            cache: TrustCache::default(),
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
        let snapshot = self.cache.current(&self.store);
        let result = validate_indexed(
            chain,
            context,
            snapshot.lists(),
            snapshot.index(),
            &self.options,
            self.audit.as_ref(),
        );
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

#[cfg(all(test, feature = "cert-generate"))]
mod tests;
