//! Securing and opening MSG and CLO chunks with a token's symmetric keys
//! (OPC 10000-6 §6.7.2.5, §6.7.6).

use super::padding::{check_padding, read_sequence_header};
use super::{ChunkType, MessageHeader, MessageType, SequenceHeader};
use crate::codec::{Encode, Writer};
use crate::messages::MessageSecurityMode;
use crate::policy::{ChunkContext, ChunkProtection};
use crate::{Error, Result};

/// Offset of the SequenceHeader in a symmetric chunk: MessageHeader (12) +
/// TokenId (4).
pub const SYMMETRIC_HEADER_LEN: usize = 16;

/// The fields of a symmetric chunk's cleartext headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymmetricChunk {
    /// MSG or CLO.
    pub message_type: MessageType,
    /// C, F or A.
    pub chunk_type: ChunkType,
    /// The channel.
    pub secure_channel_id: u32,
    /// The token whose keys secure the chunk.
    pub token_id: u32,
    /// Sequence number and request id.
    pub sequence: SequenceHeader,
}

/// The signature length in `mode`: none in mode None.
pub(super) fn signature_len(keys: &dyn ChunkProtection, mode: MessageSecurityMode) -> usize {
    if mode == MessageSecurityMode::None {
        0
    } else {
        keys.signature_len()
    }
}

/// The block size the plaintext is padded to in `mode`, or `None` when the
/// footer has no padding (modes None and Sign, AEAD ciphers).
pub(super) fn padding_block(
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
) -> Option<usize> {
    let b = keys.padding_block_size();
    (mode == MessageSecurityMode::SignAndEncrypt && b > 0).then_some(b)
}

/// Footer layout: (padding bytes, total chunk size) for a body of
/// `body_len` bytes, with the smallest padding unless `padding` is given.
fn layout(
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    body_len: usize,
    padding: Option<usize>,
) -> Result<(Option<usize>, usize)> {
    let sig = signature_len(keys, mode);
    let fixed = SYMMETRIC_HEADER_LEN + SequenceHeader::LEN + body_len + sig;
    let (padding, total) = match padding_block(keys, mode) {
        Some(b) => {
            let plain = SequenceHeader::LEN + body_len + 1 + sig;
            // The smallest padding that aligns the encrypted part: 0 when it
            // already is (as .NET and node-opcua send). Receivers accept any
            // aligning amount, so a caller may choose more.
            let padding = padding.unwrap_or((b - plain % b) % b);
            if padding > usize::from(u8::MAX) || !(plain + padding).is_multiple_of(b) {
                return Err(Error::EncodingLimitsExceeded(
                    "padding does not align the chunk",
                ));
            }
            (Some(padding), fixed + 1 + padding)
        }
        None => (None, fixed),
    };
    u32::try_from(total).map_err(|_| Error::EncodingLimitsExceeded("chunk size"))?;
    Ok((padding, total))
}

/// The total size of a chunk carrying `body_len` body bytes.
pub fn symmetric_chunk_size(
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    body_len: usize,
) -> Result<usize> {
    layout(keys, mode, body_len, None).map(|(_, total)| total)
}

/// Appends one secured chunk to `out`: headers, `body`, padding (when the
/// mode encrypts with a block cipher), then [`ChunkProtection::seal`] signs
/// and encrypts it in place.
///
/// `out` is a caller-owned buffer; after the first chunks it has the capacity
/// it needs and nothing is allocated.
pub fn secure_symmetric(
    out: &mut Vec<u8>,
    chunk: &SymmetricChunk,
    body: &[u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
) -> Result<()> {
    secure_symmetric_padded(out, chunk, body, keys, mode, None)
}

/// [`secure_symmetric`] with a chosen amount of padding (SignAndEncrypt
/// only). Padding is the sender's choice within the alignment rule; stacks
/// differ (some pad to 32 bytes), and reproducing a recorded chunk needs the
/// recorded amount. An amount that does not align the encrypted part, or is
/// above 255, is `BadEncodingLimitsExceeded`.
pub fn secure_symmetric_padded(
    out: &mut Vec<u8>,
    chunk: &SymmetricChunk,
    body: &[u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    padding: Option<usize>,
) -> Result<()> {
    let (padding, total) = layout(keys, mode, body.len(), padding)?;
    let start = out.len();
    let sig = signature_len(keys, mode);
    let mut w = Writer::new(out);
    MessageHeader::new(
        chunk.message_type,
        chunk.chunk_type,
        total as u32,
        chunk.secure_channel_id,
    )
    .encode(&mut w)?;
    w.write_u32(chunk.token_id);
    chunk.sequence.encode(&mut w)?;
    w.put(body);
    if let Some(padding) = padding {
        // PaddingSize followed by `padding` bytes of the same value; padding
        // is at most 255, so no ExtraPaddingSize (OPC 10000-6 Table 61).
        out.resize(out.len() + 1 + padding, padding as u8);
    }
    out.resize(out.len() + sig, 0);
    if mode != MessageSecurityMode::None {
        let context = ChunkContext {
            token_id: chunk.token_id,
            sequence_number: chunk.sequence.sequence_number,
        };
        let encrypt = mode == MessageSecurityMode::SignAndEncrypt;
        let secured = out.get_mut(start..).ok_or(Error::SecurityChecksFailed)?;
        keys.seal(secured, SYMMETRIC_HEADER_LEN, encrypt, context)?;
    }
    debug_assert_eq!(out.len() - start, total);
    Ok(())
}

/// Opens a whole symmetric chunk in place and returns the range of its body.
///
/// Order (OPC 10000-6 §6.7.6): decrypt, verify the signature or tag in
/// constant time over the fixed region `[0, len − signature)`, and only then
/// read and check the padding. Every failure, whatever step it came from, is
/// `BadSecurityChecksFailed`. Checking the sequence number is left to the
/// caller; `expected_sequence_number` is what it expects, which only AEAD
/// protections use (for the chunk's nonce).
pub fn open_symmetric(
    chunk: &mut [u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    expected_sequence_number: u32,
) -> Result<(SequenceHeader, core::ops::Range<usize>)> {
    let fail = || Error::SecurityChecksFailed;
    let len = chunk.len();
    let sig = signature_len(keys, mode);
    if len < SYMMETRIC_HEADER_LEN + SequenceHeader::LEN + sig {
        return Err(fail());
    }
    if mode != MessageSecurityMode::None {
        let token = chunk
            .get(MessageHeader::LEN..SYMMETRIC_HEADER_LEN)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .ok_or_else(fail)?;
        let context = ChunkContext {
            token_id: u32::from_le_bytes(token),
            sequence_number: expected_sequence_number,
        };
        let decrypt = mode == MessageSecurityMode::SignAndEncrypt;
        keys.open(chunk, SYMMETRIC_HEADER_LEN, decrypt, context)?;
    }
    let body_start = SYMMETRIC_HEADER_LEN + SequenceHeader::LEN;
    let signed_end = len - sig;
    let body_end = match padding_block(keys, mode) {
        Some(_) => check_padding(chunk, body_start, signed_end, false)?,
        None => signed_end,
    };
    let sequence = read_sequence_header(chunk, SYMMETRIC_HEADER_LEN)?;
    Ok((sequence, body_start..body_end))
}
