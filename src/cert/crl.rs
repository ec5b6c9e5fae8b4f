//! Certificate revocation lists: finding the CRL of an issuer and looking
//! a serial number up in it (OPC 10000-4 §6.1.3, steps "Find Revocation
//! List" and "Revocation Check"; RFC 5280 §5).

use x509_parser::certificate::X509Certificate;
use x509_parser::revocation_list::CertificateRevocationList;

use super::signature::{SignatureAlgorithm, verify};

/// What the CRLs of a certificate's issuer say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// A CRL signed by the issuer was found and does not list the
    /// certificate.
    Good,
    /// A CRL signed by the issuer lists the certificate.
    Revoked,
    /// No CRL signed by the issuer was found.
    Unknown,
}

/// Whether `crl` was issued and signed by `issuer`.
pub fn issued_by(crl: &CertificateRevocationList<'_>, issuer: &X509Certificate<'_>) -> bool {
    if crl.issuer() != issuer.subject() {
        return false;
    }
    let Some(alg) = SignatureAlgorithm::from_identifier(&crl.signature_algorithm) else {
        return false;
    };
    verify(
        alg,
        crl.tbs_cert_list.as_ref(),
        &crl.signature_value.data,
        issuer.public_key().raw,
    )
}

/// The revocation status of `cert` from the CRLs of `issuer` among `crls`.
/// Every CRL signed by the issuer is consulted; one listing the serial
/// number is enough to revoke.
pub fn status(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    crls: &[CertificateRevocationList<'_>],
) -> Revocation {
    let mut found = false;
    for crl in crls.iter().filter(|crl| issued_by(crl, issuer)) {
        found = true;
        if crl
            .iter_revoked_certificates()
            .any(|r| r.raw_serial() == cert.raw_serial())
        {
            return Revocation::Revoked;
        }
    }
    if found {
        Revocation::Good
    } else {
        Revocation::Unknown
    }
}
