//! A set of primitives from one backend, in the manner of rustls'
//! `CryptoProvider`.

use core::fmt;

use rand_core::CryptoRng;

use super::{AeadAlgorithm, AeadKey, CbcKey, EcdhCurve, EphemeralKey, HashAlgorithm, MacKey};
use crate::Result;
use crate::policy::{AsymmetricSignature, PeerKey};

/// Makes an HMAC keyed with `key` (any length).
pub type HmacFn = fn(hash: HashAlgorithm, key: &[u8]) -> Result<Box<dyn MacKey>>;
/// Makes an AES key of 16 or 32 bytes for CBC.
pub type AesCbcFn = fn(key: &[u8]) -> Result<Box<dyn CbcKey>>;
/// Makes an AEAD key of `algorithm`'s length.
pub type AeadFn = fn(algorithm: AeadAlgorithm, key: &[u8]) -> Result<Box<dyn AeadKey>>;
/// Generates an ephemeral key pair on `curve`.
pub type GenerateEphemeralFn =
    fn(curve: EcdhCurve, rng: &mut dyn CryptoRng) -> Box<dyn EphemeralKey>;
/// The ephemeral key pair with this private scalar.
pub type EphemeralFromPrivateFn =
    fn(curve: EcdhCurve, private: &[u8]) -> Result<Box<dyn EphemeralKey>>;
/// The key of a DER SubjectPublicKeyInfo, for `scheme`.
pub type PeerKeyFn = fn(spki_der: &[u8], scheme: AsymmetricSignature) -> Result<Box<dyn PeerKey>>;

/// The primitives one crypto backend supplies, as plain functions.
///
/// The built-in policies ([`BuiltinPolicy`](crate::policy::BuiltinPolicy))
/// and the EncryptedSecrets of [`crate::secret`] make every key they use
/// through one of these, and the channel sees only the policy traits, so
/// another backend is a second value of this type beside
/// [`rust_crypto::PROVIDER`](super::rust_crypto::PROVIDER), given to a
/// policy with [`BuiltinPolicy::with_provider`](crate::policy::BuiltinPolicy::with_provider).
///
/// The key derivations ([`PHash`](super::PHash), [`hkdf`](super::hkdf))
/// are built on [`hmac`](Self::hmac), so a backend supplies HMAC once.
/// Application instance keys (our own) are [`OwnKey`](crate::policy::OwnKey)
/// objects the caller supplies; a peer's comes from
/// [`peer_key`](Self::peer_key).
#[derive(Clone, Copy)]
pub struct CryptoProvider {
    /// The backend's name, for `Debug`.
    pub name: &'static str,
    /// An HMAC keyed with `key` (any length).
    pub hmac: HmacFn,
    /// An AES key of 16 or 32 bytes for CBC.
    pub aes_cbc: AesCbcFn,
    /// An AEAD key of `algorithm`'s length.
    pub aead: AeadFn,
    /// A fresh ephemeral key pair on `curve`.
    pub generate_ephemeral: GenerateEphemeralFn,
    /// The ephemeral key pair with this private scalar (big-endian, the
    /// curve's length): to reproduce a recorded exchange, or to reload a
    /// key ring.
    pub ephemeral_from_private_bytes: EphemeralFromPrivateFn,
    /// The public key of a DER SubjectPublicKeyInfo, as a key that
    /// verifies `scheme` (and encrypts, for RSA). A key of another kind or
    /// curve is `BadCertificatePolicyCheckFailed`.
    pub peer_key: PeerKeyFn,
}

impl fmt::Debug for CryptoProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CryptoProvider({})", self.name)
    }
}

impl PartialEq for CryptoProvider {
    /// Providers are told apart by name.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for CryptoProvider {}

impl core::hash::Hash for CryptoProvider {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
