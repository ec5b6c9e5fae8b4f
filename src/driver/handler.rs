//! What a server does with the requests its channels receive.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;

use super::ChannelInfo;
use crate::StatusCode;

/// A request that arrived on an open channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request {
    /// The RequestId of its chunks; the response goes out with the same.
    pub request_id: u32,
    /// The request body: the service request's encoded NodeId and fields.
    pub body: Bytes,
    /// The channel it came on: SecureChannelId, policy, mode, the client's
    /// certificate.
    pub channel: Arc<ChannelInfo>,
}

impl Request {
    /// The SecureChannelId of the channel it came on.
    pub fn channel_id(&self) -> u32 {
        self.channel.channel_id
    }
}

/// A handler's answer: the response body, or a StatusCode that the server
/// sends as a ServiceFault echoing the request's RequestHandle.
pub type Response = Result<Bytes, StatusCode>;

/// Answers requests; one handler serves every connection of a
/// [`Server`](super::Server), each request in a task of its own, so that a
/// slow request holds up no other.
///
/// Closures `Fn(Request) -> impl Future<Output = Response>` are handlers.
/// A handler that panics answers `BadInternalError`.
pub trait Handler: Send + Sync + 'static {
    /// The response to `request`.
    fn handle(&self, request: Request) -> impl Future<Output = Response> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send,
{
    fn handle(&self, request: Request) -> impl Future<Output = Response> + Send {
        self(request)
    }
}
