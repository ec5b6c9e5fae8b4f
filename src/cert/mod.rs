//! Certificates: what a secure channel asks of them (OPC 10000-4 §6.1.3,
//! OPC 10000-6 §6.7.4).
//!
//! The channel hands the peer's certificate chain to a
//! [`CertificateValidator`] the caller supplies, and uses the result to
//! accept or refuse the OpenSecureChannel exchange.

use core::fmt;
use std::time::SystemTime;

use sha1::{Digest, Sha1};

use crate::Result;
use crate::policy::{PolicyDescriptor, Role};

/// What a validator knows about the certificate it is asked to check.
#[derive(Debug, Clone, Copy)]
pub struct ValidationContext<'a> {
    /// The role of the certificate's owner: `Server` when a client checks
    /// the server's certificate, `Client` when a server checks a client's.
    pub peer_role: Role,
    /// The policy of the channel: its key-length and algorithm bounds.
    pub policy: &'a PolicyDescriptor,
    /// The ApplicationUri the certificate must carry, when known.
    pub application_uri: Option<&'a str>,
    /// The host name the certificate must name (a client checking a
    /// server), when known: the host of the EndpointUrl.
    pub host_name: Option<&'a str>,
    /// SuppressHostNameInvalid (OPC 10000-6 Annex E.6), set by the
    /// channel's configuration: a host name mismatch is reported to the
    /// validator's audit hook instead of refusing the certificate.
    pub suppress_host_name_invalid: bool,
    /// The wall-clock time now: CRL update windows are checked against
    /// it, and validity periods too unless `opened` is set.
    pub now: SystemTime,
    /// At a token renewal, when the channel opened. Validity periods are
    /// then checked at that time: a certificate that was valid when the
    /// channel opened does not end it by expiring ("the secure connection
    /// will continue; the new certificates are used as soon as the
    /// connection is re-established"), while trust and revocation are
    /// checked as of `now`.
    pub opened: Option<SystemTime>,
}

impl<'a> ValidationContext<'a> {
    /// A context for a certificate of `peer_role` on a channel with
    /// `policy`, checked at `now`, with no URI or host name to match.
    pub fn new(peer_role: Role, policy: &'a PolicyDescriptor, now: SystemTime) -> Self {
        ValidationContext {
            peer_role,
            policy,
            application_uri: None,
            host_name: None,
            suppress_host_name_invalid: false,
            now,
            opened: None,
        }
    }
}

/// Decides whether a peer's certificate may be used (OPC 10000-4 §6.1.3).
///
/// `chain` is the SenderCertificate field as received: the DER leaf
/// certificate, optionally followed by the DER issuer certificates.
/// A refusal is [`Error::Certificate`](crate::Error::Certificate) with the
/// precise StatusCode; the channel sends the peer only what OPC 10000-4
/// allows (usually `BadSecurityChecksFailed`) and reports the precise code
/// to its caller.
pub trait CertificateValidator: Send + Sync + fmt::Debug {
    /// Checks `chain` for use on a channel described by `context`.
    fn validate(&self, chain: &[u8], context: &ValidationContext<'_>) -> Result<()>;
}

/// A validator that accepts every certificate without looking at it.
///
/// For tests and for experiments on loopback only: a channel that uses it
/// authenticates nobody.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsecureAcceptAnyCertificate;

impl CertificateValidator for InsecureAcceptAnyCertificate {
    fn validate(&self, _: &[u8], _: &ValidationContext<'_>) -> Result<()> {
        Ok(())
    }
}

/// The SHA-1 thumbprint of a DER certificate, as the
/// ReceiverCertificateThumbprint carries it (OPC 10000-6 §6.7.2.3).
pub fn thumbprint(certificate_der: &[u8]) -> [u8; 20] {
    Sha1::digest(certificate_der).into()
}

/// The thumbprint in lowercase hex, as store file names use it.
pub fn thumbprint_hex(thumbprint: &[u8; 20]) -> String {
    thumbprint.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 40 hex digits (either case) into a thumbprint.
pub fn parse_thumbprint(hex: &str) -> Option<[u8; 20]> {
    let hex = hex.as_bytes();
    if hex.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let s = core::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// The first certificate of a chain: the DER SEQUENCE at the start of
/// `chain`, by its encoded length. Anything that is not a well-formed
/// definite-length SEQUENCE header is `BadCertificateInvalid`.
pub fn leaf(chain: &[u8]) -> Result<&[u8]> {
    let invalid = || crate::Error::Certificate(crate::StatusCode::BAD_CERTIFICATE_INVALID);
    let (&tag, rest) = chain.split_first().ok_or_else(invalid)?;
    let (&first, rest) = rest.split_first().ok_or_else(invalid)?;
    if tag != 0x30 {
        return Err(invalid());
    }
    let (len, header) = match first {
        0..=0x7F => (usize::from(first), 2),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let bytes = rest.get(..n).ok_or_else(invalid)?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, 2 + n)
        }
        _ => return Err(invalid()),
    };
    let end = header.checked_add(len).ok_or_else(invalid)?;
    chain.get(..end).ok_or_else(invalid)
}

/// Checks that the certificate `der` carries `application_uri` in its
/// subjectAltName (OPC 10000-4 §6.1.3 step "Application URI"):
/// `BadCertificateUriInvalid` if it does not, `BadCertificateInvalid` if
/// `der` is not a certificate. For a server's session layer, which learns a
/// client's ApplicationUri from CreateSession after the channel opened.
pub fn check_application_uri(der: &[u8], application_uri: &str) -> Result<()> {
    let cert = parse_certificate(der)?;
    if names::uri_matches(&cert, application_uri) {
        Ok(())
    } else {
        Err(crate::Error::Certificate(
            crate::StatusCode::BAD_CERTIFICATE_URI_INVALID,
        ))
    }
}

mod chain;
mod crl;
#[cfg(feature = "cert-generate")]
mod generate;
mod names;
mod options;
mod parse;
mod signature;
#[cfg(feature = "cert-store")]
mod store;
#[cfg(feature = "cert-store")]
mod store_cache;
#[cfg(feature = "cert-store")]
mod store_listing;
#[cfg(feature = "cert-store")]
mod store_validator;
mod trust_index;
mod usage;
mod validate;
mod wire;

pub use crl::Revocation;
#[cfg(feature = "cert-generate")]
pub use generate::{
    CertificateParams, ExtendedUsage, GeneratedCertificate, Issuer, RevokedEntry, SigningHash,
    Usage, generate_crl,
};
pub use options::{Audit, AuditHook, SuppressedError, ValidationOptions};
pub(crate) use parse::is_pem;
pub use parse::{MAX_CERTIFICATE_SIZE, MAX_CHAIN_LEN, der_blocks, parse_certificate, split_chain};
pub use signature::{KeyAlgorithm, SignatureAlgorithm, SignatureHash};
#[cfg(feature = "cert-store")]
pub use store::{
    DEFAULT_REJECTED_CAP, DirectoryStore, Folder, MAX_FILE_SIZE, MAX_FILES_PER_FOLDER,
    StoredCertificate,
};
#[cfg(feature = "cert-store")]
pub use store_validator::StoreValidator;
pub use validate::{TrustLists, validate_chain};
pub use wire::wire_status_code;
