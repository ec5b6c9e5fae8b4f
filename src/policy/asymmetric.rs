//! The RSA algorithms that secure OPN chunks (OPC 10000-7; OPC 10000-6
//! §6.7.2.3, §6.7.2.5).

use core::fmt;

use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, Pkcs1v15Sign, PrivateKey as RsaPrivateKey, Pss, PublicKey as RsaPublicKey};
use sha2::Digest;
use zeroize::Zeroizing;

use super::{OwnKey, PeerKey};

use crate::{Error, Result};

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
}

impl OwnKey for PrivateKey {
    fn bits(&self) -> usize {
        self.0.size() * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.0.size()
    }

    /// PKCS#1 v1.5 signatures are deterministic: blinding does not change
    /// them. ECDSA schemes are refused.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
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
            AsymmetricSignature::EcdsaSha256
            | AsymmetricSignature::EcdsaSha384
            | AsymmetricSignature::Ed25519
            | AsymmetricSignature::Ed448 => {
                return Err(Error::SecurityChecksFailed);
            }
        };
        out.map_err(|_| Error::SecurityChecksFailed)
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        self.0.size()
    }

    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let out = match scheme {
            AsymmetricEncryption::RsaOaepSha1 => self.0.decrypt(Oaep::<sha1::Sha1>::new(), block),
            AsymmetricEncryption::RsaOaepSha256 => {
                self.0.decrypt(Oaep::<sha2::Sha256>::new(), block)
            }
            #[cfg(feature = "legacy-policies")]
            AsymmetricEncryption::RsaPkcs1v15 => self.0.decrypt(rsa::Pkcs1v15Encrypt, block),
        };
        out.map(Zeroizing::new)
            .map_err(|_| Error::SecurityChecksFailed)
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
            .map_err(|_| Error::CertificatePolicyCheckFailed("not an RSA key"))
    }

    /// The modulus length in bytes.
    pub fn size(&self) -> usize {
        self.0.size()
    }
}

impl PeerKey for PublicKey {
    fn bits(&self) -> usize {
        self.0.size() * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.0.size()
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
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
            AsymmetricSignature::EcdsaSha256
            | AsymmetricSignature::EcdsaSha384
            | AsymmetricSignature::Ed25519
            | AsymmetricSignature::Ed448 => {
                return Err(Error::SecurityChecksFailed);
            }
        };
        out.map_err(|_| Error::SecurityChecksFailed)
    }

    fn plaintext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        scheme.plaintext_block_size(self.0.size())
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        self.0.size()
    }

    fn encrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
        rng: &mut dyn CryptoRng,
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
}
