//! Which validation errors an administrator chose to suppress, and the
//! audit hook every suppression is reported to (OPC 10000-4 §6.1.3;
//! OPC 10000-6 Annex E.6 CertificateValidationOptions; OPC 10000-12
//! §7.8.2.10 TrustListValidationOptions).

use core::fmt;

use crate::StatusCode;

/// Validation errors to suppress. All off by default: every check refuses.
///
/// Suppressing never skips a check: the step still runs, and its error is
/// reported to the [`Audit`] hook instead of refusing the certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidationOptions {
    /// SuppressCertificateExpired: accept a leaf outside its validity
    /// period (`BadCertificateTimeInvalid`).
    pub suppress_expired: bool,
    /// SuppressIssuerCertificateExpired: accept issuers outside their
    /// validity period (`BadCertificateIssuerTimeInvalid`).
    pub suppress_issuer_expired: bool,
    /// SuppressHostNameInvalid: accept a server certificate that does not
    /// name the host (`BadCertificateHostNameInvalid`).
    pub suppress_host_name: bool,
    /// SuppressRevocationStatusUnknown: accept a leaf whose issuer has no
    /// CRL (`BadCertificateRevocationUnknown`).
    pub suppress_revocation_unknown: bool,
    /// SuppressIssuerRevocationStatusUnknown: accept issuers whose own
    /// issuer has no CRL (`BadCertificateIssuerRevocationUnknown`).
    pub suppress_issuer_revocation_unknown: bool,
    /// Accept a certificate that no trusted-list entry vouches for
    /// (`BadCertificateUntrusted`), e.g. to trust on first use. The
    /// certificate is still validated in every other respect.
    pub suppress_untrusted: bool,
}

impl ValidationOptions {
    /// Whether these options suppress `code`. Codes that are never
    /// suppressible (structure, signature, URI, revoked, …) are `false`.
    pub fn suppresses(&self, code: StatusCode) -> bool {
        (code == StatusCode::BAD_CERTIFICATE_TIME_INVALID && self.suppress_expired)
            || (code == StatusCode::BAD_CERTIFICATE_ISSUER_TIME_INVALID
                && self.suppress_issuer_expired)
            || (code == StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID && self.suppress_host_name)
            || (code == StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
                && self.suppress_revocation_unknown)
            || (code == StatusCode::BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN
                && self.suppress_issuer_revocation_unknown)
            || (code == StatusCode::BAD_CERTIFICATE_UNTRUSTED && self.suppress_untrusted)
    }
}

/// A validation error that was suppressed, as reported to the [`Audit`]
/// hook ("suppressed validation errors are always reported via auditing",
/// OPC 10000-4 §6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuppressedError {
    /// The error that would have refused the certificate.
    pub code: StatusCode,
    /// The SHA-1 thumbprint of the leaf certificate.
    pub thumbprint: [u8; 20],
}

/// Receives every suppressed validation error.
pub trait Audit: Send + Sync {
    /// Called once per suppressed error, in the order of the steps.
    fn suppressed(&self, event: &SuppressedError);
}

impl<F> Audit for F
where
    F: Fn(&SuppressedError) + Send + Sync,
{
    fn suppressed(&self, event: &SuppressedError) {
        self(event);
    }
}

/// An [`Audit`] hook as a validator holds it.
pub struct AuditHook(Box<dyn Audit>);

impl AuditHook {
    /// Wraps `audit`.
    pub fn new(audit: impl Audit + 'static) -> Self {
        AuditHook(Box::new(audit))
    }

    /// Reports `event`.
    pub fn report(&self, event: &SuppressedError) {
        self.0.suppressed(event);
    }
}

impl fmt::Debug for AuditHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditHook")
    }
}
