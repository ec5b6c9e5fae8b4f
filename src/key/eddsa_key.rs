//! Ed448 application instance keys and EdDSA public keys (RFC 8032
//! PureEdDSA), as the [`OwnKey`]/[`PeerKey`] of the curve25519 and
//! curve448 ECC policies (OPC 10000-6 §6.8).

use core::fmt;

use ed448_goldilocks::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::KeyError;
use crate::crypto::rust_crypto::ecdsa;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey, PeerKey};
use crate::{Error, Result};

/// Length of an Ed448 signature, in bytes.
pub(crate) const ED448_SIGNATURE_LEN: usize = 114;

/// An Ed448 private key. Zeroized on drop by `ed448-goldilocks`; `Debug`
/// shows only the algorithm.
#[derive(Clone)]
pub struct Ed448PrivateKey(ed448_goldilocks::SigningKey);

impl fmt::Debug for Ed448PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed448PrivateKey")
    }
}

impl Ed448PrivateKey {
    /// Generates a key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut secret = ed448_goldilocks::SecretKey::default();
        // A 57-byte secret of all zeros has probability 2^-456.
        while secret.iter().all(|&b| b == 0) {
            rng.fill_bytes(secret.as_mut());
        }
        let key = ed448_goldilocks::SigningKey::from(&secret);
        zeroize::Zeroize::zeroize(secret.as_mut_slice());
        Ed448PrivateKey(key)
    }

    /// Reads a PKCS#8 DER private key (RFC 8410).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        ed448_goldilocks::SigningKey::from_pkcs8_der(der)
            .map(Ed448PrivateKey)
            .map_err(|_| KeyError::Malformed)
    }

    /// The matching public key.
    pub fn public_key(&self) -> EdDsaPublicKey {
        EdDsaPublicKey::Ed448(self.0.verifying_key())
    }

    pub(crate) fn inner(&self) -> &ed448_goldilocks::SigningKey {
        &self.0
    }
}

impl OwnKey for Ed448PrivateKey {
    fn bits(&self) -> usize {
        448
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        ED448_SIGNATURE_LEN
    }

    /// Deterministic (RFC 8032, no context): `rng` is not used. A scheme
    /// other than Ed448 is `BadSecurityChecksFailed`.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        if scheme != AsymmetricSignature::Ed448 {
            return Err(Error::SecurityChecksFailed);
        }
        ecdsa::sign::<_, ed448_goldilocks::Signature>(&self.0, data)
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn decrypt_block(&self, _: AsymmetricEncryption, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::SecurityChecksFailed)
    }
}

/// An Ed25519 or Ed448 public key, usually a peer's, from its certificate.
#[derive(Clone, PartialEq, Eq)]
pub enum EdDsaPublicKey {
    /// An Ed25519 key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// An Ed448 key.
    Ed448(ed448_goldilocks::VerifyingKey),
}

impl fmt::Debug for EdDsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EdDsaPublicKey::Ed25519(_) => f.write_str("EdDsaPublicKey(Ed25519)"),
            EdDsaPublicKey::Ed448(_) => f.write_str("EdDsaPublicKey(Ed448)"),
        }
    }
}

impl EdDsaPublicKey {
    /// The Ed25519 or Ed448 key of a DER SubjectPublicKeyInfo, if it is one.
    pub fn from_public_key_der(spki: &[u8]) -> Option<Self> {
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_der(spki) {
            return Some(EdDsaPublicKey::Ed25519(k));
        }
        ed448_goldilocks::VerifyingKey::from_public_key_der(spki)
            .ok()
            .map(EdDsaPublicKey::Ed448)
    }

    /// The EdDSA key in the SubjectPublicKeyInfo of a DER certificate (the
    /// first one when a chain follows). The certificate itself is the
    /// caller's to validate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        Self::from_public_key_der(cert.tbs_certificate.subject_pki.raw).ok_or(
            Error::CertificatePolicyCheckFailed("not an Ed25519 or Ed448 key"),
        )
    }

    fn scheme(&self) -> AsymmetricSignature {
        match self {
            EdDsaPublicKey::Ed25519(_) => AsymmetricSignature::Ed25519,
            EdDsaPublicKey::Ed448(_) => AsymmetricSignature::Ed448,
        }
    }
}

impl PeerKey for EdDsaPublicKey {
    fn bits(&self) -> usize {
        match self {
            EdDsaPublicKey::Ed25519(_) => 256,
            EdDsaPublicKey::Ed448(_) => 448,
        }
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        match self {
            EdDsaPublicKey::Ed25519(_) => ed25519_dalek::SIGNATURE_LENGTH,
            EdDsaPublicKey::Ed448(_) => ED448_SIGNATURE_LEN,
        }
    }

    /// Ed25519 is checked strictly (no small-order keys, canonical `S`).
    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        if scheme != self.scheme() {
            return Err(Error::SecurityChecksFailed);
        }
        let fail = |_| Error::SecurityChecksFailed;
        match self {
            EdDsaPublicKey::Ed25519(k) => {
                let s = ed25519_dalek::Signature::from_slice(signature).map_err(fail)?;
                k.verify_strict(data, &s).map_err(fail)
            }
            EdDsaPublicKey::Ed448(k) => {
                ecdsa::verify::<_, ed448_goldilocks::Signature>(k, data, signature)
            }
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
