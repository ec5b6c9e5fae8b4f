//! Certificate structure: splitting a chain into DER certificates and
//! parsing each (OPC 10000-4 §6.1.3, step "Certificate Structure";
//! OPC 10000-6 §6.2.6 for the chain encoding).

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::leaf;
use crate::{Error, Result, StatusCode};

/// The most certificates a chain may hold: a leaf and its issuers.
pub const MAX_CHAIN_LEN: usize = 8;

/// The largest DER certificate accepted, in bytes.
pub const MAX_CERTIFICATE_SIZE: usize = 32 * 1024;

fn invalid() -> Error {
    Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID)
}

/// Splits concatenated DER certificates, leaf first, as the
/// SenderCertificate field carries them. An empty chain, more than
/// [`MAX_CHAIN_LEN`] certificates, or a certificate larger than
/// [`MAX_CERTIFICATE_SIZE`] is `BadCertificateInvalid`.
pub fn split_chain(chain: &[u8]) -> Result<Vec<&[u8]>> {
    let mut rest = chain;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if out.len() >= MAX_CHAIN_LEN {
            return Err(invalid());
        }
        let der = leaf(rest)?;
        if der.len() > MAX_CERTIFICATE_SIZE {
            return Err(invalid());
        }
        rest = rest.get(der.len()..).ok_or_else(invalid)?;
        out.push(der);
    }
    if out.is_empty() {
        return Err(invalid());
    }
    Ok(out)
}

/// Parses one DER certificate and checks its structure: X.509 v3, no
/// trailing bytes, the same signature algorithm inside and outside the
/// signed part, and the extensions this crate reads (key usage, extended
/// key usage, basic constraints, subject alternative name) well-formed and
/// not repeated. Any failure is `BadCertificateInvalid`.
pub fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|_| invalid())?;
    // RFC 5280 §4.1.1.2: the outer signatureAlgorithm must equal the one
    // inside the signed TBSCertificate.
    if !rest.is_empty()
        || cert.version().0 != 2
        || cert.signature_algorithm != cert.tbs_certificate.signature
    {
        return Err(invalid());
    }
    cert.key_usage().map_err(|_| invalid())?;
    cert.extended_key_usage().map_err(|_| invalid())?;
    cert.basic_constraints().map_err(|_| invalid())?;
    cert.subject_alternative_name().map_err(|_| invalid())?;
    Ok(cert)
}

/// Whether `der` starts a PEM text rather than DER bytes.
pub(crate) fn is_pem(data: &[u8]) -> bool {
    data.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'-')
}

/// The DER blocks in `data`: `data` itself when it is DER, or every PEM
/// block labelled `label` (e.g. `CERTIFICATE`, `X509 CRL`).
pub fn der_blocks(data: &[u8], label: &str) -> Vec<Vec<u8>> {
    if !is_pem(data) {
        return vec![data.to_vec()];
    }
    x509_parser::pem::Pem::iter_from_buffer(data)
        .map_while(core::result::Result::ok)
        .filter(|pem| pem.label == label)
        .map(|pem| pem.contents)
        .collect()
}
