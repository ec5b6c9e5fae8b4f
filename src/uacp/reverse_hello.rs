//! The ReverseHello message (OPC 10000-6 §7.1.2.6, Table 77).

use super::strings::{check_url, read_url, write_url};
use crate::Result;
use crate::codec::{Decode, Encode, Reader, UaString, Writer};

/// ReverseHello (`RHE`): the first message a server sends on a connection it
/// opened to a client for reverse connect; the client answers with a
/// [`Hello`](super::Hello) (OPC 10000-6 §7.1.2.6, Table 77).
///
/// [`Encode`] and [`Decode`] cover the body only; use
/// [`UacpMessage`](super::UacpMessage) for a whole frame. Both strings must
/// be shorter than 4096 bytes, else
/// [`Error::TcpEndpointUrlInvalid`](crate::Error::TcpEndpointUrlInvalid) in
/// both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReverseHello {
    /// The ApplicationUri of the server; fewer than 4096 bytes.
    pub server_uri: UaString,
    /// The URL of the endpoint the client should use in its Hello; fewer
    /// than 4096 bytes.
    pub endpoint_url: UaString,
}

impl Encode for ReverseHello {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        // Refuse before anything is written.
        check_url(&self.server_uri)?;
        check_url(&self.endpoint_url)?;
        write_url(w, &self.server_uri)?;
        write_url(w, &self.endpoint_url)
    }
}

impl<'a> Decode<'a> for ReverseHello {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ReverseHello {
            server_uri: read_url(r, "ReverseHello ServerUri")?,
            endpoint_url: read_url(r, "ReverseHello EndpointUrl")?,
        })
    }
}
