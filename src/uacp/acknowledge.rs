//! The Acknowledge message (OPC 10000-6 §7.1.2.4, Table 75).

use crate::Result;
use crate::codec::{Decode, Encode, Reader, Writer};

/// Acknowledge (`ACK`): the server's answer to a [`Hello`](super::Hello)
/// (OPC 10000-6 §7.1.2.4, Table 75).
///
/// [`Encode`] and [`Decode`] cover the body only; use
/// [`UacpMessage`](super::UacpMessage) for a whole frame. The rules that tie
/// the values to the Hello are checked by
/// [`check_acknowledge`](super::check_acknowledge), not while decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledge {
    /// The UACP version the server will use; at most the Hello's.
    pub protocol_version: u32,
    /// The largest MessageChunk the server can receive, in bytes; at most the
    /// Hello's SendBufferSize.
    pub receive_buffer_size: u32,
    /// The largest MessageChunk the server will send, in bytes; at most the
    /// Hello's ReceiveBufferSize.
    pub send_buffer_size: u32,
    /// The largest request message body the server accepts, in bytes;
    /// 0 means no limit.
    pub max_message_size: u32,
    /// The most chunks a request message may have; 0 means no limit.
    pub max_chunk_count: u32,
}

impl Encode for Acknowledge {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.protocol_version);
        w.write_u32(self.receive_buffer_size);
        w.write_u32(self.send_buffer_size);
        w.write_u32(self.max_message_size);
        w.write_u32(self.max_chunk_count);
        Ok(())
    }
}

impl<'a> Decode<'a> for Acknowledge {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Acknowledge {
            protocol_version: r.read_u32()?,
            receive_buffer_size: r.read_u32()?,
            send_buffer_size: r.read_u32()?,
            max_message_size: r.read_u32()?,
            max_chunk_count: r.read_u32()?,
        })
    }
}
