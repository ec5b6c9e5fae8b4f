//! The validation steps of OPC 10000-4 §6.1.3 (Table 100/106), in the
//! order the specification gives them, over a set of trust lists.

use std::time::{SystemTime, UNIX_EPOCH};

use x509_parser::certificate::X509Certificate;
use x509_parser::time::ASN1Time;

use super::crl::{self, Revocation};
use super::options::{AuditHook, SuppressedError, ValidationOptions};
use super::parse::{parse_certificate, split_chain};
use super::signature::{KeyAlgorithm, SignatureAlgorithm, SignatureHash};
use super::trust_index::TrustIndex;
use super::{ValidationContext, chain, names, thumbprint, usage};
use crate::key::KeyKind;
use crate::policy::{AsymmetricSignature, PolicyDescriptor, Role};
use crate::{Error, Result, StatusCode};

/// The administrator's lists a chain is checked against (OPC 10000-4
/// §6.1.3; OPC 10000-12 Annex F), as DER.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustLists {
    /// Trusted application and CA certificates.
    pub trusted: Vec<Vec<u8>>,
    /// CA certificates used to build chains, not trusted by themselves.
    pub issuers: Vec<Vec<u8>>,
    /// CRLs of trusted and issuer CAs.
    pub crls: Vec<Vec<u8>>,
}

/// Refuses with `code`, unless `options` suppress it: then reports it to
/// `audit` and goes on.
struct Checker<'a> {
    options: &'a ValidationOptions,
    audit: Option<&'a AuditHook>,
    thumbprint: [u8; 20],
}

impl Checker<'_> {
    fn fail(&self, code: StatusCode) -> Result<()> {
        if self.options.suppresses(code) {
            if let Some(audit) = self.audit {
                audit.report(&SuppressedError {
                    code,
                    thumbprint: self.thumbprint,
                });
            }
            Ok(())
        } else {
            Err(Error::Certificate(code))
        }
    }

    fn require(&self, ok: bool, code: StatusCode) -> Result<()> {
        if ok { Ok(()) } else { self.fail(code) }
    }
}

fn asn1_time(now: SystemTime) -> Result<ASN1Time> {
    let secs = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok(),
        Err(e) => i64::try_from(e.duration().as_secs()).ok().map(|s| -s),
    };
    secs.and_then(|s| ASN1Time::from_timestamp(s).ok())
        .ok_or(Error::Certificate(StatusCode::BAD_CERTIFICATE_TIME_INVALID))
}

/// Whether the leaf's key and the chain's signature hashes fit `policy`:
/// the key of the kind the policy names
/// ([`PolicyDescriptor::certificate_key`]: the curve of an ECC policy, RSA
/// for the RSA policies; without one, the kind its signature scheme implies)
/// and within its size bounds; no SHA-1 signature unless the policy is
/// deprecated. SecurityPolicy None sets no bounds.
fn policy_allows(policy: &PolicyDescriptor, path: &[&X509Certificate<'_>]) -> bool {
    let Some(scheme) = policy.asymmetric_signature else {
        return true;
    };
    let Some(leaf) = path.first() else {
        return false;
    };
    let Some(key) = KeyAlgorithm::of(leaf.public_key()) else {
        return false;
    };
    let kind_ok = match policy.certificate_key {
        Some(KeyKind::Rsa(_)) => matches!(key, KeyAlgorithm::Rsa(_)),
        Some(kind) => key.key_kind() == Some(kind),
        None => match scheme {
            AsymmetricSignature::EcdsaSha256 => key == KeyAlgorithm::P256,
            AsymmetricSignature::EcdsaSha384 => key == KeyAlgorithm::P384,
            AsymmetricSignature::Ed25519 => key == KeyAlgorithm::Ed25519,
            AsymmetricSignature::Ed448 => key == KeyAlgorithm::Ed448,
            _ => matches!(key, KeyAlgorithm::Rsa(_)),
        },
    };
    let bits = key.bits();
    if !kind_ok || bits < policy.min_asymmetric_key_bits || bits > policy.max_asymmetric_key_bits {
        return false;
    }
    // Self-signed roots are trust anchors: their own signature's hash does
    // not matter. Every other signature in the chain must avoid SHA-1.
    path.iter()
        .filter(|c| path.len() == 1 || !chain::is_self_issued(c))
        .all(
            |c| match SignatureAlgorithm::from_identifier(&c.signature_algorithm) {
                Some(alg) => policy.deprecated || alg.hash() != SignatureHash::Sha1,
                None => false,
            },
        )
}

/// Runs the steps of OPC 10000-4 §6.1.3 on `chain` (DER leaf first,
/// optionally followed by DER issuers) in the specification's order:
/// structure, chain, signature, security policy, trust list, validity,
/// host name, URI, usage, revocation list, revocation. The first error
/// that `options` do not suppress is returned as
/// [`Error::Certificate`]; suppressed ones are reported to `audit`.
///
/// Every entry of `lists` is parsed for this one call; a validator that
/// checks many chains against the same lists keeps them parsed instead, as
/// `StoreValidator` does.
pub fn validate_chain(
    chain: &[u8],
    context: &ValidationContext<'_>,
    lists: &TrustLists,
    options: &ValidationOptions,
    audit: Option<&AuditHook>,
) -> Result<()> {
    validate_indexed(
        chain,
        context,
        lists,
        &TrustIndex::new(lists),
        options,
        audit,
    )
}

/// [`validate_chain`] with `lists` indexed beforehand: `index` must have
/// been made from `lists`. Only the entries that name a certificate of the
/// chain as their subject (or issuer, for CRLs) are looked at.
pub(crate) fn validate_indexed(
    chain: &[u8],
    context: &ValidationContext<'_>,
    lists: &TrustLists,
    index: &TrustIndex,
    options: &ValidationOptions,
    audit: Option<&AuditHook>,
) -> Result<()> {
    let options = &ValidationOptions {
        suppress_host_name: options.suppress_host_name || context.suppress_host_name_invalid,
        ..*options
    };
    // 1. Certificate Structure.
    let sent_der = split_chain(chain)?;
    let sent = sent_der
        .iter()
        .map(|der| parse_certificate(der))
        .collect::<Result<Vec<_>>>()?;
    let (leaf, sent_issuers) = sent
        .split_first()
        .ok_or(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID))?;
    let check = Checker {
        options,
        audit,
        thumbprint: thumbprint(leaf.as_ref()),
    };

    // Of the lists, what the chain can reach by name.
    let (trusted, issuers) = index.candidates(lists, leaf, sent_issuers);

    // 2. Build Certificate Chain: trusted CAs first, then the issuer list,
    // then what the peer sent.
    let candidates: Vec<&X509Certificate<'_>> = trusted
        .iter()
        .chain(issuers.iter())
        .chain(sent_issuers.iter())
        .collect();
    let path = chain::build(leaf, &candidates)?;

    // 3. Signature: every certificate by its issuer, the root by itself.
    for (i, cert) in path.iter().enumerate() {
        let issuer = path.get(i + 1).unwrap_or(cert);
        if !chain::signed_by(cert, issuer) {
            return Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID));
        }
    }

    // 4. Security Policy Check.
    check.require(
        policy_allows(context.policy, &path),
        StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
    )?;

    // 5. Trust List Check: the leaf or one of its CAs is trusted.
    let is_trusted = path
        .iter()
        .any(|c| index.is_trusted(lists, c.subject().as_raw(), c.as_ref()));
    check.require(is_trusted, StatusCode::BAD_CERTIFICATE_UNTRUSTED)?;

    // 6. Validity Period: the leaf, then its issuers; at a renewal, as of
    // when the channel opened.
    let now = asn1_time(context.now)?;
    let valid_at = asn1_time(context.opened.unwrap_or(context.now))?;
    for (i, cert) in path.iter().enumerate() {
        let code = if i == 0 {
            StatusCode::BAD_CERTIFICATE_TIME_INVALID
        } else {
            StatusCode::BAD_CERTIFICATE_ISSUER_TIME_INVALID
        };
        check.require(cert.validity().is_valid_at(valid_at), code)?;
    }

    // 7. Host Name: a client checks the server's certificate.
    if let (Role::Server, Some(host)) = (context.peer_role, context.host_name) {
        check.require(
            names::host_name_matches(leaf, host),
            StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID,
        )?;
    }

    // 8. URI.
    if let Some(uri) = context.application_uri {
        check.require(
            names::uri_matches(leaf, uri),
            StatusCode::BAD_CERTIFICATE_URI_INVALID,
        )?;
    }

    // 9. Certificate Usage.
    check.require(
        usage::application_use_allowed(leaf, context.peer_role),
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED,
    )?;
    for (below, issuer) in path.iter().skip(1).enumerate() {
        check.require(
            usage::issuer_use_allowed(issuer, below),
            StatusCode::BAD_CERTIFICATE_ISSUER_USE_NOT_ALLOWED,
        )?;
    }

    // 10. Find Revocation List, 11. Revocation Check: every certificate
    // but the self-signed one that ends the chain.
    let statuses: Vec<Revocation> = path
        .iter()
        .zip(path.iter().skip(1))
        .map(|(cert, issuer)| {
            crl::status(cert, issuer, index.crls_of(issuer.subject().as_raw()), now)
        })
        .collect();
    for (i, status) in statuses.iter().enumerate() {
        let code = if i == 0 {
            StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
        } else {
            StatusCode::BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN
        };
        check.require(*status != Revocation::Unknown, code)?;
    }
    for (i, status) in statuses.iter().enumerate() {
        let code = if i == 0 {
            StatusCode::BAD_CERTIFICATE_REVOKED
        } else {
            StatusCode::BAD_CERTIFICATE_ISSUER_REVOKED
        };
        check.require(*status != Revocation::Revoked, code)?;
    }
    Ok(())
}
