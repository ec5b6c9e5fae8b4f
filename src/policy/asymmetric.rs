//! The RSA algorithms that secure OPN chunks (OPC 10000-7; OPC 10000-6
//! §6.7.2.3, §6.7.2.5).

use core::fmt;

use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2::Digest;

use crate::{Error, Result};

/// How a policy encrypts OPN chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
pub enum AsymmetricSignature {
    /// RSA PKCS#1 v1.5 with SHA-1 (Basic128Rsa15, Basic256).
    #[cfg(feature = "legacy-policies")]
    RsaPkcs1v15Sha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1v15Sha256,
    /// RSA-PSS with SHA-256, salt of 32 bytes (Aes256_Sha256_RsaPss).
    RsaPssSha256,
}

/// An RSA private key (an application instance key). Zeroized on drop by
/// the `rsa` crate; `Debug` shows only its size.
#[derive(Clone)]
pub struct PrivateKey(RsaPrivateKey);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(RSA-{})", self.0.size() * 8)
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        RsaPrivateKey::from_pkcs8_pem(pem)
            .map(PrivateKey)
            .map_err(|_| Error::Decoding("PKCS#8 private key"))
    }

    /// Reads a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        RsaPrivateKey::from_pkcs8_der(der)
            .map(PrivateKey)
            .map_err(|_| Error::Decoding("PKCS#8 private key"))
    }

    /// The modulus length in bytes (the ciphertext block and signature size).
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.to_public_key())
    }

    /// Decrypts one ciphertext block. Every failure is
    /// `BadSecurityChecksFailed`.
    pub fn decrypt_block(&self, scheme: AsymmetricEncryption, block: &[u8]) -> Result<Vec<u8>> {
        let out = match scheme {
            AsymmetricEncryption::RsaOaepSha1 => self.0.decrypt(Oaep::<sha1::Sha1>::new(), block),
            AsymmetricEncryption::RsaOaepSha256 => {
                self.0.decrypt(Oaep::<sha2::Sha256>::new(), block)
            }
            #[cfg(feature = "legacy-policies")]
            AsymmetricEncryption::RsaPkcs1v15 => self.0.decrypt(rsa::Pkcs1v15Encrypt, block),
        };
        out.map_err(|_| Error::SecurityChecksFailed)
    }

    /// Signs `data`; `rng` blinds the private-key operation and provides
    /// the PSS salt. PKCS#1 v1.5 signatures are deterministic: blinding
    /// does not change them.
    pub fn sign<R: CryptoRng + ?Sized>(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let out = match scheme {
            #[cfg(feature = "legacy-policies")]
            AsymmetricSignature::RsaPkcs1v15Sha1 => self.0.sign_with_rng(
                rng,
                Pkcs1v15Sign::new::<sha1::Sha1>(),
                &sha1::Sha1::digest(data),
            ),
            AsymmetricSignature::RsaPkcs1v15Sha256 => self.0.sign_with_rng(
                rng,
                Pkcs1v15Sign::new::<sha2::Sha256>(),
                &sha2::Sha256::digest(data),
            ),
            AsymmetricSignature::RsaPssSha256 => {
                self.0
                    .sign_with_rng(rng, Pss::<sha2::Sha256>::new(), &sha2::Sha256::digest(data))
            }
        };
        out.map_err(|_| Error::SecurityChecksFailed)
    }
}

/// An RSA public key, usually a peer's, taken from its certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(RsaPublicKey);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(RSA-{})", self.0.size() * 8)
    }
}

impl PublicKey {
    /// The RSA key in the SubjectPublicKeyInfo of a DER certificate. Only the
    /// first certificate counts when a chain follows.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        RsaPublicKey::from_public_key_der(cert.tbs_certificate.subject_pki.raw)
            .map(PublicKey)
            .map_err(|_| Error::Decoding("RSA public key"))
    }

    /// The modulus length in bytes.
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// Encrypts one block of at most
    /// [`plaintext_block_size`](AsymmetricEncryption::plaintext_block_size)
    /// bytes.
    pub fn encrypt_block<R: CryptoRng + ?Sized>(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        let out = match scheme {
            AsymmetricEncryption::RsaOaepSha1 => {
                self.0.encrypt(rng, Oaep::<sha1::Sha1>::new(), block)
            }
            AsymmetricEncryption::RsaOaepSha256 => {
                self.0.encrypt(rng, Oaep::<sha2::Sha256>::new(), block)
            }
            #[cfg(feature = "legacy-policies")]
            AsymmetricEncryption::RsaPkcs1v15 => self.0.encrypt(rng, rsa::Pkcs1v15Encrypt, block),
        };
        out.map_err(|_| Error::EncodingLimitsExceeded("RSA block"))
    }

    /// Checks `signature` over `data`. Every failure is
    /// `BadSecurityChecksFailed`.
    pub fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        let out = match scheme {
            #[cfg(feature = "legacy-policies")]
            AsymmetricSignature::RsaPkcs1v15Sha1 => self.0.verify(
                Pkcs1v15Sign::new::<sha1::Sha1>(),
                &sha1::Sha1::digest(data),
                signature,
            ),
            AsymmetricSignature::RsaPkcs1v15Sha256 => self.0.verify(
                Pkcs1v15Sign::new::<sha2::Sha256>(),
                &sha2::Sha256::digest(data),
                signature,
            ),
            AsymmetricSignature::RsaPssSha256 => self.0.verify(
                Pss::<sha2::Sha256>::new(),
                &sha2::Sha256::digest(data),
                signature,
            ),
        };
        out.map_err(|_| Error::SecurityChecksFailed)
    }
}
