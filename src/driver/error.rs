//! What can go wrong between the driver and the network.

use std::io;
use std::sync::Arc;

use crate::StatusCode;

/// Why a driver operation failed.
///
/// Every variant maps to one OPC UA [`StatusCode`] through
/// [`status_code`](Self::status_code). The error is `Clone`: when a
/// connection ends, every request waiting on it receives the same error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed: connecting, reading or writing.
    #[error("I/O: {0}")]
    Io(Arc<io::Error>),
    /// The secure channel refused something or ended with this error: the
    /// peer's ERR ([`crate::Error::Peer`]), its hang-up
    /// ([`crate::Error::ConnectionClosed`]), a handshake or token timeout,
    /// a refused certificate, a message over the peer's limits.
    #[error("secure channel: {0}")]
    Channel(crate::Error),
    /// No response came within the request timeout. The channel stays open;
    /// a late response is dropped.
    #[error("no response within the request timeout")]
    Timeout,
    /// The server answered with a ServiceFault (OPC 10000-4 §7.35); `code`
    /// is its ServiceResult.
    #[error("service fault: {code}")]
    ServiceFault {
        /// The ServiceResult of the fault's ResponseHeader.
        code: StatusCode,
    },
    /// The server aborted the response (an abort chunk,
    /// OPC 10000-6 §6.7.3); the channel stays open.
    #[error("response aborted: {code}")]
    Aborted {
        /// The StatusCode of the abort chunk.
        code: StatusCode,
    },
    /// The channel was closed by this side ([`Client::close`]) or the
    /// connection task is gone.
    ///
    /// [`Client::close`]: super::Client::close
    #[error("secure channel closed")]
    Closed,
    /// The URL is not `opc.tcp://host[:port][/path]`.
    #[error("not an opc.tcp URL: {0}")]
    InvalidUrl(String),
}

impl Error {
    /// The OPC UA StatusCode for this error.
    ///
    /// A peer that hangs up is `BadConnectionClosed` whether the socket
    /// reported an orderly end or a reset; a refused or unreachable TCP
    /// connect is `BadConnectionRejected`.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Error::Io(e) => match e.kind() {
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof => StatusCode::BAD_CONNECTION_CLOSED,
                io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable => StatusCode::BAD_CONNECTION_REJECTED,
                _ => StatusCode::BAD_COMMUNICATION_ERROR,
            },
            Error::Channel(e) => e.status_code(),
            Error::Timeout => StatusCode::BAD_TIMEOUT,
            Error::ServiceFault { code } | Error::Aborted { code } => *code,
            Error::Closed => StatusCode::BAD_SECURE_CHANNEL_CLOSED,
            Error::InvalidUrl(_) => StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        Error::Channel(e)
    }
}

impl From<Error> for StatusCode {
    fn from(e: Error) -> Self {
        e.status_code()
    }
}

/// Shorthand for results of the driver.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hang_ups_and_refusals_have_their_codes() {
        let io = |kind| Error::from(io::Error::from(kind)).status_code();
        assert_eq!(
            io(io::ErrorKind::ConnectionReset),
            StatusCode::BAD_CONNECTION_CLOSED
        );
        assert_eq!(
            io(io::ErrorKind::ConnectionRefused),
            StatusCode::BAD_CONNECTION_REJECTED
        );
        assert_eq!(
            io(io::ErrorKind::PermissionDenied),
            StatusCode::BAD_COMMUNICATION_ERROR
        );
        assert_eq!(Error::Timeout.status_code(), StatusCode::BAD_TIMEOUT);
        let fault = Error::ServiceFault {
            code: StatusCode::BAD_SERVICE_UNSUPPORTED,
        };
        assert_eq!(fault.status_code(), StatusCode::BAD_SERVICE_UNSUPPORTED);
        assert_eq!(
            Error::from(crate::Error::SecurityChecksFailed).status_code(),
            StatusCode::BAD_SECURITY_CHECKS_FAILED
        );
    }
}
