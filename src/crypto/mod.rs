//! The cryptographic primitives of the security policies and the
//! EncryptedSecrets (OPC 10000-7; OPC 10000-6 §6.7.5, §6.8; OPC 10000-4
//! §7.41), in one layer that the rest of the crate draws from.
//!
//! Like rustls' `crypto` module, it separates what the protocol needs from
//! who computes it:
//!
//! * the algorithms, as data: [`HashAlgorithm`], [`EcdhCurve`],
//!   [`AeadAlgorithm`];
//! * keyed primitives, as traits: [`MacKey`] (HMAC), [`CbcKey`]
//!   (AES-CBC), [`AeadKey`] (AES-GCM, ChaCha20-Poly1305) and
//!   [`EphemeralKey`] (ECDH key pairs, with their [`SharedSecret`]);
//! * a backend, as a [`CryptoProvider`]: the functions that make those
//!   keys, and the peer's certificate key (RSA, ECDSA) as a
//!   [`PeerKey`](crate::policy::PeerKey). [`rust_crypto::PROVIDER`], on
//!   the RustCrypto crates, is the default ([`default_provider`]); another
//!   backend is another `CryptoProvider` beside it, and nothing in the
//!   channel changes;
//! * the key derivations, on a provider's HMAC: [`PHash`] (P_SHA1 and
//!   P_SHA256 of the RSA policies) and [`hkdf`] (the ECC policies and
//!   EccEncryptedSecret).
//!
//! The RSA and ECDSA operations of application instance keys are in the
//! backend too ([`crate::key`] holds the keys, reads and generates them).
//! CBC with HMAC as a chunk protection is
//! [`SymmetricKeys`](crate::policy::SymmetricKeys), AEAD chunks are
//! [`AeadProtection`](crate::policy::AeadProtection), both built on these
//! primitives.

mod algorithms;
mod hkdf;
mod keys;
mod p_hash;
mod provider;
pub mod rust_crypto;

pub use algorithms::{AeadAlgorithm, EcdhCurve, HashAlgorithm};
pub use hkdf::hkdf;
pub use keys::{AeadKey, CbcKey, EphemeralKey, MacKey, SharedSecret};
pub use p_hash::PHash;
pub use provider::{
    AeadFn, AesCbcFn, CryptoProvider, EphemeralFromPrivateFn, GenerateEphemeralFn, HmacFn,
    PeerKeyFn,
};

/// The provider the built-in policies and the EncryptedSecrets use unless
/// told otherwise: [`rust_crypto::PROVIDER`].
pub fn default_provider() -> &'static CryptoProvider {
    &rust_crypto::PROVIDER
}
