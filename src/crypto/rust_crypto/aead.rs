//! AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 on the `aes-gcm` and
//! `chacha20poly1305` crates.

use core::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;

use crate::crypto::{AeadAlgorithm, AeadKey};
use crate::{Error, Result};

/// The key schedule, zeroized on drop (the crates' `zeroize` features).
enum Cipher {
    Aes128Gcm(Aes128Gcm),
    Aes256Gcm(Aes256Gcm),
    ChaCha20Poly1305(ChaCha20Poly1305),
}

/// An AEAD key.
pub(super) struct Key(Cipher);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AeadKey({:?})", self.algorithm())
    }
}

pub(super) fn aead(algorithm: AeadAlgorithm, key: &[u8]) -> Result<Box<dyn AeadKey>> {
    let fail = |_| Error::SecurityChecksFailed;
    if key.len() != algorithm.key_len() {
        return Err(Error::SecurityChecksFailed);
    }
    let cipher = match algorithm {
        AeadAlgorithm::Aes128Gcm => {
            Cipher::Aes128Gcm(Aes128Gcm::new_from_slice(key).map_err(fail)?)
        }
        AeadAlgorithm::Aes256Gcm => {
            Cipher::Aes256Gcm(Aes256Gcm::new_from_slice(key).map_err(fail)?)
        }
        AeadAlgorithm::ChaCha20Poly1305 => {
            Cipher::ChaCha20Poly1305(ChaCha20Poly1305::new_from_slice(key).map_err(fail)?)
        }
    };
    Ok(Box::new(Key(cipher)))
}

fn seal_with<C: AeadInOut>(
    cipher: &C,
    nonce: &[u8; 12],
    aad: &[u8],
    in_out: &mut [u8],
    tag_out: &mut [u8],
) -> Result<()> {
    let fail = || Error::SecurityChecksFailed;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&nonce[..]).map_err(|_| fail())?;
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, in_out.into())
        .map_err(|_| fail())?;
    if tag_out.len() != tag.len() {
        return Err(fail());
    }
    tag_out.copy_from_slice(&tag);
    Ok(())
}

fn open_with<C: AeadInOut>(
    cipher: &C,
    nonce: &[u8; 12],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let fail = || Error::SecurityChecksFailed;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&nonce[..]).map_err(|_| fail())?;
    let tag = aes_gcm::aead::Tag::<C>::try_from(tag).map_err(|_| fail())?;
    cipher
        .decrypt_inout_detached(&nonce, aad, in_out.into(), &tag)
        .map_err(|_| fail())
}

impl AeadKey for Key {
    fn algorithm(&self) -> AeadAlgorithm {
        match self.0 {
            Cipher::Aes128Gcm(_) => AeadAlgorithm::Aes128Gcm,
            Cipher::Aes256Gcm(_) => AeadAlgorithm::Aes256Gcm,
            Cipher::ChaCha20Poly1305(_) => AeadAlgorithm::ChaCha20Poly1305,
        }
    }

    fn seal(&self, nonce: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &mut [u8]) -> Result<()> {
        match &self.0 {
            Cipher::Aes128Gcm(c) => seal_with(c, nonce, aad, in_out, tag),
            Cipher::Aes256Gcm(c) => seal_with(c, nonce, aad, in_out, tag),
            Cipher::ChaCha20Poly1305(c) => seal_with(c, nonce, aad, in_out, tag),
        }
    }

    fn open(&self, nonce: &[u8; 12], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
        match &self.0 {
            Cipher::Aes128Gcm(c) => open_with(c, nonce, aad, in_out, tag),
            Cipher::Aes256Gcm(c) => open_with(c, nonce, aad, in_out, tag),
            Cipher::ChaCha20Poly1305(c) => open_with(c, nonce, aad, in_out, tag),
        }
    }
}
