//! The keys of one direction of one SecurityToken, ready to use
//! (OPC 10000-6 §6.7.5).

use core::fmt;

use aes::{Aes128, Aes256};
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use hmac::{Hmac, Mac};
use zeroize::{Zeroize, Zeroizing};

use super::{ChunkContext, ChunkProtection, HmacHash, PolicyDescriptor};
use crate::{Error, Result};

/// One AES block.
type AesBlock = Array<u8, cbc::cipher::consts::U16>;

/// The cipher, the data as whole blocks, and the IV.
type CbcParts<'s, 'd> = (&'s Cipher, &'d mut [AesBlock], Zeroizing<AesBlock>);

#[derive(Clone)]
enum Signer {
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
    /// No signing key: keys that only encrypt (the EccEncryptedSecret
    /// payload, signed asymmetrically instead).
    Unkeyed,
}

#[derive(Clone)]
enum Cipher {
    Aes128(Aes128),
    Aes256(Aes256),
}

/// Signing key, encryption key and IV of one direction, kept as a keyed HMAC
/// and an expanded AES key schedule so that nothing is re-keyed per chunk.
///
/// The key material is zeroized on drop (the HMAC state and AES key schedule
/// through their `zeroize` features) and never printed by `Debug`.
#[derive(Clone)]
pub struct SymmetricKeys {
    policy: &'static str,
    state: Option<(Signer, Cipher)>,
    iv: Zeroizing<[u8; 16]>,
    signature_len: usize,
}

impl fmt::Debug for SymmetricKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymmetricKeys")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl SymmetricKeys {
    /// The keys of SecurityPolicy None: no signature, no encryption.
    pub fn none(policy: &PolicyDescriptor) -> Result<Self> {
        Ok(SymmetricKeys {
            policy: policy.name,
            state: None,
            iv: Zeroizing::new([0u8; 16]),
            signature_len: 0,
        })
    }

    /// Builds the keys from `SigningKey ‖ EncryptingKey ‖ IV` as laid out by
    /// the policy: an HMAC key of `policy.signing_key_len` bytes, an AES-128
    /// or AES-256 key, and a 16-byte IV.
    pub fn from_key_material(
        policy: &PolicyDescriptor,
        hmac: HmacHash,
        material: &[u8],
    ) -> Result<Self> {
        let fail = || Error::SecurityChecksFailed;
        if material.len() != policy.key_material_len() || policy.iv_len != 16 {
            return Err(fail());
        }
        let mut iv = Zeroizing::new([0u8; 16]);
        let (signing, rest) = material.split_at(policy.signing_key_len);
        let (encrypting, iv_bytes) = rest.split_at(policy.encrypting_key_len);
        iv.copy_from_slice(iv_bytes);
        let signer = match hmac {
            HmacHash::Sha256 => Signer::Sha256(
                <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(signing).map_err(|_| fail())?,
            ),
            HmacHash::Sha1 => Signer::Sha1(
                <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(signing).map_err(|_| fail())?,
            ),
        };
        let cipher = match encrypting.len() {
            16 => Cipher::Aes128(Aes128::new_from_slice(encrypting).map_err(|_| fail())?),
            32 => Cipher::Aes256(Aes256::new_from_slice(encrypting).map_err(|_| fail())?),
            _ => return Err(fail()),
        };
        let tag_len = match signer {
            Signer::Sha1(_) => 20,
            Signer::Sha256(_) => 32,
            Signer::Unkeyed => 0,
        };
        if policy.signature_len > tag_len {
            return Err(fail());
        }
        Ok(SymmetricKeys {
            policy: policy.name,
            state: Some((signer, cipher)),
            iv,
            signature_len: policy.signature_len,
        })
    }

    /// Keys that only encrypt: AES-CBC with `encrypting_key` (16 or 32
    /// bytes) and a 16-byte `iv`, no signing key, a signature length of 0.
    /// For payloads authenticated otherwise (the EccEncryptedSecret of
    /// OPC 10000-4 §7.41.2.5 carries an ECDSA signature).
    pub(crate) fn encrypt_only(
        name: &'static str,
        encrypting_key: &[u8],
        iv: &[u8],
    ) -> Result<Self> {
        let fail = || Error::SecurityChecksFailed;
        let mut iv_bytes = Zeroizing::new([0u8; 16]);
        if iv.len() != iv_bytes.len() {
            return Err(fail());
        }
        iv_bytes.copy_from_slice(iv);
        let cipher = match encrypting_key.len() {
            16 => Cipher::Aes128(Aes128::new_from_slice(encrypting_key).map_err(|_| fail())?),
            32 => Cipher::Aes256(Aes256::new_from_slice(encrypting_key).map_err(|_| fail())?),
            _ => return Err(fail()),
        };
        Ok(SymmetricKeys {
            policy: name,
            state: Some((Signer::Unkeyed, cipher)),
            iv: iv_bytes,
            signature_len: 0,
        })
    }

    /// Writes the HMAC of `data` into `out` (which must be
    /// [`signature_len`](Self::signature_len) bytes).
    pub(crate) fn sign(&self, data: &[u8], out: &mut [u8]) -> Result<()> {
        let Some((signer, _)) = &self.state else {
            return Ok(());
        };
        let mut tag = match signer {
            Signer::Sha1(m) => mac_bytes(m.clone(), data),
            Signer::Sha256(m) => mac_bytes(m.clone(), data),
            Signer::Unkeyed if out.is_empty() => return Ok(()),
            Signer::Unkeyed => return Err(Error::SecurityChecksFailed),
        };
        let n = out.len();
        let src = tag.get(..n).ok_or(Error::SecurityChecksFailed);
        let result = src.map(|s| out.copy_from_slice(s));
        tag.zeroize();
        result
    }

    /// Checks `signature` against the HMAC of `data` in constant time.
    pub(crate) fn verify(&self, data: &[u8], signature: &[u8]) -> Result<()> {
        let Some((signer, _)) = &self.state else {
            return if signature.is_empty() {
                Ok(())
            } else {
                Err(Error::SecurityChecksFailed)
            };
        };
        let ok = match signer {
            Signer::Sha1(m) => m.clone().chain_update(data).verify_slice(signature),
            Signer::Sha256(m) => m.clone().chain_update(data).verify_slice(signature),
            Signer::Unkeyed if signature.is_empty() => Ok(()),
            Signer::Unkeyed => return Err(Error::SecurityChecksFailed),
        };
        ok.map_err(|_| Error::SecurityChecksFailed)
    }

    /// Encrypts `data` in place with AES-CBC under the token's IV; its
    /// length must be a multiple of 16.
    pub(crate) fn encrypt(&self, data: &mut [u8]) -> Result<()> {
        let Some((cipher, blocks, iv)) = self.cbc_parts(data)? else {
            return Ok(());
        };
        match cipher {
            Cipher::Aes128(c) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
            Cipher::Aes256(c) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
        }
        Ok(())
    }

    /// Decrypts `data` in place; its length must be a multiple of 16.
    pub(crate) fn decrypt(&self, data: &mut [u8]) -> Result<()> {
        let Some((cipher, blocks, iv)) = self.cbc_parts(data)? else {
            return Ok(());
        };
        match cipher {
            Cipher::Aes128(c) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
            Cipher::Aes256(c) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
        }
        Ok(())
    }

    /// The cipher, `data` as whole AES blocks and the IV; `None` without a
    /// cipher (policy None).
    fn cbc_parts<'d>(&self, data: &'d mut [u8]) -> Result<Option<CbcParts<'_, 'd>>> {
        let Some((_, cipher)) = &self.state else {
            return Ok(None);
        };
        let (blocks, tail) = Array::slice_as_chunks_mut(data);
        if !tail.is_empty() {
            return Err(Error::SecurityChecksFailed);
        }
        Ok(Some((
            cipher,
            blocks,
            Zeroizing::new(Array::from(*self.iv)),
        )))
    }
}

impl ChunkProtection for SymmetricKeys {
    fn signature_len(&self) -> usize {
        self.signature_len
    }

    fn padding_block_size(&self) -> usize {
        if self.state.is_some() { 16 } else { 0 }
    }

    fn seal(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        encrypt: bool,
        _: ChunkContext,
    ) -> Result<()> {
        let signed_end = chunk
            .len()
            .checked_sub(self.signature_len)
            .ok_or(Error::SecurityChecksFailed)?;
        let (signed, signature) = chunk.split_at_mut(signed_end);
        self.sign(signed, signature)?;
        if encrypt {
            let encrypted = chunk
                .get_mut(header_len..)
                .ok_or(Error::SecurityChecksFailed)?;
            self.encrypt(encrypted)?;
        }
        Ok(())
    }

    fn open(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        decrypt: bool,
        _: ChunkContext,
    ) -> Result<()> {
        if decrypt {
            let encrypted = chunk
                .get_mut(header_len..)
                .ok_or(Error::SecurityChecksFailed)?;
            self.decrypt(encrypted)?;
        }
        let signed_end = chunk
            .len()
            .checked_sub(self.signature_len)
            .ok_or(Error::SecurityChecksFailed)?;
        let (signed, signature) = chunk.split_at(signed_end);
        self.verify(signed, signature)
    }
}

fn mac_bytes<M: Mac>(m: M, data: &[u8]) -> [u8; 32] {
    let tag = m.chain_update(data).finalize().into_bytes();
    let mut out = [0u8; 32];
    for (o, t) in out.iter_mut().zip(tag.iter()) {
        *o = *t;
    }
    out
}
