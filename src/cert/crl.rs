//! Certificate revocation lists: finding the CRL of an issuer and looking
//! a serial number up in it (OPC 10000-4 §6.1.3, steps "Find Revocation
//! List" and "Revocation Check"; RFC 5280 §5).

use x509_parser::certificate::X509Certificate;
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

/// What a CRL says, parsed once and kept: what the revocation steps read
/// of it, owned, so that a trust store's CRLs need not be parsed again for
/// each validation.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Crl {
    /// The issuer's Name as encoded (RFC 5280 §5.1.2.3).
    issuer: Box<[u8]>,
    /// The signature algorithm, if this crate verifies it.
    algorithm: Option<SignatureAlgorithm>,
    /// The signed TBSCertList, as encoded.
    signed: Box<[u8]>,
    /// The signature over it.
    signature: Box<[u8]>,
    /// The serial numbers of the revoked certificates as encoded, sorted.
    revoked: Vec<Box<[u8]>>,
    /// thisUpdate.
    this_update: ASN1Time,
    /// nextUpdate, if the CRL has one.
    next_update: Option<ASN1Time>,
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("algorithm", &self.algorithm)
            .field("revoked", &self.revoked.len())
            .field("this_update", &self.this_update)
            .field("next_update", &self.next_update)
            .finish_non_exhaustive()
    }
}

impl Crl {
    /// Parses a DER CRL; `None` if it is not one.
    pub(crate) fn parse(der: &[u8]) -> Option<Crl> {
        let (_, crl) = x509_parser::parse_x509_crl(der).ok()?;
        let mut revoked: Vec<Box<[u8]>> = crl
            .iter_revoked_certificates()
            .map(|r| Box::from(r.raw_serial()))
            .collect();
        revoked.sort_unstable();
        revoked.dedup();
        Some(Crl {
            issuer: Box::from(crl.tbs_cert_list.issuer.as_raw()),
            algorithm: SignatureAlgorithm::from_identifier(&crl.signature_algorithm),
            signed: Box::from(crl.tbs_cert_list.as_ref()),
            signature: Box::from(crl.signature_value.data.as_ref()),
            revoked,
            this_update: crl.last_update(),
            next_update: crl.next_update(),
        })
    }

    /// The issuer's Name as encoded.
    pub(crate) fn issuer(&self) -> &[u8] {
        &self.issuer
    }

    /// Whether this CRL lists the serial number `raw_serial` (as encoded).
    fn lists(&self, raw_serial: &[u8]) -> bool {
        self.revoked
            .binary_search_by(|s| (**s).cmp(raw_serial))
            .is_ok()
    }
}

/// Whether `crl` was issued and signed by `issuer`.
pub(crate) fn issued_by(crl: &Crl, issuer: &X509Certificate<'_>) -> bool {
    if crl.issuer() != issuer.subject().as_raw() {
        return false;
    }
    let Some(alg) = crl.algorithm else {
        return false;
    };
    verify(alg, &crl.signed, &crl.signature, issuer.public_key().raw)
}

/// The revocation status of `cert` from the CRLs of `issuer` among `crls`
/// at time `now`. Every CRL signed by the issuer is consulted: one listing
/// the serial number revokes, even when it is out of date (revocation is
/// final). Otherwise the status is known only if one of them is current
/// (thisUpdate ≤ now ≤ nextUpdate; no nextUpdate counts as current).
pub(crate) fn status<'c>(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
    crls: impl IntoIterator<Item = &'c Crl>,
    now: ASN1Time,
) -> Revocation {
    let mut current = false;
    for crl in crls.into_iter().filter(|crl| issued_by(crl, issuer)) {
        if crl.lists(cert.raw_serial()) {
            return Revocation::Revoked;
        }
        let started = crl.this_update <= now;
        let not_stale = crl.next_update.is_none_or(|next| now <= next);
        current |= started && not_stale;
    }
    if current {
        Revocation::Good
    } else {
        Revocation::Unknown
    }
}
