//! The service messages the secure channel itself exchanges
//! (OPC 10000-4 §5.5, OPC 10000-6 §6.7.4), and the discovery services a
//! client may call on a channel before any session (OPC 10000-4 §5.4:
//! FindServers, GetEndpoints).
//!
//! In a chunk, a message body is the NodeId of its DataTypeEncoding followed
//! by the encoded structure. [`encode_message`] and [`decode_message`] write
//! and check that NodeId.

mod close_secure_channel;
mod discovery;
mod enums;
mod open_secure_channel;
mod service_fault;

pub use close_secure_channel::CloseSecureChannelRequest;
pub use discovery::{
    ApplicationDescription, ApplicationType, EndpointDescription, FindServersRequest,
    FindServersResponse, GetEndpointsRequest, GetEndpointsResponse, TRANSPORT_PROFILE_UATCP,
    UserTokenPolicy, UserTokenType,
};
pub use enums::{MessageSecurityMode, SecurityTokenRequestType};
pub use open_secure_channel::{
    ChannelSecurityToken, OpenSecureChannelRequest, OpenSecureChannelResponse,
};
pub use service_fault::ServiceFault;

use crate::codec::{Decode, Encode, NodeId, Reader, Writer};
use crate::{Error, Result};

/// A structure that travels as a message body, identified by the numeric id
/// (namespace 0) of its `DefaultBinary` encoding.
pub trait Message: Encode + for<'a> Decode<'a> {
    /// The NodeId of the `DefaultBinary` encoding, e.g. 446.
    const TYPE_ID: u32;
}

/// Writes the type id of `M` followed by `message`.
pub fn encode_message<M: Message>(message: &M, w: &mut Writer<'_>) -> Result<()> {
    NodeId::numeric(0, M::TYPE_ID).encode(w)?;
    message.encode(w)
}

/// Reads a type id, checks that it is `M`'s, then reads `M`. A different type
/// id is a decoding error.
pub fn decode_message<M: Message>(r: &mut Reader<'_>) -> Result<M> {
    let type_id = NodeId::decode(r)?;
    if type_id.as_ns0_numeric() != Some(M::TYPE_ID) {
        return Err(Error::Decoding("unexpected message type id"));
    }
    M::decode(r)
}

/// Reads the type id that starts a message body without consuming anything.
pub fn peek_type_id(body: &[u8]) -> Result<NodeId> {
    NodeId::decode(&mut Reader::new(body))
}
