//! RSA application instance keys, as the [`OwnKey`] and [`PeerKey`] of the
//! RSA policies (OPC 10000-7; OPC 10000-6 §6.7.2.3, §6.7.2.5).

use core::fmt;

use rand_core::CryptoRng;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use super::KeyError;
use crate::crypto::rust_crypto::rsa as rsa_ops;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey, PeerKey};
use crate::{Error, Result};

/// An RSA private key (an application instance key). Zeroized on drop by
/// the `rsa` crate; `Debug` shows only its size.
#[derive(Clone)]
pub struct RsaPrivateKey(rsa::PrivateKey);

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPrivateKey(RSA-{})", self.0.size() * 8)
    }
}

impl RsaPrivateKey {
    /// Generates a key with a modulus of `bits` bits (2048, 3072 or 4096
    /// for the RSA policies). Sizes the `rsa` crate refuses (below 1024
    /// bits) are [`KeyError::Unsupported`].
    pub fn generate<R: CryptoRng + ?Sized>(bits: usize, rng: &mut R) -> Result<Self, KeyError> {
        rsa::PrivateKey::new(rng, bits)
            .map(RsaPrivateKey)
            .map_err(|_| KeyError::Unsupported)
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, KeyError> {
        rsa::PrivateKey::from_pkcs8_pem(pem)
            .map(RsaPrivateKey)
            .map_err(|_| KeyError::Malformed)
    }

    /// Reads a PKCS#8 DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        rsa::PrivateKey::from_pkcs8_der(der)
            .map(RsaPrivateKey)
            .map_err(|_| KeyError::Malformed)
    }

    /// Reads a PKCS#1 DER private key (the body of
    /// `-----BEGIN RSA PRIVATE KEY-----`).
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        rsa::PrivateKey::from_pkcs1_der(der)
            .map(RsaPrivateKey)
            .map_err(|_| KeyError::Malformed)
    }

    /// The modulus length in bytes (the ciphertext block and signature size).
    pub fn size(&self) -> usize {
        self.0.size()
    }

    /// The matching public key.
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey(self.0.to_public_key())
    }

    pub(crate) fn inner(&self) -> &rsa::PrivateKey {
        &self.0
    }
}

impl OwnKey for RsaPrivateKey {
    fn bits(&self) -> usize {
        self.0.size() * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.0.size()
    }

    /// PKCS#1 v1.5 signatures are deterministic: blinding does not change
    /// them. ECDSA and EdDSA schemes are refused.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        rsa_ops::sign(&self.0, scheme, data, rng)
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        self.0.size()
    }

    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        rsa_ops::decrypt(&self.0, scheme, block)
    }
}

/// An RSA public key, usually a peer's, taken from its certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey(rsa::PublicKey);

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey(RSA-{})", self.0.size() * 8)
    }
}

impl RsaPublicKey {
    /// The RSA key in the SubjectPublicKeyInfo of a DER certificate. Only the
    /// first certificate counts when a chain follows.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        Self::from_public_key_der(cert.tbs_certificate.subject_pki.raw)
            .ok_or(Error::CertificatePolicyCheckFailed("not an RSA key"))
    }

    /// The RSA key of a DER SubjectPublicKeyInfo, if it is one.
    pub(crate) fn from_public_key_der(spki: &[u8]) -> Option<Self> {
        rsa::PublicKey::from_public_key_der(spki)
            .ok()
            .map(RsaPublicKey)
    }

    /// The modulus length in bytes.
    pub fn size(&self) -> usize {
        self.0.size()
    }
}

impl PeerKey for RsaPublicKey {
    fn bits(&self) -> usize {
        self.0.size() * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.0.size()
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        rsa_ops::verify(&self.0, scheme, data, signature)
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
        rsa_ops::encrypt(&self.0, scheme, block, rng)
    }
}
