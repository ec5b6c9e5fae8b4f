//! Whole UACP frames: the 8-byte header and one message body
//! (OPC 10000-6 §7.1.2.2, Table 73).

use super::{Acknowledge, ErrorMessage, Hello, ReverseHello};
use crate::chunk::{ChunkType, FrameHeader, MessageType};
use crate::codec::{Decode, DecodeLimits, Encode, Reader, Writer};
use crate::{Error, Result};

/// One UA Connection Protocol message with its frame header
/// (OPC 10000-6 §7.1.2.2, Table 73).
///
/// The header is MessageType (`HEL`, `ACK`, `ERR`, `RHE`), the reserved byte
/// `F` and the MessageSize of the whole frame, header included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UacpMessage {
    /// `HEL` (§7.1.2.3).
    Hello(Hello),
    /// `ACK` (§7.1.2.4).
    Acknowledge(Acknowledge),
    /// `ERR` (§7.1.2.5).
    Error(ErrorMessage),
    /// `RHE` (§7.1.2.6).
    ReverseHello(ReverseHello),
}

impl UacpMessage {
    /// The MessageType of the frame header (OPC 10000-6 §7.1.2.2).
    pub const fn message_type(&self) -> MessageType {
        match self {
            UacpMessage::Hello(_) => MessageType::Hello,
            UacpMessage::Acknowledge(_) => MessageType::Acknowledge,
            UacpMessage::Error(_) => MessageType::Error,
            UacpMessage::ReverseHello(_) => MessageType::ReverseHello,
        }
    }

    /// Decodes one whole frame: the 8-byte header followed by the body
    /// (OPC 10000-6 §7.1.2.2).
    ///
    /// Errors:
    /// * an unknown message type, a chunk type other than `F`, or a secure
    ///   channel type (`MSG`, `OPN`, `CLO`): [`Error::TcpMessageTypeInvalid`];
    /// * a MessageSize that differs from `frame.len()`, a truncated body or
    ///   bytes after the body: [`Error::Decoding`];
    /// * an EndpointUrl or ServerUri of 4096 bytes or more:
    ///   [`Error::TcpEndpointUrlInvalid`];
    /// * an ERR Reason above 4096 bytes or a string above `limits`:
    ///   [`Error::EncodingLimitsExceeded`].
    ///
    /// Buffer sizes are not checked here; see
    /// [`acknowledge`](super::acknowledge) and
    /// [`check_acknowledge`](super::check_acknowledge).
    pub fn decode_frame(frame: &[u8], limits: DecodeLimits) -> Result<UacpMessage> {
        let mut r = Reader::with_limits(frame, limits);
        let header = FrameHeader::decode(&mut r)?;
        if !header.message_type.is_uacp() {
            return Err(Error::TcpMessageTypeInvalid(
                "secure channel chunk where a UACP message was expected",
            ));
        }
        let size_matches =
            usize::try_from(header.message_size).is_ok_and(|size| size == frame.len());
        if !size_matches {
            return Err(Error::Decoding(
                "MessageSize does not match the frame length",
            ));
        }
        let message = match header.message_type {
            MessageType::Hello => UacpMessage::Hello(Hello::decode(&mut r)?),
            MessageType::Acknowledge => UacpMessage::Acknowledge(Acknowledge::decode(&mut r)?),
            MessageType::Error => UacpMessage::Error(ErrorMessage::decode(&mut r)?),
            MessageType::ReverseHello => UacpMessage::ReverseHello(ReverseHello::decode(&mut r)?),
            MessageType::Message | MessageType::Open | MessageType::Close => {
                return Err(Error::TcpMessageTypeInvalid(
                    "secure channel chunk where a UACP message was expected",
                ));
            }
        };
        r.expect_end("trailing bytes after UACP message body")?;
        Ok(message)
    }

    /// Appends the whole frame, header and body, to `out`
    /// (OPC 10000-6 §7.1.2.2). The MessageSize is patched in once the body
    /// is written.
    ///
    /// On error nothing is appended: `out` is left as it was. Encoding fails
    /// for an EndpointUrl or ServerUri of 4096 bytes or more
    /// ([`Error::TcpEndpointUrlInvalid`]) and for an ERR Reason above 4096
    /// bytes ([`Error::EncodingLimitsExceeded`]).
    pub fn encode_frame(&self, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let result = self.write_frame(out, start);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    fn write_frame(&self, out: &mut Vec<u8>, start: usize) -> Result<()> {
        let mut w = Writer::new(out);
        FrameHeader {
            message_type: self.message_type(),
            chunk_type: ChunkType::Final,
            message_size: 0,
        }
        .encode(&mut w)?;
        match self {
            UacpMessage::Hello(m) => m.encode(&mut w)?,
            UacpMessage::Acknowledge(m) => m.encode(&mut w)?,
            UacpMessage::Error(m) => m.encode(&mut w)?,
            UacpMessage::ReverseHello(m) => m.encode(&mut w)?,
        }
        let size = w
            .len()
            .checked_sub(start)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(Error::EncodingLimitsExceeded("UACP message size"))?;
        w.patch_u32(start.saturating_add(4), size)
    }
}

impl From<Hello> for UacpMessage {
    fn from(m: Hello) -> Self {
        UacpMessage::Hello(m)
    }
}

impl From<Acknowledge> for UacpMessage {
    fn from(m: Acknowledge) -> Self {
        UacpMessage::Acknowledge(m)
    }
}

impl From<ErrorMessage> for UacpMessage {
    fn from(m: ErrorMessage) -> Self {
        UacpMessage::Error(m)
    }
}

impl From<ReverseHello> for UacpMessage {
    fn from(m: ReverseHello) -> Self {
        UacpMessage::ReverseHello(m)
    }
}
