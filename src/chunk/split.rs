//! Splitting a message into secured MSG or CLO chunks within the peer's
//! limits (OPC 10000-6 §6.7.2.2, §6.7.2.5.1, §7.1.2.3–§7.1.2.4).

use super::symmetric::{padding_block, signature_len};
use super::{
    ChunkType, MessageType, SYMMETRIC_HEADER_LEN, SequenceHeader, SymmetricChunk, secure_symmetric,
};
use crate::messages::MessageSecurityMode;
use crate::policy::{ChunkProtection, Role};
use crate::uacp::Negotiated;
use crate::{Error, Result};

/// What the peer accepts from us, from the Hello/Acknowledge exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// The largest chunk the peer accepts, in bytes (its ReceiveBufferSize).
    pub max_chunk_size: usize,
    /// The largest message body the peer accepts, in bytes; 0 for no limit.
    pub max_message_size: usize,
    /// The most chunks per message the peer accepts; 0 for no limit.
    pub max_chunk_count: usize,
    /// Who sends: a client's message over the limits is
    /// `BadRequestTooLarge`, a server's `BadResponseTooLarge`.
    pub sender: Role,
}

impl SendLimits {
    /// The limits a negotiated connection sets on what `sender` sends.
    pub fn from_negotiated(negotiated: &Negotiated, sender: Role) -> Self {
        let size = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        SendLimits {
            max_chunk_size: size(negotiated.send_buffer_size),
            max_message_size: size(negotiated.peer_max_message_size),
            max_chunk_count: size(negotiated.peer_max_chunk_count),
            sender,
        }
    }
}

/// The most body bytes one symmetric chunk of at most `max_chunk_size`
/// bytes carries in `mode`.
///
/// With a padded cipher this is the safe form of the formula in
/// OPC 10000-6 §6.7.2.5.1: `B·⌊(MaxChunkSize − 16) / B⌋ − 8 − Signature − 1`.
/// The spec's own formula subtracts the signature before rounding to the
/// block size and can give a chunk one block over the limit (e.g. 65 536
/// bytes for a 65 535-byte buffer with HMAC-SHA256). AEAD chunks
/// (OPC 10000-6 §6.7.2.5.2) have no padding: they are filled to the tag,
/// `MaxChunkSize − 16 − 8 − 16` (8152 at 8192), as open62541 does;
/// UA-.NETStandard rounds the encrypted part down to a multiple of 12
/// (8148 at 8192), and a receiver takes either, any size within its buffer
/// being valid. A buffer too small for one body byte is
/// `BadEncodingLimitsExceeded`.
pub fn max_body_size(
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    max_chunk_size: usize,
) -> Result<usize> {
    let sig = signature_len(keys, mode);
    let room = match padding_block(keys, mode) {
        Some(b) => {
            let encrypted = max_chunk_size.saturating_sub(SYMMETRIC_HEADER_LEN) / b * b;
            encrypted.checked_sub(SequenceHeader::LEN + sig + 1)
        }
        None => max_chunk_size.checked_sub(SYMMETRIC_HEADER_LEN + SequenceHeader::LEN + sig),
    };
    room.filter(|&n| n > 0)
        .ok_or(Error::EncodingLimitsExceeded("chunk size too small"))
}

/// The headers shared by every chunk of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageChunkHeader {
    /// MSG or CLO.
    pub message_type: MessageType,
    /// The channel.
    pub secure_channel_id: u32,
    /// The token whose keys secure the chunks.
    pub token_id: u32,
    /// The request this message is, or answers.
    pub request_id: u32,
}

/// Appends `body` to `out` as one message of secured chunks: as many `C`
/// chunks of [`max_body_size`] body bytes as needed, then an `F` chunk.
///
/// `next_sequence_number` is the number the first chunk takes; it is
/// advanced by one per chunk (wrapping from 4 294 967 295 to 0, which both
/// sequence-number rules of OPC 10000-6 §6.7.2.4 allow). The limits are
/// checked before anything is written: a body over the peer's
/// MaxMessageSize, or one needing more than its MaxChunkCount chunks, is
/// `BadRequestTooLarge` or `BadResponseTooLarge` and leaves `out` and the
/// sequence number as they were. Returns the number of chunks.
pub fn secure_message(
    out: &mut Vec<u8>,
    header: &MessageChunkHeader,
    next_sequence_number: &mut u32,
    body: &[u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    limits: &SendLimits,
) -> Result<usize> {
    let per_chunk = max_body_size(keys, mode, limits.max_chunk_size)?;
    let chunks = body.len().div_ceil(per_chunk).max(1);
    let over = |limit: usize, value: usize| limit != 0 && value > limit;
    if over(limits.max_message_size, body.len()) || over(limits.max_chunk_count, chunks) {
        return Err(Error::MessageTooLarge {
            response: limits.sender == Role::Server,
            size: body.len(),
            chunks,
        });
    }
    if chunks > 1 && header.message_type != MessageType::Message {
        return Err(Error::EncodingLimitsExceeded(
            "only MSG messages may span chunks",
        ));
    }
    let start = out.len();
    let mut sequence_number = *next_sequence_number;
    let mut pieces = body.chunks(per_chunk);
    for index in 0..chunks {
        let piece = pieces.next().unwrap_or_default();
        let chunk = SymmetricChunk {
            message_type: header.message_type,
            chunk_type: if index + 1 == chunks {
                ChunkType::Final
            } else {
                ChunkType::Intermediate
            },
            secure_channel_id: header.secure_channel_id,
            token_id: header.token_id,
            sequence: SequenceHeader {
                sequence_number,
                request_id: header.request_id,
            },
        };
        if let Err(e) = secure_symmetric(out, &chunk, piece, keys, mode) {
            out.truncate(start);
            return Err(e);
        }
        sequence_number = sequence_number.wrapping_add(1);
    }
    *next_sequence_number = sequence_number;
    Ok(chunks)
}
