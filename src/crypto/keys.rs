//! The keyed primitives a [`CryptoProvider`](super::CryptoProvider) hands
//! out: each is made once per key (a token's direction, a secret) and used
//! for many messages without re-keying or allocating.

use core::fmt;

use zeroize::Zeroizing;

use super::{AeadAlgorithm, EcdhCurve};
use crate::Result;

/// An HMAC with its key set (RFC 2104).
///
/// The key (and the keyed state) is zeroized on drop; `Debug` never shows
/// it.
pub trait MacKey: Send + Sync + fmt::Debug {
    /// Length of a full tag, in bytes.
    fn tag_len(&self) -> usize;

    /// Writes the HMAC of the concatenation of `parts` into `out`, cut to
    /// `out.len()` bytes (at most [`tag_len`](Self::tag_len)).
    fn sign(&self, parts: &[&[u8]], out: &mut [u8]) -> Result<()>;

    /// Checks a full-length `tag` over the concatenation of `parts` in
    /// constant time. Every failure is `BadSecurityChecksFailed`.
    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<()>;
}

/// An AES key (128 or 256 bits) for CBC mode without padding, as MSG and
/// CLO chunks and EncryptedSecret payloads are encrypted (the plaintext is
/// padded to whole blocks before).
///
/// The key schedule is zeroized on drop; `Debug` never shows it.
pub trait CbcKey: Send + Sync + fmt::Debug {
    /// Encrypts `data` in place; its length must be a multiple of 16.
    fn encrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<()>;

    /// Decrypts `data` in place; its length must be a multiple of 16.
    fn decrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<()>;
}

/// An AEAD key: seals and opens in place with a detached 16-byte tag.
///
/// The key schedule is zeroized on drop; `Debug` never shows it.
pub trait AeadKey: Send + Sync + fmt::Debug {
    /// The cipher.
    fn algorithm(&self) -> AeadAlgorithm;

    /// Encrypts `in_out` in place and writes the tag over `aad` and the
    /// ciphertext into `tag` (16 bytes). An empty `in_out` makes a tag
    /// over `aad` alone (GMAC for AES-GCM).
    fn seal(&self, nonce: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &mut [u8]) -> Result<()>;

    /// Checks `tag` over `aad` and the ciphertext in constant time, then
    /// decrypts `in_out` in place. Every failure is
    /// `BadSecurityChecksFailed`, and leaves `in_out` unspecified.
    fn open(&self, nonce: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()>;
}

/// One side's ephemeral key pair for one (EC)DH agreement: the private key
/// (zeroized on drop) and the public key in its wire form.
pub trait EphemeralKey: Send + Sync + fmt::Debug {
    /// The curve.
    fn curve(&self) -> EcdhCurve;

    /// The public key as sent: raw `X ‖ Y` for the NIST and brainpool
    /// curves, the u coordinate for X25519 and X448.
    fn public_key(&self) -> &[u8];

    /// The shared secret with the peer's public key (wire form). A key of
    /// the wrong length, a point not on the curve and the identity are
    /// `BadNonceInvalid`, and nothing is computed.
    fn agree(&self, peer_public_key: &[u8]) -> Result<SharedSecret>;

    /// The private scalar, big-endian (the raw RFC 7748 bytes for X25519
    /// and X448). Secret material.
    fn private_bytes(&self) -> Zeroizing<Vec<u8>>;
}

/// The output of a key agreement: the x coordinate of the shared point,
/// the curve's field size (the u coordinate for X25519 and X448). Zeroized on drop; `Debug` shows its length only.
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        SharedSecret(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSecret({} bytes)", self.0.len())
    }
}
