//! RSA on the `rsa` crate: OAEP (SHA-1, SHA-256) and PKCS#1 v1.5
//! encryption, PKCS#1 v1.5 (SHA-1, SHA-256) and PSS (SHA-256, 32-byte
//! salt) signatures (OPC 10000-7; OPC 10000-6 §6.7.2.3, §6.7.2.5).
//! [`crate::key::RsaPrivateKey`] and [`crate::key::RsaPublicKey`] run their
//! operations here.

use rand_core::CryptoRng;
use rsa::{Oaep, Pkcs1v15Sign, Pss};
use sha2::Digest;
use zeroize::Zeroizing;

use crate::policy::{AsymmetricEncryption, AsymmetricSignature};
use crate::{Error, Result};

/// Signs `data` with `scheme`; ECDSA and EdDSA schemes are
/// `BadSecurityChecksFailed`. PKCS#1 v1.5 signatures are deterministic:
/// `rng` only blinds the private-key operation.
pub(crate) fn sign(
    key: &rsa::PrivateKey,
    scheme: AsymmetricSignature,
    data: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>> {
    let out = match scheme {
        #[cfg(feature = "legacy-policies")]
        AsymmetricSignature::RsaPkcs1v15Sha1 => key.sign_with_rng(
            rng,
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(data),
        ),
        AsymmetricSignature::RsaPkcs1v15Sha256 => key.sign_with_rng(
            rng,
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(data),
        ),
        AsymmetricSignature::RsaPssSha256 => {
            key.sign_with_rng(rng, Pss::<sha2::Sha256>::new(), &sha2::Sha256::digest(data))
        }
        AsymmetricSignature::EcdsaSha256
        | AsymmetricSignature::EcdsaSha384
        | AsymmetricSignature::Ed25519
        | AsymmetricSignature::Ed448 => return Err(Error::SecurityChecksFailed),
    };
    out.map_err(|_| Error::SecurityChecksFailed)
}

/// Decrypts one ciphertext block; every failure is
/// `BadSecurityChecksFailed`, with no detail.
pub(crate) fn decrypt(
    key: &rsa::PrivateKey,
    scheme: AsymmetricEncryption,
    block: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let out = match scheme {
        AsymmetricEncryption::RsaOaepSha1 => key.decrypt(Oaep::<sha1::Sha1>::new(), block),
        AsymmetricEncryption::RsaOaepSha256 => key.decrypt(Oaep::<sha2::Sha256>::new(), block),
        #[cfg(feature = "legacy-policies")]
        AsymmetricEncryption::RsaPkcs1v15 => key.decrypt(rsa::Pkcs1v15Encrypt, block),
    };
    out.map(Zeroizing::new)
        .map_err(|_| Error::SecurityChecksFailed)
}

/// Checks `signature` over `data`; every failure is
/// `BadSecurityChecksFailed`.
pub(crate) fn verify(
    key: &rsa::PublicKey,
    scheme: AsymmetricSignature,
    data: &[u8],
    signature: &[u8],
) -> Result<()> {
    let out = match scheme {
        #[cfg(feature = "legacy-policies")]
        AsymmetricSignature::RsaPkcs1v15Sha1 => key.verify(
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(data),
            signature,
        ),
        AsymmetricSignature::RsaPkcs1v15Sha256 => key.verify(
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(data),
            signature,
        ),
        AsymmetricSignature::RsaPssSha256 => key.verify(
            Pss::<sha2::Sha256>::new(),
            &sha2::Sha256::digest(data),
            signature,
        ),
        AsymmetricSignature::EcdsaSha256
        | AsymmetricSignature::EcdsaSha384
        | AsymmetricSignature::Ed25519
        | AsymmetricSignature::Ed448 => return Err(Error::SecurityChecksFailed),
    };
    out.map_err(|_| Error::SecurityChecksFailed)
}

/// Encrypts one block of at most the scheme's plaintext block size.
pub(crate) fn encrypt(
    key: &rsa::PublicKey,
    scheme: AsymmetricEncryption,
    block: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>> {
    let out = match scheme {
        AsymmetricEncryption::RsaOaepSha1 => key.encrypt(rng, Oaep::<sha1::Sha1>::new(), block),
        AsymmetricEncryption::RsaOaepSha256 => key.encrypt(rng, Oaep::<sha2::Sha256>::new(), block),
        #[cfg(feature = "legacy-policies")]
        AsymmetricEncryption::RsaPkcs1v15 => key.encrypt(rng, rsa::Pkcs1v15Encrypt, block),
    };
    out.map_err(|_| Error::EncodingLimitsExceeded("RSA block"))
}
