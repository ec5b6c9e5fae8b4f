//! Building a certificate chain from the leaf to a self-signed root, using
//! the certificates the peer sent, the issuer list and the trusted list
//! (OPC 10000-4 §6.1.3, step "Build Certificate Chain").

use x509_parser::certificate::X509Certificate;

use super::parse::MAX_CHAIN_LEN;
use super::signature::{SignatureAlgorithm, verify};
use crate::{Error, Result, StatusCode};

/// Whether `cert` names itself as its issuer (a root, or a self-signed
/// application certificate).
pub fn is_self_issued(cert: &X509Certificate<'_>) -> bool {
    cert.subject() == cert.issuer()
}

/// Whether `issuer`'s key verifies the signature on `cert`.
pub fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    SignatureAlgorithm::from_identifier(&cert.signature_algorithm).is_some_and(|alg| {
        verify(
            alg,
            cert.tbs_certificate.as_ref(),
            &cert.signature_value.data,
            issuer.public_key().raw,
        )
    })
}

/// The chain from `leaf` up to a self-issued certificate: `leaf` first,
/// each next element the issuer of the one before. Issuers are looked up
/// by name among `candidates`; of several with the right name, one whose
/// key verifies the signature is preferred (the signature step checks it
/// again). No issuer, a loop or a chain longer than
/// [`MAX_CHAIN_LEN`](super::parse::MAX_CHAIN_LEN) is
/// `BadCertificateChainIncomplete`.
pub fn build<'c, 'a>(
    leaf: &'c X509Certificate<'a>,
    candidates: &[&'c X509Certificate<'a>],
) -> Result<Vec<&'c X509Certificate<'a>>> {
    let incomplete = || Error::Certificate(StatusCode::BAD_CERTIFICATE_CHAIN_INCOMPLETE);
    let mut path = vec![leaf];
    let mut current = leaf;
    while !is_self_issued(current) {
        if path.len() >= MAX_CHAIN_LEN {
            return Err(incomplete());
        }
        let named: Vec<&X509Certificate<'a>> = candidates
            .iter()
            .copied()
            .filter(|c| c.subject() == current.issuer())
            .filter(|c| !path.iter().any(|p| p.as_ref() == c.as_ref()))
            .collect();
        let issuer = named
            .iter()
            .copied()
            .find(|c| signed_by(current, c))
            .or_else(|| named.first().copied())
            .ok_or_else(incomplete)?;
        path.push(issuer);
        current = issuer;
    }
    Ok(path)
}
