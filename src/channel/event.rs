//! What a channel reports to its caller.

use crate::{Error, StatusCode};

/// Something that happened on a channel, taken with `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The channel is open: the first token was issued.
    Opened {
        /// The SecureChannelId the server assigned.
        channel_id: u32,
        /// The first TokenId.
        token_id: u32,
    },
    /// A whole message arrived: a request on a server, a response on a
    /// client.
    Message {
        /// The RequestId its chunks carried.
        request_id: u32,
        /// The message body (the service's encoded NodeId and fields).
        body: Vec<u8>,
    },
    /// The peer aborted a message it had started (OPC 10000-6 §6.7.3); its
    /// partial body was dropped and the channel stays open.
    Aborted {
        /// The message's RequestId.
        request_id: u32,
        /// The StatusCode of the abort chunk.
        code: StatusCode,
    },
    /// A renewal completed: chunks are secured with a new token.
    TokenRenewed {
        /// The new TokenId.
        token_id: u32,
    },
    /// The channel ended; nothing more will be sent or received, and the
    /// caller closes the connection once it has written what
    /// `poll_transmit` still gives.
    Closed {
        /// `None` after an orderly close: ours (`close` with a Good code) or
        /// the client's CloseSecureChannel. Otherwise why it ended, for
        /// example [`Error::Timeout`] (handshake or token),
        /// [`Error::Peer`] (the peer's ERR message),
        /// [`Error::Certificate`] (a refused certificate) or
        /// [`Error::ConnectionClosed`] (the peer hung up).
        error: Option<Error>,
    },
}

impl Event {
    /// For a `Closed` event, the StatusCode it amounts to: `Good` after an
    /// orderly close, else the error's code. `None` for other events.
    pub fn closed_code(&self) -> Option<StatusCode> {
        match self {
            Event::Closed { error } => {
                Some(error.as_ref().map_or(StatusCode::GOOD, Error::status_code))
            }
            _ => None,
        }
    }
}
