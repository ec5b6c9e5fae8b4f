//! ECDSA application instance keys on P-256 and P-384, as the
//! [`OwnKey`]/[`PeerKey`] of the ECC policies (OPC 10000-6 §6.8;
//! signatures as raw `r ‖ s`).

use core::fmt;

use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::KeyError;
use crate::crypto::rust_crypto::ecdsa;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey, PeerKey};
use crate::{Error, Result};

/// An ECDSA private key on P-256 or P-384 (an ECC application instance
/// key). Zeroized on drop by the curve crates; `Debug` shows only the
/// curve.
///
/// Signs ECDSA-SHA256 (P-256) or ECDSA-SHA384 (P-384) with RFC 6979
/// deterministic nonces, as raw `r ‖ s` (OPC 10000-6 §6.8).
#[derive(Clone)]
pub enum EcdsaPrivateKey {
    /// A P-256 key.
    P256(p256::ecdsa::SigningKey),
    /// A P-384 key.
    P384(p384::ecdsa::SigningKey),
}

impl fmt::Debug for EcdsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcdsaPrivateKey::P256(_) => f.write_str("EcdsaPrivateKey(P-256)"),
            EcdsaPrivateKey::P384(_) => f.write_str("EcdsaPrivateKey(P-384)"),
        }
    }
}

impl EcdsaPrivateKey {
    /// Generates a P-256 key (`p384` false) or a P-384 key.
    pub fn generate<R: CryptoRng + ?Sized>(p384: bool, rng: &mut R) -> Self {
        use p256::elliptic_curve::Generate;
        if p384 {
            EcdsaPrivateKey::P384(p384::ecdsa::SigningKey::generate_from_rng(rng))
        } else {
            EcdsaPrivateKey::P256(p256::ecdsa::SigningKey::generate_from_rng(rng))
        }
    }

    /// Reads a PKCS#8 DER private key on P-256 or P-384.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(EcdsaPrivateKey::P256(k));
        }
        p384::ecdsa::SigningKey::from_pkcs8_der(der)
            .map(EcdsaPrivateKey::P384)
            .map_err(|_| KeyError::Malformed)
    }

    /// Reads a SEC1 DER private key on P-256 or P-384 (the body of
    /// `-----BEGIN EC PRIVATE KEY-----`, RFC 5915). A key that names another
    /// curve is [`KeyError::Unsupported`].
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::P256(k.into()));
        }
        if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::P384(k.into()));
        }
        match sec1::EcPrivateKey::try_from(der) {
            Ok(_) => Err(KeyError::Unsupported),
            Err(_) => Err(KeyError::Malformed),
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> EcdsaPublicKey {
        match self {
            EcdsaPrivateKey::P256(k) => EcdsaPublicKey::P256(*k.verifying_key()),
            EcdsaPrivateKey::P384(k) => EcdsaPublicKey::P384(*k.verifying_key()),
        }
    }

    fn scheme(&self) -> AsymmetricSignature {
        match self {
            EcdsaPrivateKey::P256(_) => AsymmetricSignature::EcdsaSha256,
            EcdsaPrivateKey::P384(_) => AsymmetricSignature::EcdsaSha384,
        }
    }
}

impl OwnKey for EcdsaPrivateKey {
    fn bits(&self) -> usize {
        match self {
            EcdsaPrivateKey::P256(_) => 256,
            EcdsaPrivateKey::P384(_) => 384,
        }
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.bits() / 4
    }

    /// Deterministic (RFC 6979): `rng` is not used. A scheme other than the
    /// key's curve's is `BadSecurityChecksFailed`.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        if scheme != self.scheme() {
            return Err(Error::SecurityChecksFailed);
        }
        match self {
            EcdsaPrivateKey::P256(k) => ecdsa::sign_p256(k, data),
            EcdsaPrivateKey::P384(k) => ecdsa::sign_p384(k, data),
        }
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn decrypt_block(&self, _: AsymmetricEncryption, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::SecurityChecksFailed)
    }
}

/// An ECDSA public key on P-256 or P-384, usually a peer's, from its
/// certificate.
#[derive(Clone, PartialEq, Eq)]
pub enum EcdsaPublicKey {
    /// A P-256 key.
    P256(p256::ecdsa::VerifyingKey),
    /// A P-384 key.
    P384(p384::ecdsa::VerifyingKey),
}

impl fmt::Debug for EcdsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcdsaPublicKey::P256(_) => f.write_str("EcdsaPublicKey(P-256)"),
            EcdsaPublicKey::P384(_) => f.write_str("EcdsaPublicKey(P-384)"),
        }
    }
}

impl EcdsaPublicKey {
    /// The P-256 or P-384 key in the SubjectPublicKeyInfo of a DER
    /// certificate (the first one when a chain follows). The certificate
    /// itself is the caller's to validate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        Self::from_public_key_der(cert.tbs_certificate.subject_pki.raw).ok_or(
            Error::CertificatePolicyCheckFailed("not a P-256 or P-384 key"),
        )
    }

    /// The P-256 or P-384 key of a DER SubjectPublicKeyInfo, if it is one.
    pub(crate) fn from_public_key_der(spki: &[u8]) -> Option<Self> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
            return Some(EcdsaPublicKey::P256(k));
        }
        p384::ecdsa::VerifyingKey::from_public_key_der(spki)
            .ok()
            .map(EcdsaPublicKey::P384)
    }

    fn scheme(&self) -> AsymmetricSignature {
        match self {
            EcdsaPublicKey::P256(_) => AsymmetricSignature::EcdsaSha256,
            EcdsaPublicKey::P384(_) => AsymmetricSignature::EcdsaSha384,
        }
    }
}

impl PeerKey for EcdsaPublicKey {
    fn bits(&self) -> usize {
        match self {
            EcdsaPublicKey::P256(_) => 256,
            EcdsaPublicKey::P384(_) => 384,
        }
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.bits() / 4
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        if scheme != self.scheme() {
            return Err(Error::SecurityChecksFailed);
        }
        match self {
            EcdsaPublicKey::P256(k) => ecdsa::verify_p256(k, data, signature),
            EcdsaPublicKey::P384(k) => ecdsa::verify_p384(k, data, signature),
        }
    }

    fn plaintext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn encrypt_block(
        &self,
        _: AsymmetricEncryption,
        _: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        Err(Error::SecurityChecksFailed)
    }
}
