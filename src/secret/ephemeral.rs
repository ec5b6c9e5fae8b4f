//! Ephemeral ECDH key pairs (OPC 10000-6 §6.8; OPC 10000-4 §7.41.2.5), on
//! the [default crypto provider](crate::crypto::default_provider).

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::EccCurve;
use crate::crypto::{EphemeralKey, SharedSecret, default_provider};
use crate::{Error, Result};

/// An ephemeral ECDH key pair: the private scalar (zeroized on drop) and
/// the public key as raw `X ‖ Y`, or the RFC 7748 u coordinate on X25519
/// and X448 (OPC 10000-6 §6.8). `Debug` shows only
/// the curve.
pub struct EphemeralKeyPair {
    curve: EccCurve,
    key: Box<dyn EphemeralKey>,
}

impl fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EphemeralKeyPair({:?})", self.curve)
    }
}

impl EphemeralKeyPair {
    /// A new key pair on `curve` from `rng`.
    pub fn generate(curve: EccCurve, rng: &mut dyn CryptoRng) -> Self {
        let key = (default_provider().generate_ephemeral)(curve.ecdh(), rng);
        EphemeralKeyPair { curve, key }
    }

    /// The key pair with this private key: a big-endian scalar of the
    /// curve's length, or the raw RFC 7748 bytes on X25519 and X448. Secret material: the caller keeps its copy zeroized.
    pub fn from_private_bytes(curve: EccCurve, scalar: &[u8]) -> Result<Self> {
        let key = (default_provider().ephemeral_from_private_bytes)(curve.ecdh(), scalar)?;
        Ok(EphemeralKeyPair { curve, key })
    }

    /// The curve.
    pub fn curve(&self) -> EccCurve {
        self.curve
    }

    /// The public key: raw `X ‖ Y` (64 or 96 bytes), or the u coordinate
    /// (32 or 56 bytes).
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key()
    }

    /// The private scalar, big-endian. Secret material.
    pub(crate) fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.key.private_bytes()
    }

    /// The (EC)DH shared secret (the x or u coordinate) with a peer's
    /// public key; a key that is not a point of the curve, or gives an
    /// all-zero X25519/X448 result, is `BadNonceInvalid`.
    pub(crate) fn shared_secret(&self, peer_public_key: &[u8]) -> Result<SharedSecret> {
        if peer_public_key.len() != self.curve.public_key_len() {
            return Err(Error::NonceInvalid);
        }
        self.key.agree(peer_public_key)
    }
}

/// Where a receiver looks up the private half of the ephemeral key an
/// EccEncryptedSecret names as its ReceiverPublicKey
/// (OPC 10000-4 §7.41.2.5): one [`EphemeralKeyPair`], or a server's
/// [`EphemeralKeyRing`](super::EphemeralKeyRing).
pub trait EphemeralKeys {
    /// The key pair whose public key is `public_key`, if still held.
    fn find(&self, public_key: &[u8]) -> Option<&EphemeralKeyPair>;
}

impl EphemeralKeys for EphemeralKeyPair {
    fn find(&self, public_key: &[u8]) -> Option<&EphemeralKeyPair> {
        (self.public_key() == public_key).then_some(self)
    }
}
