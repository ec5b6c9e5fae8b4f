//! CloseSecureChannel (OPC 10000-4 §5.5.3, OPC 10000-6 §6.7.4).

use super::Message;
use crate::Result;
use crate::codec::{Decode, Encode, Reader, RequestHeader, Writer};

/// Sent by the client in a CLO chunk; the server closes the channel without
/// a response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloseSecureChannelRequest {
    /// The request header.
    pub request_header: RequestHeader,
}

impl Message for CloseSecureChannelRequest {
    const TYPE_ID: u32 = 452;
}

impl Encode for CloseSecureChannelRequest {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.request_header.encode(w)
    }
}

impl<'a> Decode<'a> for CloseSecureChannelRequest {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(CloseSecureChannelRequest {
            request_header: RequestHeader::decode(r)?,
        })
    }
}
