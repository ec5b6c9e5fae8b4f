//! ServiceFault (OPC 10000-4 §7.35).

use super::Message;
use crate::Result;
use crate::codec::{Decode, Encode, Reader, ResponseHeader, Writer};

/// The response to any request that failed as a whole; the reason is
/// `response_header.service_result`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceFault {
    /// The response header.
    pub response_header: ResponseHeader,
}

impl Message for ServiceFault {
    const TYPE_ID: u32 = 397;
}

impl Encode for ServiceFault {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.response_header.encode(w)
    }
}

impl<'a> Decode<'a> for ServiceFault {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ServiceFault {
            response_header: ResponseHeader::decode(r)?,
        })
    }
}
