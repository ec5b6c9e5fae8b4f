//! Application instance keys: RSA, ECDSA (P-256, P-384, brainpoolP256r1,
//! brainpoolP384r1), Ed25519 and Ed448 private keys, the public keys of peers, and reading keys from PKCS#8,
//! PKCS#1 and SEC1 in DER or PEM.
//!
//! Every private key type implements [`OwnKey`], so any of them can be the
//! key of a [`channel::Identity`](crate::channel::Identity) or sign an
//! EncryptedSecret; the public key types implement [`PeerKey`](crate::policy::PeerKey).
//! [`PrivateKey`] holds any of them: it is what [`PrivateKey::from_pem`]
//! and [`PrivateKey::from_der`] read, what [`PrivateKey::generate`] makes,
//! and the key of a generated certificate.
//!
//! | key | private | public |
//! |---|---|---|
//! | RSA (the RSA policies, OPC 10000-7) | [`RsaPrivateKey`] | [`RsaPublicKey`] |
//! | ECDSA on P-256, P-384, brainpoolP256r1 or brainpoolP384r1 (the nistP256, nistP384 and brainpool ECC policies, EccEncryptedSecret) | [`EcdsaPrivateKey`] | [`EcdsaPublicKey`] |
//! | Ed25519 (the curve25519 ECC policy) | [`Ed25519PrivateKey`] | [`EdDsaPublicKey`] |
//! | Ed448 (the curve448 ECC policy) | [`Ed448PrivateKey`] | [`EdDsaPublicKey`] |
//!
//! Private keys are zeroized on drop by the crates that hold them, and
//! their `Debug` output names only the algorithm and size.

use core::fmt;

use ::rsa::pkcs8::spki::{DecodePublicKey, EncodePublicKey};
use ::rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::Result;
use crate::policy::{AsymmetricEncryption, AsymmetricSignature, OwnKey};

mod ecdsa_key;
mod ed25519_key;
mod eddsa_key;
mod error;
mod load;
mod rsa_key;

pub use ecdsa_key::{EcdsaPrivateKey, EcdsaPublicKey};
pub use ed25519_key::Ed25519PrivateKey;
pub use eddsa_key::{Ed448PrivateKey, EdDsaPublicKey};
pub use error::KeyError;
pub use rsa_key::{RsaPrivateKey, RsaPublicKey};

/// The kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with a modulus of this many bits (2048, 3072 or 4096 for the
    /// RSA policies).
    Rsa(usize),
    /// ECDSA on NIST P-256.
    P256,
    /// ECDSA on NIST P-384.
    P384,
    /// Ed25519.
    Ed25519,
    /// ECDSA on brainpoolP256r1.
    BrainpoolP256r1,
    /// ECDSA on brainpoolP384r1.
    BrainpoolP384r1,
    /// Ed448.
    Ed448,
}

impl KeyKind {
    /// The names [`from_name`](Self::from_name) knows, one per kind.
    pub const NAMES: &'static [&'static str] = &[
        "rsa2048",
        "rsa3072",
        "rsa4096",
        "p256",
        "p384",
        "brainpoolp256r1",
        "brainpoolp384r1",
        "ed25519",
        "ed448",
    ];

    /// The kind named `rsa2048`, `rsa3072`, `rsa4096`, `p256`, `p384`,
    /// `brainpoolp256r1`, `brainpoolp384r1`, `ed25519` or `ed448`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "rsa2048" => Some(KeyKind::Rsa(2048)),
            "rsa3072" => Some(KeyKind::Rsa(3072)),
            "rsa4096" => Some(KeyKind::Rsa(4096)),
            "p256" => Some(KeyKind::P256),
            "p384" => Some(KeyKind::P384),
            "brainpoolp256r1" => Some(KeyKind::BrainpoolP256r1),
            "brainpoolp384r1" => Some(KeyKind::BrainpoolP384r1),
            "ed25519" => Some(KeyKind::Ed25519),
            "ed448" => Some(KeyKind::Ed448),
            _ => None,
        }
    }
}

/// A private key of any kind this crate uses.
///
/// Read one with [`from_pem`](Self::from_pem) or
/// [`from_der`](Self::from_der), or make one with
/// [`generate`](Self::generate); use it directly as the key of a
/// [`channel::Identity`](crate::channel::Identity) (it is an [`OwnKey`]).
#[derive(Clone)]
#[non_exhaustive]
pub enum PrivateKey {
    /// An RSA key.
    Rsa(RsaPrivateKey),
    /// An ECDSA key on P-256, P-384, brainpoolP256r1 or brainpoolP384r1.
    Ecdsa(EcdsaPrivateKey),
    /// An Ed25519 key.
    Ed25519(Ed25519PrivateKey),
    /// An Ed448 key.
    Ed448(Ed448PrivateKey),
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivateKey::Rsa(k) => k.fmt(f),
            PrivateKey::Ecdsa(k) => k.fmt(f),
            PrivateKey::Ed25519(k) => k.fmt(f),
            PrivateKey::Ed448(k) => k.fmt(f),
        }
    }
}

impl From<Ed448PrivateKey> for PrivateKey {
    fn from(key: Ed448PrivateKey) -> Self {
        PrivateKey::Ed448(key)
    }
}

impl From<RsaPrivateKey> for PrivateKey {
    fn from(key: RsaPrivateKey) -> Self {
        PrivateKey::Rsa(key)
    }
}

impl From<EcdsaPrivateKey> for PrivateKey {
    fn from(key: EcdsaPrivateKey) -> Self {
        PrivateKey::Ecdsa(key)
    }
}

impl From<Ed25519PrivateKey> for PrivateKey {
    fn from(key: Ed25519PrivateKey) -> Self {
        PrivateKey::Ed25519(key)
    }
}

impl PrivateKey {
    /// Generates a key of `kind`.
    pub fn generate<R: CryptoRng + ?Sized>(
        kind: KeyKind,
        rng: &mut R,
    ) -> core::result::Result<Self, KeyError> {
        Ok(match kind {
            KeyKind::Rsa(bits) => PrivateKey::Rsa(RsaPrivateKey::generate(bits, rng)?),
            KeyKind::P256 => PrivateKey::Ecdsa(EcdsaPrivateKey::generate(false, rng)),
            KeyKind::P384 => PrivateKey::Ecdsa(EcdsaPrivateKey::generate(true, rng)),
            KeyKind::Ed25519 => PrivateKey::Ed25519(Ed25519PrivateKey::generate(rng)),
            KeyKind::BrainpoolP256r1 => {
                PrivateKey::Ecdsa(EcdsaPrivateKey::generate_brainpool(false, rng))
            }
            KeyKind::BrainpoolP384r1 => {
                PrivateKey::Ecdsa(EcdsaPrivateKey::generate_brainpool(true, rng))
            }
            KeyKind::Ed448 => PrivateKey::Ed448(Ed448PrivateKey::generate(rng)),
        })
    }

    /// The kind of key this is.
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa(k) => KeyKind::Rsa(k.size() * 8),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P256(_)) => KeyKind::P256,
            PrivateKey::Ecdsa(EcdsaPrivateKey::P384(_)) => KeyKind::P384,
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(_)) => KeyKind::BrainpoolP256r1,
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(_)) => KeyKind::BrainpoolP384r1,
            PrivateKey::Ed25519(_) => KeyKind::Ed25519,
            PrivateKey::Ed448(_) => KeyKind::Ed448,
        }
    }

    /// The public key as a DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> core::result::Result<Vec<u8>, KeyError> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.inner().to_public_key().to_public_key_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P256(k)) => k.verifying_key().to_public_key_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P384(k)) => k.verifying_key().to_public_key_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(k)) => {
                k.verifying_key().to_public_key_der()
            }
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(k)) => {
                k.verifying_key().to_public_key_der()
            }
            PrivateKey::Ed25519(k) => k.inner().verifying_key().to_public_key_der(),
            PrivateKey::Ed448(k) => k.inner().verifying_key().to_public_key_der(),
        }
        .map_err(|_| KeyError::Malformed)?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The private key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> core::result::Result<Zeroizing<Vec<u8>>, KeyError> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.inner().to_pkcs8_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P256(k)) => k.to_pkcs8_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P384(k)) => k.to_pkcs8_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(k)) => k.to_pkcs8_der(),
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(k)) => k.to_pkcs8_der(),
            PrivateKey::Ed25519(k) => k.inner().to_pkcs8_der(),
            PrivateKey::Ed448(k) => k.inner().to_pkcs8_der(),
        }
        .map_err(|_| KeyError::Malformed)?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as
    /// OPC 10000-12 Annex F keeps it in `own/private`.
    pub fn to_pkcs8_pem(&self) -> core::result::Result<Zeroizing<String>, KeyError> {
        match self {
            PrivateKey::Rsa(k) => k.inner().to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P256(k)) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Ecdsa(EcdsaPrivateKey::P384(k)) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP256r1(k)) => {
                k.to_pkcs8_pem(LineEnding::LF)
            }
            PrivateKey::Ecdsa(EcdsaPrivateKey::BrainpoolP384r1(k)) => {
                k.to_pkcs8_pem(LineEnding::LF)
            }
            PrivateKey::Ed25519(k) => k.inner().to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Ed448(k) => k.inner().to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(|_| KeyError::Malformed)
    }

    /// Whether this is the private key of the first certificate of
    /// `certificate_der` (a DER certificate, optionally followed by its
    /// issuers): the public keys are compared as keys, not as encodings.
    pub fn matches_certificate(&self, certificate_der: &[u8]) -> bool {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(certificate_der) else {
            return false;
        };
        let spki = cert.tbs_certificate.subject_pki.raw;
        match self {
            PrivateKey::Rsa(k) => RsaPublicKey::from_public_key_der(spki) == Some(k.public_key()),
            PrivateKey::Ecdsa(k) => {
                EcdsaPublicKey::from_public_key_der(spki) == Some(k.public_key())
            }
            PrivateKey::Ed25519(k) => {
                ed25519_dalek::VerifyingKey::from_public_key_der(spki).ok()
                    == Some(k.inner().verifying_key())
            }
            PrivateKey::Ed448(k) => {
                EdDsaPublicKey::from_public_key_der(spki) == Some(k.public_key())
            }
        }
    }

    fn own(&self) -> &dyn OwnKey {
        match self {
            PrivateKey::Rsa(k) => k,
            PrivateKey::Ecdsa(k) => k,
            PrivateKey::Ed25519(k) => k,
            PrivateKey::Ed448(k) => k,
        }
    }
}

impl OwnKey for PrivateKey {
    fn bits(&self) -> usize {
        self.own().bits()
    }

    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.own().signature_len(scheme)
    }

    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        self.own().sign(scheme, data, rng)
    }

    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.own().ciphertext_block_size(scheme)
    }

    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.own().decrypt_block(scheme, block)
    }
}
