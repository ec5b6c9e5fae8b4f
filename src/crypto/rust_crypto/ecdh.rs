//! Ephemeral key agreement (OPC 10000-6 §6.8): ECDH on P-256, P-384,
//! brainpoolP256r1 and brainpoolP384r1 on the `p256`, `p384`, `bp256` and
//! `bp384` crates, public keys as raw `X ‖ Y`; X25519 and X448 (RFC 7748)
//! on `x25519-dalek` and `x448`, public keys as the raw u coordinate;
//! ffdhe3072 in [`super::ffdhe`].

use core::fmt;

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::elliptic_curve::{self, Generate};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{EcdhCurve, EphemeralKey, SharedSecret};
use crate::{Error, Result};

/// The private scalar, zeroized on drop by the curve crates.
enum Secret {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    Bp256(bp256::r1::SecretKey),
    Bp384(bp384::r1::SecretKey),
    X25519(x25519_dalek::StaticSecret),
    X448(x448::StaticSecret),
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
        EcdhCurve::Ffdhe3072 => return Box::new(super::ffdhe::generate(rng)),
        EcdhCurve::NistP256 => Secret::P256(p256::SecretKey::generate_from_rng(rng)),
        EcdhCurve::NistP384 => Secret::P384(p384::SecretKey::generate_from_rng(rng)),
        EcdhCurve::BrainpoolP256r1 => Secret::Bp256(bp256::r1::SecretKey::generate_from_rng(rng)),
        EcdhCurve::BrainpoolP384r1 => Secret::Bp384(bp384::r1::SecretKey::generate_from_rng(rng)),
        EcdhCurve::X25519 => Secret::X25519(x25519_dalek::StaticSecret::random_from_rng(rng)),
        EcdhCurve::X448 => Secret::X448(x448::StaticSecret::random_from_rng(rng)),
    };
    Box::new(KeyPair::from_secret(secret))
}

/// The key pair of a private key: a big-endian scalar of the field size on
/// the Weierstrass curves, the raw RFC 7748 bytes (32 or 56) for X25519 and
/// X448, the exponent as 384 big-endian bytes for ffdhe3072.
pub(super) fn from_private_bytes(curve: EcdhCurve, scalar: &[u8]) -> Result<Box<dyn EphemeralKey>> {
    if curve == EcdhCurve::Ffdhe3072 {
        return Ok(Box::new(super::ffdhe::from_private_bytes(scalar)?));
    }
    let bad = |_| Error::Decoding("ephemeral private key");
    if scalar.len() != curve.scalar_len() {
        return Err(Error::Decoding("ephemeral private key"));
    }
    let secret = match curve {
        EcdhCurve::NistP256 => Secret::P256(p256::SecretKey::from_slice(scalar).map_err(bad)?),
        EcdhCurve::NistP384 => Secret::P384(p384::SecretKey::from_slice(scalar).map_err(bad)?),
        EcdhCurve::BrainpoolP256r1 => {
            Secret::Bp256(bp256::r1::SecretKey::from_slice(scalar).map_err(bad)?)
        }
        EcdhCurve::BrainpoolP384r1 => {
            Secret::Bp384(bp384::r1::SecretKey::from_slice(scalar).map_err(bad)?)
        }
        EcdhCurve::X25519 => {
            let mut bytes = Zeroizing::new([0u8; 32]);
            bytes.copy_from_slice(scalar);
            Secret::X25519(x25519_dalek::StaticSecret::from(*bytes))
        }
        EcdhCurve::X448 => {
            let mut bytes = Zeroizing::new([0u8; 56]);
            bytes.copy_from_slice(scalar);
            Secret::X448(x448::StaticSecret::from(*bytes))
        }
        EcdhCurve::Ffdhe3072 => return Err(Error::Decoding("ephemeral private key")),
    };
    Ok(Box::new(KeyPair::from_secret(secret)))
}

impl KeyPair {
    fn from_secret(secret: Secret) -> Self {
        let public = match &secret {
            Secret::P256(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::P384(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::Bp256(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::Bp384(s) => raw(&s.public_key().to_uncompressed_point()),
            Secret::X25519(s) => x25519_dalek::PublicKey::from(s).as_bytes().to_vec(),
            Secret::X448(s) => x448::PublicKey::from(s).as_bytes().to_vec(),
        };
        KeyPair { secret, public }
    }
}

/// An X25519/X448 result of all zeros (the peer sent a point of small
/// order) is refused, in constant time.
fn contributory(shared: &[u8]) -> Result<SharedSecret> {
    let zero = [0u8; 56];
    let all_zero = zero
        .get(..shared.len())
        .map(|z| bool::from(shared.ct_eq(z)))
        .unwrap_or(true);
    if all_zero {
        return Err(Error::NonceInvalid);
    }
    Ok(SharedSecret::new(shared.to_vec()))
}

impl EphemeralKey for KeyPair {
    fn curve(&self) -> EcdhCurve {
        match self.secret {
            Secret::P256(_) => EcdhCurve::NistP256,
            Secret::P384(_) => EcdhCurve::NistP384,
            Secret::Bp256(_) => EcdhCurve::BrainpoolP256r1,
            Secret::Bp384(_) => EcdhCurve::BrainpoolP384r1,
            Secret::X25519(_) => EcdhCurve::X25519,
            Secret::X448(_) => EcdhCurve::X448,
        }
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// On the Weierstrass curves the peer's `X ‖ Y` gets the 0x04 tag back
    /// and must decode as a point of the curve: the curve crates refuse
    /// points off the curve, and the identity has no uncompressed encoding.
    /// On X25519 and X448 every 32 or 56 bytes are a u coordinate; a point
    /// of small order gives an all-zero result, which is refused (`x448`
    /// refuses the low-order points before).
    fn agree(&self, peer_public_key: &[u8]) -> Result<SharedSecret> {
        if peer_public_key.len() != self.curve().public_key_len() {
            return Err(Error::NonceInvalid);
        }
        let bad = |_| Error::NonceInvalid;
        let sec1 = || {
            let mut point = Vec::with_capacity(1 + peer_public_key.len());
            point.push(0x04);
            point.extend_from_slice(peer_public_key);
            point
        };
        Ok(SharedSecret::new(match &self.secret {
            Secret::P256(s) => {
                let peer = p256::PublicKey::from_sec1_bytes(&sec1()).map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
            Secret::P384(s) => {
                let peer = p384::PublicKey::from_sec1_bytes(&sec1()).map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
            Secret::Bp256(s) => {
                let peer =
                    elliptic_curve::PublicKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(&sec1())
                        .map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
            Secret::Bp384(s) => {
                let peer =
                    elliptic_curve::PublicKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(&sec1())
                        .map_err(bad)?;
                s.diffie_hellman(&peer).raw_secret_bytes().to_vec()
            }
            Secret::X25519(s) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(peer_public_key);
                let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(bytes));
                return contributory(shared.as_bytes());
            }
            Secret::X448(s) => {
                let peer =
                    x448::PublicKey::from_bytes(peer_public_key).ok_or(Error::NonceInvalid)?;
                let shared = s.diffie_hellman(&peer);
                return contributory(shared.as_bytes());
            }
        }))
    }

    fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        fn copied(mut bytes: impl AsMut<[u8]>) -> Zeroizing<Vec<u8>> {
            let out = Zeroizing::new(bytes.as_mut().to_vec());
            bytes.as_mut().zeroize();
            out
        }
        match &self.secret {
            Secret::P256(s) => copied(s.to_bytes()),
            Secret::P384(s) => copied(s.to_bytes()),
            Secret::Bp256(s) => copied(s.to_bytes()),
            Secret::Bp384(s) => copied(s.to_bytes()),
            Secret::X25519(s) => Zeroizing::new(s.as_bytes().to_vec()),
            Secret::X448(s) => Zeroizing::new(s.as_bytes().to_vec()),
        }
    }
}
