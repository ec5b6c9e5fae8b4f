//! Security policies (OPC 10000-7) and the keys they use.
//!
//! A policy is a [`SecurityPolicy`]: a [`PolicyDescriptor`] (its
//! parameters), a [`KeyExchange`] per token that turns the two nonces into a
//! [`TokenKeys`] pair of [`ChunkProtection`] objects, and the asymmetric
//! algorithms that secure OPN chunks with an [`OwnKey`] and a [`PeerKey`].
//! This crate's policies are the [`BuiltinPolicy`] statics; other crates can
//! add their own by implementing the traits.

mod aead_protection;
mod asymmetric;
mod builtin;
mod certificate_key;
mod descriptor;
mod ecc_exchange;
mod key_exchange;
mod protection;
mod security_policy;
mod symmetric_keys;

pub use aead_protection::AeadProtection;
pub use asymmetric::{AsymmetricEncryption, AsymmetricSignature};
pub use builtin::{
    AES128_SHA256_RSA_OAEP, AES256_SHA256_RSA_PSS, ALL, BASIC256_SHA256, BuiltinPolicy,
    ECC_BRAINPOOL_P256R1, ECC_BRAINPOOL_P384R1, ECC_CURVE448, ECC_CURVE25519, ECC_NIST_P256,
    ECC_NIST_P256_AES_GCM, ECC_NIST_P256_CHACHA_POLY, ECC_NIST_P384, NONE, by_name, by_uri,
};
#[cfg(feature = "legacy-policies")]
pub use builtin::{BASIC128_RSA15, BASIC256};
pub use builtin::{
    ECC_BRAINPOOL_P256R1_AES_GCM, ECC_BRAINPOOL_P256R1_CHACHA_POLY, ECC_BRAINPOOL_P384R1_AES_GCM,
    ECC_BRAINPOOL_P384R1_CHACHA_POLY, ECC_CURVE448_AES_GCM, ECC_CURVE448_CHACHA_POLY,
    ECC_CURVE25519_AES_GCM, ECC_CURVE25519_CHACHA_POLY, ECC_NIST_P384_AES_GCM,
    ECC_NIST_P384_CHACHA_POLY, RSA_DH_AES_GCM, RSA_DH_CHACHA_POLY,
};
pub use certificate_key::{OwnKey, PeerKey};
pub use descriptor::PolicyDescriptor;
pub use ecc_exchange::EcdhExchange;
pub use key_exchange::{ChainingSecret, HmacHash, KeyExchange, NonceExchange, Role, TokenKeys};
pub use protection::{ChunkContext, ChunkProtection};
pub use security_policy::SecurityPolicy;
pub use symmetric_keys::SymmetricKeys;
