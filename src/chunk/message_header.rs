//! The 12-byte MessageHeader of a secure channel chunk (OPC 10000-6 §6.7.2.2).

use super::{ChunkType, FrameHeader, MessageType};
use crate::codec::{Decode, Encode, Reader, Writer};
use crate::{Error, Result};

/// A [`FrameHeader`] followed by the SecureChannelId; starts every MSG, OPN
/// and CLO chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageHeader {
    /// Message type (MSG, OPN or CLO), chunk type and MessageSize.
    pub frame: FrameHeader,
    /// The channel, assigned by the server; 0 in the first OPN request.
    pub secure_channel_id: u32,
}

impl MessageHeader {
    /// Encoded length.
    pub const LEN: usize = 12;

    /// A header for a chunk of `message_size` bytes.
    pub fn new(
        message_type: MessageType,
        chunk_type: ChunkType,
        message_size: u32,
        secure_channel_id: u32,
    ) -> Self {
        MessageHeader {
            frame: FrameHeader {
                message_type,
                chunk_type,
                message_size,
            },
            secure_channel_id,
        }
    }
}

impl Encode for MessageHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.frame.encode(w)?;
        w.write_u32(self.secure_channel_id);
        Ok(())
    }
}

impl<'a> Decode<'a> for MessageHeader {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let frame = FrameHeader::decode(r)?;
        if frame.message_type.is_uacp() {
            return Err(Error::TcpMessageTypeInvalid(
                "UACP message where a chunk was expected",
            ));
        }
        Ok(MessageHeader {
            frame,
            secure_channel_id: r.read_u32()?,
        })
    }
}
