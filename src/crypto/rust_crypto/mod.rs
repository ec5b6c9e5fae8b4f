//! The RustCrypto backend: `hmac` and `sha2`, `aes` and `cbc`, `aes-gcm`,
//! `chacha20poly1305`, `p256`, `p384`, `bp256`, `bp384`, `x25519-dalek`, `x448`,
//! `ed25519-dalek`, `ed448-goldilocks`, and `rsa`, all pure Rust.

mod aead;
mod cbc;
pub(crate) mod ecdh;
pub(crate) mod ecdsa;
mod ffdhe;
mod mac;
pub(crate) mod rsa;

use super::CryptoProvider;
use crate::key::{EcdsaPublicKey, EdDsaPublicKey, RsaPublicKey};
use crate::policy::{AsymmetricSignature, PeerKey};
use crate::{Error, Result};

/// The RustCrypto backend, the crate's default.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    name: "rust-crypto",
    hmac: mac::hmac,
    aes_cbc: cbc::aes_cbc,
    aead: aead::aead,
    generate_ephemeral: ecdh::generate,
    ephemeral_from_private_bytes: ecdh::from_private_bytes,
    peer_key,
};

/// RSA keys for the RSA schemes, ECDSA keys on a curve of the scheme's
/// size, EdDSA keys of the scheme. The curve a policy names (P-256 or
/// brainpoolP256r1, say) is checked by the caller against
/// [`PolicyDescriptor::certificate_key`](crate::policy::PolicyDescriptor::certificate_key).
fn peer_key(spki: &[u8], scheme: AsymmetricSignature) -> Result<Box<dyn PeerKey>> {
    let refuse = Error::CertificatePolicyCheckFailed;
    match scheme {
        AsymmetricSignature::EcdsaSha256 => match EcdsaPublicKey::from_public_key_der(spki) {
            Some(key @ (EcdsaPublicKey::P256(_) | EcdsaPublicKey::BrainpoolP256r1(_))) => {
                Ok(Box::new(key))
            }
            _ => Err(refuse("not a 256-bit ECDSA key")),
        },
        AsymmetricSignature::EcdsaSha384 => match EcdsaPublicKey::from_public_key_der(spki) {
            Some(key @ (EcdsaPublicKey::P384(_) | EcdsaPublicKey::BrainpoolP384r1(_))) => {
                Ok(Box::new(key))
            }
            _ => Err(refuse("not a 384-bit ECDSA key")),
        },
        AsymmetricSignature::Ed25519 => match EdDsaPublicKey::from_public_key_der(spki) {
            Some(key @ EdDsaPublicKey::Ed25519(_)) => Ok(Box::new(key)),
            _ => Err(refuse("not an Ed25519 key")),
        },
        AsymmetricSignature::Ed448 => match EdDsaPublicKey::from_public_key_der(spki) {
            Some(key @ EdDsaPublicKey::Ed448(_)) => Ok(Box::new(key)),
            _ => Err(refuse("not an Ed448 key")),
        },
        #[cfg(feature = "legacy-policies")]
        AsymmetricSignature::RsaPkcs1v15Sha1 => rsa_key(spki),
        AsymmetricSignature::RsaPkcs1v15Sha256 | AsymmetricSignature::RsaPssSha256 => rsa_key(spki),
    }
}

fn rsa_key(spki: &[u8]) -> Result<Box<dyn PeerKey>> {
    RsaPublicKey::from_public_key_der(spki)
        .map(|k| Box::new(k) as Box<dyn PeerKey>)
        .ok_or(Error::CertificatePolicyCheckFailed("not an RSA key"))
}
