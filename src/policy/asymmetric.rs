//! The asymmetric algorithms that secure OPN chunks (OPC 10000-7;
//! OPC 10000-6 §6.7.2.3, §6.7.2.5). The keys that run them are in
//! [`crate::key`].

/// How a policy encrypts OPN chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AsymmetricEncryption {
    /// RSA-OAEP with SHA-1 (Basic256, Basic256Sha256, Aes128_Sha256_RsaOaep).
    RsaOaepSha1,
    /// RSA-OAEP with SHA-256 (Aes256_Sha256_RsaPss).
    RsaOaepSha256,
    /// RSA PKCS#1 v1.5 (Basic128Rsa15 only; attackable).
    #[cfg(feature = "legacy-policies")]
    RsaPkcs1v15,
}

impl AsymmetricEncryption {
    /// Bytes of plaintext one block of a `key_bytes`-byte key carries.
    pub const fn plaintext_block_size(self, key_bytes: usize) -> usize {
        key_bytes.saturating_sub(match self {
            AsymmetricEncryption::RsaOaepSha1 => 42,
            AsymmetricEncryption::RsaOaepSha256 => 66,
            #[cfg(feature = "legacy-policies")]
            AsymmetricEncryption::RsaPkcs1v15 => 11,
        })
    }
}

/// How a policy signs OPN chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AsymmetricSignature {
    /// RSA PKCS#1 v1.5 with SHA-1 (Basic128Rsa15, Basic256).
    #[cfg(feature = "legacy-policies")]
    RsaPkcs1v15Sha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1v15Sha256,
    /// RSA-PSS with SHA-256, salt of 32 bytes (Aes256_Sha256_RsaPss).
    RsaPssSha256,
    /// ECDSA with SHA-256, the signature as raw `r ‖ s` (the nistP256 and
    /// brainpoolP256r1 ECC policies; OPC 10000-6 §6.8).
    EcdsaSha256,
    /// ECDSA with SHA-384, the signature as raw `r ‖ s` (the nistP384 and
    /// brainpoolP384r1 ECC policies).
    EcdsaSha384,
    /// PureEdDSA with Ed25519 (the curve25519 ECC policies; RFC 8032).
    Ed25519,
    /// PureEdDSA with Ed448 (the curve448 ECC policies; RFC 8032).
    Ed448,
}
