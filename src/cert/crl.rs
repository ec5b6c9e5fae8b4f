//! Certificate revocation lists: finding the CRL of an issuer and looking
//! a serial number up in it (OPC 10000-4 §6.1.3, steps "Find Revocation
//! List" and "Revocation Check"; RFC 5280 §5).

use x509_parser::certificate::X509Certificate;
use x509_parser::revocation_list::CertificateRevocationList;
use x509_parser::time::ASN1Time;

use super::signature::{SignatureAlgorithm, verify};

/// What the CRLs of a certificate's issuer say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// A current CRL signed by the issuer was found, and none lists the
    /// certificate.
    Good,
    /// A CRL signed by the issuer lists the certificate.
    Revoked,
    /// No current CRL signed by the issuer was found.
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

/// The revocation status of `cert` from the CRLs of `issuer` among `crls`
/// at time `now`. Every CRL signed by the issuer is consulted: one listing
/// the serial number revokes, even when it is out of date (revocation is
/// final). Otherwise the status is known only if one of them is current
/// (thisUpdate ≤ now ≤ nextUpdate; no nextUpdate counts as current).
pub fn status(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    crls: &[CertificateRevocationList<'_>],
    now: ASN1Time,
) -> Revocation {
    let mut current = false;
    for crl in crls.iter().filter(|crl| issued_by(crl, issuer)) {
        if crl
            .iter_revoked_certificates()
            .any(|r| r.raw_serial() == cert.raw_serial())
        {
            return Revocation::Revoked;
        }
        let started = crl.last_update() <= now;
        let not_stale = crl.next_update().is_none_or(|next| now <= next);
        current |= started && not_stale;
    }
    if current {
        Revocation::Good
    } else {
        Revocation::Unknown
    }
}
