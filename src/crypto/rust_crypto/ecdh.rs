//! Ephemeral ECDH on P-256 and P-384, on the `p256` and `p384` crates
//! (OPC 10000-6 §6.8; public keys as raw `X ‖ Y`).

use core::fmt;

use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{EcdhCurve, EphemeralKey, SharedSecret};
use crate::{Error, Result};

/// The private scalar, zeroized on drop by the curve crates.
enum Secret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
}

/// An ephemeral key pair; `Debug` shows only the curve.
struct KeyPair {
    secret: Secret,
    public: Vec<u8>,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EphemeralKey({:?})", self.curve())
    }
}

/// `X ‖ Y` of an uncompressed SEC1 point (drops the 0x04 tag).
fn raw(sec1: &[u8]) -> Vec<u8> {
    sec1.get(1..).unwrap_or_default().to_vec()
}

pub(super) fn generate(curve: EcdhCurve, rng: &mut dyn CryptoRng) -> Box<dyn EphemeralKey> {
    let secret = match curve {
        EcdhCurve::NistP256 => Secret::P256(p256::SecretKey::generate_from_rng(rng)),
        EcdhCurve::NistP384 => Secret::P384(p384::SecretKey::generate_from_rng(rng)),
    };
    Box::new(KeyPair::from_secret(secret))
}

pub(super) fn from_private_bytes(curve: EcdhCurve, scalar: &[u8]) -> Result<Box<dyn EphemeralKey>> {
    let bad = |_| Error::Decoding("ephemeral private key");
    if scalar.len() != curve.scalar_len() {
        return Err(Error::Decoding("ephemeral private key"));
    }
    let secret = match curve {
        EcdhCurve::NistP256 => Secret::P256(p256::SecretKey::from_slice(scalar).map_err(bad)?),
        EcdhCurve::NistP384 => Secret::P384(p384::SecretKey::from_slice(scalar).map_err(bad)?),
    };
    Ok(Box::new(KeyPair::from_secret(secret)))
}

impl KeyPair {
    fn from_secret(secret: Secret) -> Self {
        let public = match &secret {
            Secret::P256(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::P384(s) => raw(&s.public_key().to_uncompressed_point()),
        };
        KeyPair { secret, public }
    }
}

impl EphemeralKey for KeyPair {
    fn curve(&self) -> EcdhCurve {
        match self.secret {
            Secret::P256(_) => EcdhCurve::NistP256,
            Secret::P384(_) => EcdhCurve::NistP384,
        }
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The peer's `X ‖ Y` gets the 0x04 tag back and must decode as a
    /// point of the curve: the curve crates refuse points off the curve,
    /// and the identity has no uncompressed encoding.
    fn agree(&self, peer_public_key: &[u8]) -> Result<SharedSecret> {
        if peer_public_key.len() != self.curve().public_key_len() {
            return Err(Error::NonceInvalid);
        }
        let mut point = Vec::with_capacity(1 + peer_public_key.len());
        point.push(0x04);
        point.extend_from_slice(peer_public_key);
        let bad = |_| Error::NonceInvalid;
        Ok(SharedSecret::new(match &self.secret {
            Secret::P256(s) => {
                let peer = p256::PublicKey::from_sec1_bytes(&point).map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
            Secret::P384(s) => {
                let peer = p384::PublicKey::from_sec1_bytes(&point).map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
        }))
    }

    fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
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
}
