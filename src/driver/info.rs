//! What a session layer needs to know about an open channel.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;

use super::connection::Endpoint;
use crate::messages::MessageSecurityMode;
use crate::policy::SecurityPolicy;
use crate::uacp::Negotiated;

/// An open channel as it was when it opened: who the peer is and how the
/// channel is secured. The certificates do not change over renewals.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// The SecureChannelId.
    pub channel_id: u32,
    /// The security policy in use.
    pub policy: Option<Arc<dyn SecurityPolicy>>,
    /// The security mode in use.
    pub mode: MessageSecurityMode,
    /// The peer's certificate chain as received (DER, leaf first); `None`
    /// with policy None. A server's CreateSession checks the client
    /// certificate it is given against this one.
    pub peer_certificate: Option<Bytes>,
    /// Our certificate chain as sent; `None` with policy None.
    pub own_certificate: Option<Bytes>,
    /// The buffer sizes and message limits both sides agreed on.
    pub negotiated: Option<Negotiated>,
    /// The peer's socket address.
    pub peer_addr: SocketAddr,
    /// Our socket address.
    pub local_addr: SocketAddr,
}

impl ChannelInfo {
    pub(crate) fn of<E: Endpoint>(
        channel: &E,
        peer_addr: SocketAddr,
        local_addr: SocketAddr,
    ) -> Self {
        ChannelInfo {
            channel_id: channel.channel_id(),
            policy: channel.policy().cloned(),
            mode: channel.mode(),
            peer_certificate: channel.peer_certificate().map(Bytes::copy_from_slice),
            own_certificate: channel.own_certificate().map(Bytes::copy_from_slice),
            negotiated: channel.negotiated(),
            peer_addr,
            local_addr,
        }
    }

    /// The SecurityPolicyUri in use (`None` before a policy was chosen).
    pub fn policy_uri(&self) -> Option<&'static str> {
        self.policy.as_ref().map(|p| p.descriptor().uri)
    }
}
