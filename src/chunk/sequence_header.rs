//! The SequenceHeader (OPC 10000-6 §6.7.2.4).

use crate::Result;
use crate::codec::{Decode, Encode, Reader, Writer};

/// SequenceNumber and RequestId: the first 8 bytes of the (possibly
/// encrypted) part of every chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SequenceHeader {
    /// Incremented by one for every chunk sent in one direction.
    pub sequence_number: u32,
    /// Chosen by the client, echoed by the server; shared by all chunks of a
    /// message.
    pub request_id: u32,
}

impl SequenceHeader {
    /// Encoded length.
    pub const LEN: usize = 8;
}

impl Encode for SequenceHeader {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.sequence_number);
        w.write_u32(self.request_id);
        Ok(())
    }
}

impl<'a> Decode<'a> for SequenceHeader {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(SequenceHeader {
            sequence_number: r.read_u32()?,
            request_id: r.read_u32()?,
        })
    }
}
