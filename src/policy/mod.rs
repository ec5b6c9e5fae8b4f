//! Security policies (OPC 10000-7) and the keys they use.

mod asymmetric;
mod descriptor;
mod symmetric_keys;

pub use asymmetric::{AsymmetricEncryption, AsymmetricSignature, PrivateKey, PublicKey};
pub use descriptor::{
    AES128_SHA256_RSA_OAEP, AES256_SHA256_RSA_PSS, ALL, BASIC256_SHA256, NONE, PolicyDescriptor,
    SymmetricSuite, by_uri,
};
#[cfg(feature = "legacy-policies")]
pub use descriptor::{BASIC128_RSA15, BASIC256};
pub use symmetric_keys::{KeySide, SymmetricKeys};
