//! The Hello message (OPC 10000-6 §7.1.2.3, Table 69).

use super::strings::{check_url, read_url, write_url};
use crate::Result;
use crate::codec::{Decode, Encode, Reader, UaString, Writer};

/// Hello (`HEL`): the first message a client sends on a new connection
/// (OPC 10000-6 §7.1.2.3, Table 69).
///
/// [`Encode`] and [`Decode`] cover the body only; use
/// [`UacpMessage`](super::UacpMessage) for a whole frame.
///
/// Decoding rejects an EndpointUrl of 4096 bytes or more with
/// [`Error::TcpEndpointUrlInvalid`](crate::Error::TcpEndpointUrlInvalid), and
/// encoding refuses to write one. The buffer sizes are not checked here;
/// [`acknowledge`](super::acknowledge) does that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The latest UACP version the client supports (currently 0).
    pub protocol_version: u32,
    /// The largest MessageChunk the client can receive, in bytes (at least
    /// 8192, or 1024 when an ECC policy is intended).
    pub receive_buffer_size: u32,
    /// The largest MessageChunk the client will send, in bytes (same
    /// minimum).
    pub send_buffer_size: u32,
    /// The largest response message body the client accepts, in bytes;
    /// 0 means no limit.
    pub max_message_size: u32,
    /// The most chunks a response message may have; 0 means no limit.
    pub max_chunk_count: u32,
    /// The URL of the endpoint the client wants to connect to; fewer than
    /// 4096 bytes.
    pub endpoint_url: UaString,
}

impl Encode for Hello {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        // Refuse before anything is written.
        check_url(&self.endpoint_url)?;
        w.write_u32(self.protocol_version);
        w.write_u32(self.receive_buffer_size);
        w.write_u32(self.send_buffer_size);
        w.write_u32(self.max_message_size);
        w.write_u32(self.max_chunk_count);
        write_url(w, &self.endpoint_url)
    }
}

impl<'a> Decode<'a> for Hello {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Hello {
            protocol_version: r.read_u32()?,
            receive_buffer_size: r.read_u32()?,
            send_buffer_size: r.read_u32()?,
            max_message_size: r.read_u32()?,
            max_chunk_count: r.read_u32()?,
            endpoint_url: read_url(r, "Hello EndpointUrl")?,
        })
    }
}

/// The largest frame a valid Hello can be: the 8-byte header, five UInt32
/// fields and an EndpointUrl of at most [`MAX_URL_LENGTH`](super::MAX_URL_LENGTH)
/// bytes behind its Int32 length (OPC 10000-6 §7.1.2.3). A server buffers no
/// more than this for a connection before it has acknowledged a Hello.
pub const MAX_HELLO_SIZE: u32 = 8 + 5 * 4 + 4 + super::strings::MAX_URL_LENGTH as u32;
