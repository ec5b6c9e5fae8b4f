//! The per-token, per-direction object that secures and opens MSG and CLO
//! chunks (OPC 10000-6 §6.7.2.5, §6.7.6).

use core::fmt;

use crate::Result;

/// What a chunk's protection may depend on besides its bytes.
///
/// AEAD policies build each chunk's nonce from these (OPC 10000-6 §6.8.1:
/// the IV with TokenId and the previous sequence number mixed in); CBC
/// policies ignore them. A receiver passes the sequence number it expects,
/// since the real one is inside the encrypted part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkContext {
    /// The TokenId in the chunk's security header.
    pub token_id: u32,
    /// The chunk's sequence number.
    pub sequence_number: u32,
}

/// The keys of one direction of one SecurityToken, ready to use: a keyed MAC
/// and a cipher key schedule, or an AEAD key and IV.
///
/// Implementations are made once per token by a
/// [`KeyExchange`](super::KeyExchange) and used for every chunk of that
/// token; nothing is re-keyed per chunk. Their key material is zeroized on
/// drop and never printed by `Debug`.
///
/// Layout of a chunk handed to [`seal`](Self::seal) and [`open`](Self::open):
///
/// ```text
/// [0, header_len)                 MessageHeader and security header (cleartext, authenticated)
/// [header_len, len − sig)         SequenceHeader, body, padding when padded
/// [len − sig, len)                signature or tag, sig = signature_len()
/// ```
pub trait ChunkProtection: Send + Sync + fmt::Debug {
    /// Length of the footer's signature or tag, in bytes; 0 for
    /// SecurityPolicy None.
    fn signature_len(&self) -> usize;

    /// The block size SignAndEncrypt pads the plaintext to, or 0 when the
    /// footer has no padding (AEAD ciphers, SecurityPolicy None).
    fn padding_block_size(&self) -> usize;

    /// Secures a chunk in place: fills the last
    /// [`signature_len`](Self::signature_len) bytes with the signature (or
    /// tag) over everything before them, and with `encrypt` encrypts
    /// `[header_len, len)` (CBC: signature included) or `[header_len, len −
    /// sig)` (AEAD). The padding is already in place.
    fn seal(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        encrypt: bool,
        context: ChunkContext,
    ) -> Result<()>;

    /// Opens a chunk in place: with `decrypt` decrypts what
    /// [`seal`](Self::seal) encrypted, then checks the signature or tag in
    /// constant time. Every failure is `BadSecurityChecksFailed`; the
    /// padding is left to the caller, to be read only after this succeeded.
    fn open(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        decrypt: bool,
        context: ChunkContext,
    ) -> Result<()>;
}
