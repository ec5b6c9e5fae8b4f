//! MSG and CLO chunks under an AEAD cipher (OPC 10000-6 §6.7.2.5.2,
//! §6.8.1): a nonce per chunk from the IV, the TokenId and the previous
//! sequence number; no padding; a 16-byte tag.

use core::fmt;

use zeroize::Zeroizing;

use super::{ChunkContext, ChunkProtection};
use crate::crypto::{AeadAlgorithm, AeadKey, CryptoProvider};
use crate::{Error, Result};

/// The AEAD key and IV of one direction of one SecurityToken.
///
/// * **Nonce**: the 12-byte IV with bytes 0–3 XORed with the chunk's
///   TokenId and bytes 4–7 with the sequence number of the previous chunk
///   sent in the same direction, both UInt32 little-endian. Every chunk,
///   OPN included, takes the next sequence number (LegacySequenceNumbers is
///   FALSE for these policies), so the previous number is the chunk's own
///   minus one, wrapping; that is what [`ChunkContext::sequence_number`]
///   gives, the sender's number or the number a receiver expects.
/// * **SignAndEncrypt**: the SequenceHeader and body are encrypted; the
///   additional data is the 16 header bytes (MessageHeader and TokenId,
///   whose MessageSize counts the tag).
/// * **Sign**: the chunk stays in clear; the tag is the AEAD encryption of
///   nothing with every byte before the tag as additional data (GMAC for
///   AES-GCM), under the EncryptingKey, as UA-.NETStandard and open62541
///   make it for the `_AesGcm` and `_ChaChaPoly` policies; or, made
///   [`with_signing_key`](Self::with_signing_key), under a separately
///   derived SigningKey, as open62541 does for ECC_curve25519 and
///   ECC_curve448.
///
/// A chunk with the same key and nonce as another would give away both
/// plaintexts and the authentication key; the channels never send one
/// (see [`channel`](crate::channel#sequence-numbers-and-aead-nonces)).
/// Key and IV are zeroized on drop; `Debug` shows neither.
pub struct AeadProtection {
    key: Box<dyn AeadKey>,
    signing_key: Option<Box<dyn AeadKey>>,
    iv: Zeroizing<[u8; AeadAlgorithm::NONCE_LEN]>,
}

impl fmt::Debug for AeadProtection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AeadProtection")
            .field("algorithm", &self.key.algorithm())
            .finish_non_exhaustive()
    }
}

impl AeadProtection {
    /// The protection with `key` (the EncryptingKey, of `algorithm`'s
    /// length) and the 12-byte `iv`, keyed once by `provider`.
    pub fn new(
        provider: &CryptoProvider,
        algorithm: AeadAlgorithm,
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self> {
        let mut own_iv = Zeroizing::new([0u8; AeadAlgorithm::NONCE_LEN]);
        if iv.len() != own_iv.len() {
            return Err(Error::SecurityChecksFailed);
        }
        own_iv.copy_from_slice(iv);
        Ok(AeadProtection {
            key: (provider.aead)(algorithm, key)?,
            signing_key: None,
            iv: own_iv,
        })
    }

    /// The protection with `key` (the EncryptingKey) for SignAndEncrypt and
    /// `signing_key` (the SigningKey, of `algorithm`'s key length) for the
    /// tags of mode Sign, and the 12-byte `iv`: the layout open62541 gives
    /// ECC_curve25519 and ECC_curve448 (a 32-byte SigningKey is derived
    /// before the EncryptingKey).
    pub fn with_signing_key(
        provider: &CryptoProvider,
        algorithm: AeadAlgorithm,
        key: &[u8],
        signing_key: &[u8],
        iv: &[u8],
    ) -> Result<Self> {
        let mut protection = Self::new(provider, algorithm, key, iv)?;
        protection.signing_key = Some((provider.aead)(algorithm, signing_key)?);
        Ok(protection)
    }

    /// The key that makes the tags of mode Sign.
    fn sign_only_key(&self) -> &dyn AeadKey {
        self.signing_key.as_deref().unwrap_or(&*self.key)
    }

    /// The chunk's nonce (OPC 10000-6 §6.8.1).
    fn nonce(&self, context: ChunkContext) -> Zeroizing<[u8; AeadAlgorithm::NONCE_LEN]> {
        let mut nonce = self.iv.clone();
        let token = context.token_id.to_le_bytes();
        let previous = context.sequence_number.wrapping_sub(1).to_le_bytes();
        for (n, m) in nonce.iter_mut().zip(token.iter().chain(previous.iter())) {
            *n ^= m;
        }
        nonce
    }

    /// Where the tag starts; a chunk too short for headers and tag is
    /// `BadSecurityChecksFailed`.
    fn tag_start(chunk: &[u8], header_len: usize) -> Result<usize> {
        chunk
            .len()
            .checked_sub(AeadAlgorithm::TAG_LEN)
            .filter(|&t| t >= header_len)
            .ok_or(Error::SecurityChecksFailed)
    }
}

impl ChunkProtection for AeadProtection {
    fn signature_len(&self) -> usize {
        AeadAlgorithm::TAG_LEN
    }

    /// No padding: the ciphers take any length.
    fn padding_block_size(&self) -> usize {
        0
    }

    fn seal(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        encrypt: bool,
        context: ChunkContext,
    ) -> Result<()> {
        let tag_start = Self::tag_start(chunk, header_len)?;
        let nonce = self.nonce(context);
        let (authenticated, tag) = chunk.split_at_mut(tag_start);
        if encrypt {
            let (aad, plaintext) = authenticated.split_at_mut(header_len);
            self.key.seal(&nonce, aad, plaintext, tag)
        } else {
            self.sign_only_key()
                .seal(&nonce, authenticated, &mut [], tag)
        }
    }

    fn open(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        decrypt: bool,
        context: ChunkContext,
    ) -> Result<()> {
        let tag_start = Self::tag_start(chunk, header_len)?;
        let nonce = self.nonce(context);
        let (authenticated, tag) = chunk.split_at_mut(tag_start);
        if decrypt {
            let (aad, ciphertext) = authenticated.split_at_mut(header_len);
            self.key.open(&nonce, aad, ciphertext, tag)
        } else {
            self.sign_only_key()
                .open(&nonce, authenticated, &mut [], tag)
        }
    }
}
