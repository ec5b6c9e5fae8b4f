//! The 8-byte header every UACP message and every MessageChunk starts with
//! (OPC 10000-6 §7.1.2.2 Table 73, §6.7.2.2 Table 57).

use core::fmt;

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::{Error, Result};

/// The three-letter message type of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `HEL`: Hello (UACP).
    Hello,
    /// `ACK`: Acknowledge (UACP).
    Acknowledge,
    /// `ERR`: Error (UACP).
    Error,
    /// `RHE`: ReverseHello (UACP).
    ReverseHello,
    /// `MSG`: a service message chunk secured with the symmetric keys.
    Message,
    /// `OPN`: an OpenSecureChannel chunk secured with the asymmetric keys.
    Open,
    /// `CLO`: a CloseSecureChannel chunk.
    Close,
}

impl MessageType {
    /// The three ASCII bytes on the wire.
    pub const fn tag(self) -> [u8; 3] {
        match self {
            MessageType::Hello => *b"HEL",
            MessageType::Acknowledge => *b"ACK",
            MessageType::Error => *b"ERR",
            MessageType::ReverseHello => *b"RHE",
            MessageType::Message => *b"MSG",
            MessageType::Open => *b"OPN",
            MessageType::Close => *b"CLO",
        }
    }

    /// Parses the three ASCII bytes; unknown ones give
    /// `BadTcpMessageTypeInvalid`.
    pub fn from_tag(tag: [u8; 3]) -> Result<Self> {
        Ok(match &tag {
            b"HEL" => MessageType::Hello,
            b"ACK" => MessageType::Acknowledge,
            b"ERR" => MessageType::Error,
            b"RHE" => MessageType::ReverseHello,
            b"MSG" => MessageType::Message,
            b"OPN" => MessageType::Open,
            b"CLO" => MessageType::Close,
            _ => return Err(Error::TcpMessageTypeInvalid("unknown message type")),
        })
    }

    /// Whether this is a UA Connection Protocol message (HEL, ACK, ERR, RHE)
    /// rather than a secure channel chunk.
    pub const fn is_uacp(self) -> bool {
        matches!(
            self,
            MessageType::Hello
                | MessageType::Acknowledge
                | MessageType::Error
                | MessageType::ReverseHello
        )
    }

    /// The smallest MessageSize a frame of this type can have: the 8-byte
    /// header plus, for secure channel chunks, the 4-byte SecureChannelId.
    pub const fn min_size(self) -> u32 {
        if self.is_uacp() {
            FrameHeader::LEN as u32
        } else {
            FrameHeader::LEN as u32 + 4
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = self.tag();
        f.write_str(core::str::from_utf8(&tag).unwrap_or("???"))
    }
}

/// The fourth header byte: whether more chunks of the message follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChunkType {
    /// `C`: an intermediate chunk; more follow.
    Intermediate,
    /// `F`: the final chunk (the only value allowed outside MSG).
    Final,
    /// `A`: the final chunk of an aborted message (OPC 10000-6 §6.7.3).
    Abort,
}

impl ChunkType {
    /// The ASCII byte on the wire.
    pub const fn byte(self) -> u8 {
        match self {
            ChunkType::Intermediate => b'C',
            ChunkType::Final => b'F',
            ChunkType::Abort => b'A',
        }
    }
}

/// The common 8-byte header: MessageType, chunk type ("Reserved" for UACP
/// messages: sent as `F`, ignored on receipt), and MessageSize counted from
/// the first byte of the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// The message type.
    pub message_type: MessageType,
    /// The chunk type.
    pub chunk_type: ChunkType,
    /// The size of the whole frame, header included.
    pub message_size: u32,
}

impl FrameHeader {
    /// Encoded length.
    pub const LEN: usize = 8;

    /// Checks the combination of message type and chunk type (`C` and `A`
    /// only for MSG) and that the size can hold the header.
    pub fn validate(&self) -> Result<()> {
        if self.chunk_type != ChunkType::Final && self.message_type != MessageType::Message {
            return Err(Error::TcpMessageTypeInvalid(
                "chunk type other than F outside MSG",
            ));
        }
        if self.message_size < self.message_type.min_size() {
            return Err(Error::Decoding("MessageSize smaller than the header"));
        }
        Ok(())
    }
}

impl Encode for FrameHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put(&self.message_type.tag());
        w.write_u8(self.chunk_type.byte());
        w.write_u32(self.message_size);
        Ok(())
    }
}

impl<'a> Decode<'a> for FrameHeader {
    /// Decodes and [validates](FrameHeader::validate) the header.
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let message_type = MessageType::from_tag(r.take_array()?)?;
        let chunk_type = match r.read_u8()? {
            // HEL, ACK, ERR and RHE: the byte is Reserved, "shall be set
            // to 'F'" and ignored by the receiver (OPC 10000-6 Table 73).
            _ if message_type.is_uacp() => ChunkType::Final,
            b'C' => ChunkType::Intermediate,
            b'F' => ChunkType::Final,
            b'A' => ChunkType::Abort,
            _ => return Err(Error::TcpMessageTypeInvalid("unknown chunk type")),
        };
        let header = FrameHeader {
            message_type,
            chunk_type,
            message_size: r.read_u32()?,
        };
        header.validate()?;
        Ok(header)
    }
}
