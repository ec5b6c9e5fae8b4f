//! ECDSA on P-256 and brainpoolP256r1 (SHA-256), P-384 and brainpoolP384r1
//! (SHA-384) on the `p256`, `p384`, `bp256` and `bp384` crates, and PureEdDSA
//! on Ed25519 and Ed448 on `ed25519-dalek` and `ed448-goldilocks`;
//! ECDSA signatures as raw `r ‖ s`, each big-endian and padded to the field
//! size (OPC 10000-6 §6.8). The keys of [`crate::key`] run their operations
//! here.

use p256::ecdsa::signature::{SignatureEncoding, Signer, Verifier};

use crate::{Error, Result};

/// Signs `data`: ECDSA with RFC 6979 deterministic nonces, or EdDSA.
pub(crate) fn sign<S, Sig>(key: &S, data: &[u8]) -> Result<Vec<u8>>
where
    S: Signer<Sig>,
    Sig: SignatureEncoding,
{
    let s: Sig = key
        .try_sign(data)
        .map_err(|_| Error::SecurityChecksFailed)?;
    Ok(s.to_vec())
}

/// Checks a raw signature: of the scheme's exact length, for ECDSA both
/// scalars in range and not zero, then the equation. Every failure is
/// `BadSecurityChecksFailed`.
pub(crate) fn verify<V, Sig>(key: &V, data: &[u8], signature: &[u8]) -> Result<()>
where
    V: Verifier<Sig>,
    Sig: SignatureEncoding,
{
    let fail = |_| Error::SecurityChecksFailed;
    let s = Sig::try_from(signature).map_err(|_| Error::SecurityChecksFailed)?;
    key.verify(data, &s).map_err(fail)
}
