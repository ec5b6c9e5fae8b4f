//! Ephemeral (EC)DH key pairs (OPC 10000-6 §6.8; OPC 10000-4 §7.41.2.5), on
//! the [default crypto provider](crate::crypto::default_provider).

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::EccSecretPolicy;
use crate::crypto::{EphemeralKey, SharedSecret, default_provider};
use crate::{Error, Result};

/// An ephemeral key pair of a policy's group: the private scalar or
/// exponent (zeroized on drop) and the public key as raw `X ‖ Y`, the
/// RFC 7748 u coordinate on X25519 and X448, or the 384-byte ffdhe3072
/// public value of RSA_DH (OPC 10000-6 §6.8). It belongs to one policy: an
/// EccEncryptedSecret of another policy is not opened with it, even on the
/// same group. `Debug` shows only the policy.
pub struct EphemeralKeyPair {
    policy: EccSecretPolicy,
    key: Box<dyn EphemeralKey>,
}

impl fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EphemeralKeyPair({:?})", self.policy)
    }
}

impl EphemeralKeyPair {
    /// A new key pair of `policy`'s group from `rng`.
    pub fn generate(policy: EccSecretPolicy, rng: &mut dyn CryptoRng) -> Self {
        let key = (default_provider().generate_ephemeral)(policy.ecdh(), rng);
        EphemeralKeyPair { policy, key }
    }

    /// The key pair with this private key: a big-endian scalar of the
    /// curve's length, the raw RFC 7748 bytes on X25519 and X448, or the
    /// ffdhe3072 exponent as 384 big-endian bytes. Secret material: the
    /// caller keeps its copy zeroized. A value that is not a private key of
    /// the group is `BadDecodingError`.
    pub fn from_private_bytes(policy: EccSecretPolicy, scalar: &[u8]) -> Result<Self> {
        let key = (default_provider().ephemeral_from_private_bytes)(policy.ecdh(), scalar)?;
        Ok(EphemeralKeyPair { policy, key })
    }

    /// The policy the key pair belongs to.
    pub fn policy(&self) -> EccSecretPolicy {
        self.policy
    }

    /// The public key: raw `X ‖ Y` (64 or 96 bytes), the u coordinate
    /// (32 or 56 bytes) or the ffdhe3072 public value (384 bytes).
    pub fn public_key(&self) -> &[u8] {
        self.key.public_key()
    }

    /// The private scalar or exponent, big-endian. Secret material.
    pub(crate) fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.key.private_bytes()
    }

    /// The (EC)DH shared secret (the x or u coordinate, or `y^x mod p`)
    /// with a peer's public key; a key that is not a point of the curve, an
    /// all-zero X25519/X448 result, or an ffdhe3072 value outside
    /// `1 < y < p − 1` or the subgroup of g is `BadNonceInvalid`.
    pub(crate) fn shared_secret(&self, peer_public_key: &[u8]) -> Result<SharedSecret> {
        if peer_public_key.len() != self.policy.public_key_len() {
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
