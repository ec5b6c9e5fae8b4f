//! What a security policy is, as data (OPC 10000-7; the table in
//! OPC 10000-6 §6.7.5 and the policy profiles).

use super::{AsymmetricEncryption, AsymmetricSignature};
use crate::crypto::PHash;

/// The symmetric algorithms a policy secures MSG and CLO chunks with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymmetricSuite {
    /// No signature, no encryption (SecurityPolicy None).
    None,
    /// AES-CBC encryption with an HMAC signature over the plaintext
    /// (MAC-then-encrypt), keys from P_SHA.
    CbcHmac {
        /// The PRF that derives the keys.
        prf: PHash,
        /// HMAC-SHA1 (`false`) or HMAC-SHA256 (`true`).
        hmac_sha256: bool,
    },
}

/// The fixed parameters of a security policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyDescriptor {
    /// Short name, e.g. `Basic256Sha256`.
    pub name: &'static str,
    /// The SecurityPolicyUri.
    pub uri: &'static str,
    /// The symmetric algorithms.
    pub suite: SymmetricSuite,
    /// How OPN chunks are encrypted; `None` for SecurityPolicy None.
    pub asymmetric_encryption: Option<AsymmetricEncryption>,
    /// How OPN chunks are signed; `None` for SecurityPolicy None.
    pub asymmetric_signature: Option<AsymmetricSignature>,
    /// DerivedSignatureKeyLength, in bytes.
    pub signing_key_len: usize,
    /// EncryptionKeyLength, in bytes.
    pub encrypting_key_len: usize,
    /// InitializationVector length (the cipher's block size), in bytes.
    pub iv_len: usize,
    /// Length of a symmetric signature, in bytes.
    pub signature_len: usize,
    /// SecureChannelNonceLength, in bytes.
    pub nonce_len: usize,
    /// Smallest asymmetric key, in bits.
    pub min_asymmetric_key_bits: u32,
    /// Largest asymmetric key, in bits.
    pub max_asymmetric_key_bits: u32,
    /// LegacySequenceNumbers (OPC 10000-6 §6.7.2.4).
    pub legacy_sequence_numbers: bool,
    /// Whether the policy is deprecated and known to be attackable.
    pub deprecated: bool,
}

impl PolicyDescriptor {
    /// Bytes of key material derived per direction: signing key, encrypting
    /// key and IV.
    pub const fn key_material_len(&self) -> usize {
        self.signing_key_len + self.encrypting_key_len + self.iv_len
    }
}

/// SecurityPolicy None: no security at all.
pub const NONE: PolicyDescriptor = PolicyDescriptor {
    name: "None",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#None",
    suite: SymmetricSuite::None,
    asymmetric_encryption: None,
    asymmetric_signature: None,
    signing_key_len: 0,
    encrypting_key_len: 0,
    iv_len: 0,
    signature_len: 0,
    nonce_len: 0,
    min_asymmetric_key_bits: 0,
    max_asymmetric_key_bits: 0,
    legacy_sequence_numbers: true,
    deprecated: false,
};

/// What the current RSA policies share: HMAC-SHA256 and P_SHA256, 32-byte
/// keys and nonces, RSA keys of 2048 to 4096 bits.
const RSA_SHA256: PolicyDescriptor = PolicyDescriptor {
    name: "",
    uri: "",
    suite: SymmetricSuite::CbcHmac {
        prf: PHash::Sha256,
        hmac_sha256: true,
    },
    asymmetric_encryption: Some(AsymmetricEncryption::RsaOaepSha1),
    asymmetric_signature: Some(AsymmetricSignature::RsaPkcs1v15Sha256),
    signing_key_len: 32,
    encrypting_key_len: 32,
    iv_len: 16,
    signature_len: 32,
    nonce_len: 32,
    min_asymmetric_key_bits: 2048,
    max_asymmetric_key_bits: 4096,
    legacy_sequence_numbers: true,
    deprecated: false,
};

/// Basic256Sha256: AES-256-CBC, HMAC-SHA256, P_SHA256.
pub const BASIC256_SHA256: PolicyDescriptor = PolicyDescriptor {
    name: "Basic256Sha256",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256",
    ..RSA_SHA256
};

/// Aes128_Sha256_RsaOaep: AES-128-CBC, HMAC-SHA256, P_SHA256.
pub const AES128_SHA256_RSA_OAEP: PolicyDescriptor = PolicyDescriptor {
    name: "Aes128_Sha256_RsaOaep",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
    encrypting_key_len: 16,
    ..RSA_SHA256
};

/// Aes256_Sha256_RsaPss: AES-256-CBC, HMAC-SHA256, P_SHA256.
pub const AES256_SHA256_RSA_PSS: PolicyDescriptor = PolicyDescriptor {
    name: "Aes256_Sha256_RsaPss",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
    asymmetric_encryption: Some(AsymmetricEncryption::RsaOaepSha256),
    asymmetric_signature: Some(AsymmetricSignature::RsaPssSha256),
    ..RSA_SHA256
};

/// What the deprecated policies share: HMAC-SHA1, P_SHA1, RSA keys of 1024
/// to 2048 bits.
#[cfg(feature = "legacy-policies")]
const RSA_SHA1: PolicyDescriptor = PolicyDescriptor {
    suite: SymmetricSuite::CbcHmac {
        prf: PHash::Sha1,
        hmac_sha256: false,
    },
    asymmetric_signature: Some(AsymmetricSignature::RsaPkcs1v15Sha1),
    signature_len: 20,
    min_asymmetric_key_bits: 1024,
    max_asymmetric_key_bits: 2048,
    deprecated: true,
    ..RSA_SHA256
};

/// Basic128Rsa15: deprecated and broken (RSA PKCS#1 v1.5 encryption is open
/// to Bleichenbacher padding-oracle attacks; SHA-1). Only with the
/// `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub const BASIC128_RSA15: PolicyDescriptor = PolicyDescriptor {
    name: "Basic128Rsa15",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15",
    asymmetric_encryption: Some(AsymmetricEncryption::RsaPkcs1v15),
    signing_key_len: 16,
    encrypting_key_len: 16,
    nonce_len: 16,
    ..RSA_SHA1
};

/// Basic256: deprecated (SHA-1). Only with the `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub const BASIC256: PolicyDescriptor = PolicyDescriptor {
    name: "Basic256",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256",
    signing_key_len: 24,
    ..RSA_SHA1
};

/// Every policy compiled in.
pub const ALL: &[PolicyDescriptor] = &[
    NONE,
    BASIC256_SHA256,
    AES128_SHA256_RSA_OAEP,
    AES256_SHA256_RSA_PSS,
    #[cfg(feature = "legacy-policies")]
    BASIC128_RSA15,
    #[cfg(feature = "legacy-policies")]
    BASIC256,
];

/// The compiled-in policy with this SecurityPolicyUri.
pub fn by_uri(uri: &str) -> Option<&'static PolicyDescriptor> {
    ALL.iter().find(|p| p.uri == uri)
}
