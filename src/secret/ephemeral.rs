//! Ephemeral ECDH key pairs (OPC 10000-6 §6.8; OPC 10000-4 §7.41.2.5).

use core::fmt;

use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use super::EccCurve;
use crate::{Error, Result};

enum Secret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
}

/// An ephemeral ECDH key pair: the private scalar (zeroized on drop by the
/// curve crates) and the public key as raw `X ‖ Y` (OPC 10000-6 §6.8).
/// `Debug` shows only the curve.
pub struct EphemeralKeyPair {
    secret: Secret,
    public: Vec<u8>,
}

impl fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EphemeralKeyPair({:?})", self.curve())
    }
}

/// `X ‖ Y` of an uncompressed SEC1 point (drops the 0x04 tag).
fn raw(sec1: &[u8]) -> Vec<u8> {
    sec1.get(1..).unwrap_or_default().to_vec()
}

/// The SEC1 uncompressed encoding of `X ‖ Y`.
fn sec1(curve: EccCurve, public_key: &[u8]) -> Result<Vec<u8>> {
    if public_key.len() != curve.public_key_len() {
        return Err(Error::NonceInvalid);
    }
    let mut out = Vec::with_capacity(1 + public_key.len());
    out.push(0x04);
    out.extend_from_slice(public_key);
    Ok(out)
}

impl EphemeralKeyPair {
    /// A new key pair on `curve` from `rng`.
    pub fn generate(curve: EccCurve, rng: &mut dyn CryptoRng) -> Self {
        let secret = match curve {
            EccCurve::NistP256 => Secret::P256(p256::SecretKey::generate_from_rng(rng)),
            EccCurve::NistP384 => Secret::P384(p384::SecretKey::generate_from_rng(rng)),
        };
        Self::from_secret(secret)
    }

    /// The key pair with this private scalar (big-endian, the curve's
    /// scalar length). Secret material: the caller keeps its copy zeroized.
    pub fn from_private_bytes(curve: EccCurve, scalar: &[u8]) -> Result<Self> {
        let bad = |_| Error::Decoding("ephemeral private key");
        let secret = match curve {
            EccCurve::NistP256 => Secret::P256(p256::SecretKey::from_slice(scalar).map_err(bad)?),
            EccCurve::NistP384 => Secret::P384(p384::SecretKey::from_slice(scalar).map_err(bad)?),
        };
        if scalar.len() != curve.scalar_len() {
            return Err(Error::Decoding("ephemeral private key"));
        }
        Ok(Self::from_secret(secret))
    }

    fn from_secret(secret: Secret) -> Self {
        let public = match &secret {
            Secret::P256(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::P384(s) => raw(&s.public_key().to_uncompressed_point()),
        };
        EphemeralKeyPair { secret, public }
    }

    /// The curve.
    pub fn curve(&self) -> EccCurve {
        match self.secret {
            Secret::P256(_) => EccCurve::NistP256,
            Secret::P384(_) => EccCurve::NistP384,
        }
    }

    /// The public key as raw `X ‖ Y` (64 or 96 bytes).
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The private scalar, big-endian. Secret material.
    pub(crate) fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        match &self.secret {
            Secret::P256(s) => {
                let mut bytes = s.to_bytes();
                let out = Zeroizing::new(bytes.to_vec());
                bytes.zeroize();
                out
            }
            Secret::P384(s) => {
                let mut bytes = s.to_bytes();
                let out = Zeroizing::new(bytes.to_vec());
                bytes.zeroize();
                out
            }
        }
    }

    /// The ECDH shared secret (the x coordinate) with a peer's raw `X ‖ Y`
    /// public key; a key that is not a point of the curve is
    /// `BadNonceInvalid`.
    pub(crate) fn shared_secret(&self, peer_public_key: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let point = sec1(self.curve(), peer_public_key)?;
        let bad = |_| Error::NonceInvalid;
        Ok(match &self.secret {
            Secret::P256(s) => {
                let peer = p256::PublicKey::from_sec1_bytes(&point).map_err(bad)?;
                Zeroizing::new(s.diffie_hellman(&peer).raw_secret_bytes().to_vec())
            }
            Secret::P384(s) => {
                let peer = p384::PublicKey::from_sec1_bytes(&point).map_err(bad)?;
                Zeroizing::new(s.diffie_hellman(&peer).raw_secret_bytes().to_vec())
            }
        })
    }
}

/// Where a receiver looks up the private half of the ephemeral key an
/// EccEncryptedSecret names as its ReceiverPublicKey
/// (OPC 10000-4 §7.41.2.5): one [`EphemeralKeyPair`], or a server's
/// [`EphemeralKeyRing`](super::EphemeralKeyRing).
pub trait EphemeralKeys {
    /// The key pair whose public key is `public_key`, if still held.
    fn find(&self, public_key: &[u8]) -> Option<&EphemeralKeyPair>;
}

impl EphemeralKeys for EphemeralKeyPair {
    fn find(&self, public_key: &[u8]) -> Option<&EphemeralKeyPair> {
        (self.public.as_slice() == public_key).then_some(self)
    }
}
