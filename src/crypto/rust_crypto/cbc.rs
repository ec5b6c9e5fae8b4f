//! AES-128-CBC and AES-256-CBC without padding, on the `aes` and `cbc`
//! crates.

use core::fmt;

use aes::{Aes128, Aes256};
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};

use crate::crypto::CbcKey;
use crate::{Error, Result};

/// An expanded AES key schedule, zeroized on drop (the `aes` crate's
/// `zeroize` feature).
#[derive(Clone)]
enum Cipher {
    Aes128(Aes128),
    Aes256(Aes256),
}

/// An AES key for CBC.
#[derive(Clone)]
pub(super) struct AesCbcKey(Cipher);

impl fmt::Debug for AesCbcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Cipher::Aes128(_) => "AesCbcKey(AES-128)",
            Cipher::Aes256(_) => "AesCbcKey(AES-256)",
        })
    }
}

pub(super) fn aes_cbc(key: &[u8]) -> Result<Box<dyn CbcKey>> {
    let fail = |_| Error::SecurityChecksFailed;
    let cipher = match key.len() {
        16 => Cipher::Aes128(Aes128::new_from_slice(key).map_err(fail)?),
        32 => Cipher::Aes256(Aes256::new_from_slice(key).map_err(fail)?),
        _ => return Err(Error::SecurityChecksFailed),
    };
    Ok(Box::new(AesCbcKey(cipher)))
}

/// One AES block.
type AesBlock = Array<u8, cbc::cipher::consts::U16>;

/// `data` as whole AES blocks; a partial block is `BadSecurityChecksFailed`.
fn blocks(data: &mut [u8]) -> Result<&mut [AesBlock]> {
    let (blocks, tail) = Array::slice_as_chunks_mut(data);
    if tail.is_empty() {
        Ok(blocks)
    } else {
        Err(Error::SecurityChecksFailed)
    }
}

impl CbcKey for AesCbcKey {
    fn encrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<()> {
        let blocks = blocks(data)?;
        let iv = zeroize::Zeroizing::new(Array::from(*iv));
        match &self.0 {
            Cipher::Aes128(c) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
            Cipher::Aes256(c) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
        }
        Ok(())
    }

    fn decrypt(&self, iv: &[u8; 16], data: &mut [u8]) -> Result<()> {
        let blocks = blocks(data)?;
        let iv = zeroize::Zeroizing::new(Array::from(*iv));
        match &self.0 {
            Cipher::Aes128(c) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
            Cipher::Aes256(c) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
        }
        Ok(())
    }
}
