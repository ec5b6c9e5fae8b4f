//! ECDSA application instance keys on P-256, P-384, brainpoolP256r1 and
//! brainpoolP384r1, as the [`OwnKey`]/[`PeerKey`] of the ECC policies
//! (OPC 10000-6 §6.8; signatures as raw `r ‖ s`).

use core::fmt;

use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::KeyError;
use crate::crypto::rust_crypto::ecdsa;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey, PeerKey};
use crate::{Error, Result};

type Bp256Signing = ::ecdsa::SigningKey<bp256::BrainpoolP256r1>;
type Bp384Signing = ::ecdsa::SigningKey<bp384::BrainpoolP384r1>;
type Bp256Verifying = ::ecdsa::VerifyingKey<bp256::BrainpoolP256r1>;
type Bp384Verifying = ::ecdsa::VerifyingKey<bp384::BrainpoolP384r1>;

/// An ECDSA private key on P-256, P-384, brainpoolP256r1 or
/// brainpoolP384r1 (an ECC application instance key). Zeroized on drop by
/// the curve crates; `Debug` shows only the curve.
///
/// Signs ECDSA-SHA256 (the 256-bit curves) or ECDSA-SHA384 (the 384-bit
/// curves) with RFC 6979 deterministic nonces, as raw `r ‖ s`
/// (OPC 10000-6 §6.8).
#[derive(Clone)]
pub enum EcdsaPrivateKey {
    /// A P-256 key.
    P256(p256::ecdsa::SigningKey),
    /// A P-384 key.
    P384(p384::ecdsa::SigningKey),
    /// A brainpoolP256r1 key.
    BrainpoolP256r1(::ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    /// A brainpoolP384r1 key.
    BrainpoolP384r1(::ecdsa::SigningKey<bp384::BrainpoolP384r1>),
}

fn curve_name(kind: usize) -> &'static str {
    ["P-256", "P-384", "brainpoolP256r1", "brainpoolP384r1"]
        .get(kind)
        .copied()
        .unwrap_or_default()
}

impl fmt::Debug for EcdsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcdsaPrivateKey({})", curve_name(self.index()))
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

    /// Generates a brainpoolP256r1 key (`p384` false) or a brainpoolP384r1
    /// key.
    pub fn generate_brainpool<R: CryptoRng + ?Sized>(p384: bool, rng: &mut R) -> Self {
        use p256::elliptic_curve::Generate;
        if p384 {
            EcdsaPrivateKey::BrainpoolP384r1(Bp384Signing::generate_from_rng(rng))
        } else {
            EcdsaPrivateKey::BrainpoolP256r1(Bp256Signing::generate_from_rng(rng))
        }
    }

    /// Reads a PKCS#8 DER private key on one of the four curves.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(EcdsaPrivateKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(EcdsaPrivateKey::P384(k));
        }
        if let Ok(k) = Bp256Signing::from_pkcs8_der(der) {
            return Ok(EcdsaPrivateKey::BrainpoolP256r1(k));
        }
        Bp384Signing::from_pkcs8_der(der)
            .map(EcdsaPrivateKey::BrainpoolP384r1)
            .map_err(|_| KeyError::Malformed)
    }

    /// Reads a SEC1 DER private key on one of the four curves (the body of
    /// `-----BEGIN EC PRIVATE KEY-----`, RFC 5915). A key that names another
    /// curve is [`KeyError::Unsupported`].
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::P256(k.into()));
        }
        if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::P384(k.into()));
        }
        if let Ok(k) = bp256::r1::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::BrainpoolP256r1(k.into()));
        }
        if let Ok(k) = bp384::r1::SecretKey::from_sec1_der(der) {
            return Ok(EcdsaPrivateKey::BrainpoolP384r1(k.into()));
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
            EcdsaPrivateKey::BrainpoolP256r1(k) => {
                EcdsaPublicKey::BrainpoolP256r1(*k.verifying_key())
            }
            EcdsaPrivateKey::BrainpoolP384r1(k) => {
                EcdsaPublicKey::BrainpoolP384r1(*k.verifying_key())
            }
        }
    }

    fn index(&self) -> usize {
        match self {
            EcdsaPrivateKey::P256(_) => 0,
            EcdsaPrivateKey::P384(_) => 1,
            EcdsaPrivateKey::BrainpoolP256r1(_) => 2,
            EcdsaPrivateKey::BrainpoolP384r1(_) => 3,
        }
    }
}

/// ECDSA-SHA256 on the 256-bit curves, ECDSA-SHA384 on the 384-bit ones.
const fn scheme_of(bits: usize) -> AsymmetricSignature {
    if bits == 384 {
        AsymmetricSignature::EcdsaSha384
    } else {
        AsymmetricSignature::EcdsaSha256
    }
}

impl OwnKey for EcdsaPrivateKey {
    fn bits(&self) -> usize {
        match self {
            EcdsaPrivateKey::P256(_) | EcdsaPrivateKey::BrainpoolP256r1(_) => 256,
            EcdsaPrivateKey::P384(_) | EcdsaPrivateKey::BrainpoolP384r1(_) => 384,
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
        if scheme != scheme_of(self.bits()) {
            return Err(Error::SecurityChecksFailed);
        }
        match self {
            EcdsaPrivateKey::P256(k) => ecdsa::sign::<_, p256::ecdsa::Signature>(k, data),
            EcdsaPrivateKey::P384(k) => ecdsa::sign::<_, p384::ecdsa::Signature>(k, data),
            EcdsaPrivateKey::BrainpoolP256r1(k) => {
                ecdsa::sign::<_, bp256::r1::ecdsa::Signature>(k, data)
            }
            EcdsaPrivateKey::BrainpoolP384r1(k) => {
                ecdsa::sign::<_, bp384::r1::ecdsa::Signature>(k, data)
            }
        }
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn decrypt_block(&self, _: AsymmetricEncryption, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::SecurityChecksFailed)
    }
}

/// An ECDSA public key on P-256, P-384, brainpoolP256r1 or brainpoolP384r1,
/// usually a peer's, from its certificate.
#[derive(Clone, PartialEq, Eq)]
pub enum EcdsaPublicKey {
    /// A P-256 key.
    P256(p256::ecdsa::VerifyingKey),
    /// A P-384 key.
    P384(p384::ecdsa::VerifyingKey),
    /// A brainpoolP256r1 key.
    BrainpoolP256r1(::ecdsa::VerifyingKey<bp256::BrainpoolP256r1>),
    /// A brainpoolP384r1 key.
    BrainpoolP384r1(::ecdsa::VerifyingKey<bp384::BrainpoolP384r1>),
}

impl fmt::Debug for EcdsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index = match self {
            EcdsaPublicKey::P256(_) => 0,
            EcdsaPublicKey::P384(_) => 1,
            EcdsaPublicKey::BrainpoolP256r1(_) => 2,
            EcdsaPublicKey::BrainpoolP384r1(_) => 3,
        };
        write!(f, "EcdsaPublicKey({})", curve_name(index))
    }
}

impl EcdsaPublicKey {
    /// The ECDSA key in the SubjectPublicKeyInfo of a DER certificate (the
    /// first one when a chain follows). The certificate itself is the
    /// caller's to validate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        Self::from_public_key_der(cert.tbs_certificate.subject_pki.raw).ok_or(
            Error::CertificatePolicyCheckFailed("not an ECDSA key on a supported curve"),
        )
    }

    /// The ECDSA key of a DER SubjectPublicKeyInfo, if it is one on the
    /// four curves.
    pub(crate) fn from_public_key_der(spki: &[u8]) -> Option<Self> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) {
            return Some(EcdsaPublicKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(spki) {
            return Some(EcdsaPublicKey::P384(k));
        }
        if let Ok(k) = Bp256Verifying::from_public_key_der(spki) {
            return Some(EcdsaPublicKey::BrainpoolP256r1(k));
        }
        Bp384Verifying::from_public_key_der(spki)
            .ok()
            .map(EcdsaPublicKey::BrainpoolP384r1)
    }
}

impl PeerKey for EcdsaPublicKey {
    fn bits(&self) -> usize {
        match self {
            EcdsaPublicKey::P256(_) | EcdsaPublicKey::BrainpoolP256r1(_) => 256,
            EcdsaPublicKey::P384(_) | EcdsaPublicKey::BrainpoolP384r1(_) => 384,
        }
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.bits() / 4
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        if scheme != scheme_of(self.bits()) {
            return Err(Error::SecurityChecksFailed);
        }
        match self {
            EcdsaPublicKey::P256(k) => {
                ecdsa::verify::<_, p256::ecdsa::Signature>(k, data, signature)
            }
            EcdsaPublicKey::P384(k) => {
                ecdsa::verify::<_, p384::ecdsa::Signature>(k, data, signature)
            }
            EcdsaPublicKey::BrainpoolP256r1(k) => {
                ecdsa::verify::<_, bp256::r1::ecdsa::Signature>(k, data, signature)
            }
            EcdsaPublicKey::BrainpoolP384r1(k) => {
                ecdsa::verify::<_, bp384::r1::ecdsa::Signature>(k, data, signature)
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
