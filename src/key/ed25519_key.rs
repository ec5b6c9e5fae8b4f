//! Ed25519 application instance keys (RFC 8032 PureEdDSA), as the
//! [`OwnKey`] of the curve25519 ECC policies (OPC 10000-6 §6.8).

use core::fmt;

use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::KeyError;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey};
use crate::{Error, Result};

/// An Ed25519 private key. Zeroized on drop by `ed25519-dalek`; `Debug`
/// shows only the algorithm.
#[derive(Clone)]
pub struct Ed25519PrivateKey(ed25519_dalek::SigningKey);

impl fmt::Debug for Ed25519PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519PrivateKey")
    }
}

impl Ed25519PrivateKey {
    /// Generates a key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Ed25519PrivateKey(ed25519_dalek::SigningKey::generate(rng))
    }

    /// Reads a PKCS#8 DER private key (RFC 8410).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(Ed25519PrivateKey)
            .map_err(|_| KeyError::Malformed)
    }

    pub(crate) fn inner(&self) -> &ed25519_dalek::SigningKey {
        &self.0
    }
}

impl OwnKey for Ed25519PrivateKey {
    fn bits(&self) -> usize {
        256
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        ed25519_dalek::SIGNATURE_LENGTH
    }

    /// Deterministic (RFC 8032): `rng` is not used. A scheme other than
    /// Ed25519 is `BadSecurityChecksFailed`.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        if scheme != AsymmetricSignature::Ed25519 {
            return Err(Error::SecurityChecksFailed);
        }
        let signature = self
            .0
            .try_sign(data)
            .map_err(|_| Error::SecurityChecksFailed)?;
        Ok(signature.to_bytes().to_vec())
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn decrypt_block(&self, _: AsymmetricEncryption, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::SecurityChecksFailed)
    }
}
