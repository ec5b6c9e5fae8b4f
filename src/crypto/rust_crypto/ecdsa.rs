//! ECDSA on P-256 (SHA-256) and P-384 (SHA-384) on the `p256` and `p384`
//! crates, signatures as raw `r ‖ s`, each big-endian and padded to the
//! field size (OPC 10000-6 §6.8). [`crate::key::EcdsaPrivateKey`] and
//! [`crate::key::EcdsaPublicKey`] run their operations here.

use p256::ecdsa::signature::{Signer, Verifier};

use crate::{Error, Result};

/// ECDSA-SHA256 over `data` with RFC 6979 deterministic nonces.
pub(crate) fn sign_p256(key: &p256::ecdsa::SigningKey, data: &[u8]) -> Result<Vec<u8>> {
    let s: p256::ecdsa::Signature = key
        .try_sign(data)
        .map_err(|_| Error::SecurityChecksFailed)?;
    Ok(s.to_bytes().to_vec())
}

/// ECDSA-SHA384 over `data` with RFC 6979 deterministic nonces.
pub(crate) fn sign_p384(key: &p384::ecdsa::SigningKey, data: &[u8]) -> Result<Vec<u8>> {
    let s: p384::ecdsa::Signature = key
        .try_sign(data)
        .map_err(|_| Error::SecurityChecksFailed)?;
    Ok(s.to_bytes().to_vec())
}

/// Checks a raw `r ‖ s` ECDSA-SHA256 signature: 64 bytes, both scalars in
/// range and not zero, then the equation. Every failure is
/// `BadSecurityChecksFailed`.
pub(crate) fn verify_p256(
    key: &p256::ecdsa::VerifyingKey,
    data: &[u8],
    signature: &[u8],
) -> Result<()> {
    let fail = |_| Error::SecurityChecksFailed;
    let s = p256::ecdsa::Signature::from_slice(signature).map_err(fail)?;
    key.verify(data, &s).map_err(fail)
}

/// Checks a raw `r ‖ s` ECDSA-SHA384 signature (96 bytes).
pub(crate) fn verify_p384(
    key: &p384::ecdsa::VerifyingKey,
    data: &[u8],
    signature: &[u8],
) -> Result<()> {
    let fail = |_| Error::SecurityChecksFailed;
    let s = p384::ecdsa::Signature::from_slice(signature).map_err(fail)?;
    key.verify(data, &s).map_err(fail)
}
