//! The keys of one direction of one SecurityToken under a policy that signs
//! with HMAC and encrypts with AES-CBC (OPC 10000-6 §6.7.2.5, §6.7.5).

use core::fmt;

use zeroize::Zeroizing;

use super::{ChunkContext, ChunkProtection, HmacHash, PolicyDescriptor};
use crate::crypto::{CbcKey, CryptoProvider, MacKey, default_provider};
use crate::{Error, Result};

/// Signing key, encryption key and IV of one direction, kept as a keyed HMAC
/// and an expanded AES key schedule from a
/// [`CryptoProvider`](crate::crypto::CryptoProvider), so that nothing is
/// re-keyed per chunk.
///
/// The key material is zeroized on drop (by the provider's keys and the
/// IV's `Zeroizing`) and never printed by `Debug`.
pub struct SymmetricKeys {
    policy: &'static str,
    mac: Option<Box<dyn MacKey>>,
    cipher: Option<Box<dyn CbcKey>>,
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
            mac: None,
            cipher: None,
            iv: Zeroizing::new([0u8; 16]),
            signature_len: 0,
        })
    }

    /// Builds the keys from `SigningKey ‖ EncryptingKey ‖ IV` as laid out by
    /// the policy: an HMAC key of `policy.signing_key_len` bytes, an AES-128
    /// or AES-256 key, and a 16-byte IV, with the default provider.
    pub fn from_key_material(
        policy: &PolicyDescriptor,
        hmac: HmacHash,
        material: &[u8],
    ) -> Result<Self> {
        Self::from_key_material_with(default_provider(), policy, hmac, material)
    }

    /// [`from_key_material`](Self::from_key_material) with the primitives
    /// of `provider`.
    pub fn from_key_material_with(
        provider: &CryptoProvider,
        policy: &PolicyDescriptor,
        hmac: HmacHash,
        material: &[u8],
    ) -> Result<Self> {
        let fail = || Error::SecurityChecksFailed;
        if material.len() != policy.key_material_len() {
            return Err(fail());
        }
        let (signing, rest) = material.split_at(policy.signing_key_len);
        let (encrypting, iv) = rest.split_at(policy.encrypting_key_len);
        Self::from_parts(provider, policy, hmac, signing, Some((encrypting, iv)))
    }

    /// Keys from a signing key and, for SignAndEncrypt, an encrypting key
    /// and a 16-byte IV. Without them the keys only sign, as the non-AEAD
    /// ECC policies derive in mode Sign (OPC 10000-6 §6.8.1 Step 1), and
    /// encrypting with them is `BadSecurityChecksFailed`.
    pub(crate) fn from_parts(
        provider: &CryptoProvider,
        policy: &PolicyDescriptor,
        hmac: HmacHash,
        signing: &[u8],
        encryption: Option<(&[u8], &[u8])>,
    ) -> Result<Self> {
        let fail = || Error::SecurityChecksFailed;
        if signing.len() != policy.signing_key_len || policy.signature_len > hmac.output_len() {
            return Err(fail());
        }
        let mac = (provider.hmac)(hmac, signing)?;
        let mut iv = Zeroizing::new([0u8; 16]);
        let cipher = match encryption {
            Some((encrypting, iv_bytes)) => {
                if encrypting.len() != policy.encrypting_key_len || iv_bytes.len() != iv.len() {
                    return Err(fail());
                }
                iv.copy_from_slice(iv_bytes);
                Some((provider.aes_cbc)(encrypting)?)
            }
            None => None,
        };
        Ok(SymmetricKeys {
            policy: policy.name,
            mac: Some(mac),
            cipher,
            iv,
            signature_len: policy.signature_len,
        })
    }

    /// Writes the HMAC of `data` into `out` (which must be
    /// [`signature_len`](ChunkProtection::signature_len) bytes).
    pub(crate) fn sign(&self, data: &[u8], out: &mut [u8]) -> Result<()> {
        match &self.mac {
            Some(mac) => mac.sign(&[data], out),
            None if out.is_empty() => Ok(()),
            None => Err(Error::SecurityChecksFailed),
        }
    }

    /// Checks `signature` against the HMAC of `data` in constant time.
    pub(crate) fn verify(&self, data: &[u8], signature: &[u8]) -> Result<()> {
        match &self.mac {
            Some(mac) => mac.verify(&[data], signature),
            None if signature.is_empty() => Ok(()),
            None => Err(Error::SecurityChecksFailed),
        }
    }

    /// Encrypts `data` in place with AES-CBC under the token's IV; its
    /// length must be a multiple of 16.
    pub(crate) fn encrypt(&self, data: &mut [u8]) -> Result<()> {
        match (&self.cipher, &self.mac) {
            (Some(cipher), _) => cipher.encrypt(&self.iv, data),
            (None, None) => Ok(()),
            (None, Some(_)) => Err(Error::SecurityChecksFailed),
        }
    }

    /// Decrypts `data` in place; its length must be a multiple of 16.
    pub(crate) fn decrypt(&self, data: &mut [u8]) -> Result<()> {
        match (&self.cipher, &self.mac) {
            (Some(cipher), _) => cipher.decrypt(&self.iv, data),
            (None, None) => Ok(()),
            (None, Some(_)) => Err(Error::SecurityChecksFailed),
        }
    }
}

impl ChunkProtection for SymmetricKeys {
    fn signature_len(&self) -> usize {
        self.signature_len
    }

    fn padding_block_size(&self) -> usize {
        if self.cipher.is_some() { 16 } else { 0 }
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
