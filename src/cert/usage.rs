//! Certificate usage: key usage, extended key usage and basic constraints
//! of application and issuer certificates (OPC 10000-4 §6.1.3, step
//! "Certificate Usage"; OPC 10000-6 §6.2.2).

use x509_parser::certificate::X509Certificate;

use super::signature::KeyAlgorithm;
use crate::policy::Role;

/// Whether `cert` may serve as the application instance certificate of a
/// peer acting as `role`: not a CA; key usage with digitalSignature, for
/// RSA keys keyEncipherment or dataEncipherment, and for ECC keys (ECDSA,
/// EdDSA) neither, since they cannot encrypt (as UA-.NETStandard checks
/// it); extended key usage with serverAuth for a server, clientAuth for a
/// client.
pub fn application_use_allowed(cert: &X509Certificate<'_>, role: Role) -> bool {
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
    if is_ca {
        return false;
    }
    let Ok(Some(ku)) = cert.key_usage() else {
        return false;
    };
    if !ku.value.digital_signature() {
        return false;
    }
    let rsa = matches!(
        KeyAlgorithm::of(cert.public_key()),
        Some(KeyAlgorithm::Rsa(_))
    );
    let enciphers = ku.value.key_encipherment() || ku.value.data_encipherment();
    if rsa != enciphers {
        return false;
    }
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return false;
    };
    match role {
        Role::Server => eku.value.server_auth,
        Role::Client => eku.value.client_auth,
    }
}

/// Whether `cert` may issue certificates and CRLs with `below` CA
/// certificates between it and the leaf: a CA by its basic constraints,
/// whose pathLenConstraint (if any) allows `below` (RFC 5280 §4.2.1.9),
/// with keyCertSign and cRLSign in its key usage.
pub fn issuer_use_allowed(cert: &X509Certificate<'_>, below: usize) -> bool {
    let is_ca = matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca
        && bc.value.path_len_constraint.is_none_or(|n| u32::try_from(below).is_ok_and(|b| b <= n)));
    let signs = matches!(cert.key_usage(), Ok(Some(ku))
        if ku.value.key_cert_sign() && ku.value.crl_sign());
    is_ca && signs
}
