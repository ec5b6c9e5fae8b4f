//! The Error message (OPC 10000-6 §7.1.2.5, Table 76).

use super::strings::{check_reason, read_reason};
use crate::codec::{Decode, Encode, Reader, UaString, Writer};
use crate::{Error, Result, StatusCode};

/// Error (`ERR`): sent by either side just before it closes the connection
/// because of a fatal error (OPC 10000-6 §7.1.2.5, Table 76).
///
/// [`Encode`] and [`Decode`] cover the body only; use
/// [`UacpMessage`](super::UacpMessage) for a whole frame. A Reason longer
/// than [`MAX_REASON_LENGTH`](super::MAX_REASON_LENGTH) (4096 bytes) is
/// [`Error::EncodingLimitsExceeded`] when encoding; when decoding, it (like
/// a Reason that is not UTF-8) is ignored and decodes as null, so that the
/// Error code still arrives (OPC 10000-6 §7.1.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMessage {
    /// Why the connection is closed (one of the codes of OPC 10000-6 §7.1.5).
    pub error: StatusCode,
    /// A human-readable explanation; at most 4096 bytes.
    pub reason: UaString,
}

impl ErrorMessage {
    /// The ERR message that reports `e` to the peer: its
    /// [`status_code`](Error::status_code) and its text as the Reason. The
    /// text never contains bytes received from the peer.
    pub fn from_error(e: &Error) -> Self {
        ErrorMessage {
            error: e.status_code(),
            reason: UaString::from(e.to_string()),
        }
    }

    /// The [`Error::Peer`] a receiver of this message reports, with the
    /// Reason as sent (empty when null).
    pub fn to_error(&self) -> Error {
        Error::Peer {
            code: self.error,
            reason: self.reason.as_str().unwrap_or_default().to_owned(),
        }
    }
}

impl Encode for ErrorMessage {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        // Refuse before anything is written.
        check_reason(&self.reason)?;
        self.error.encode(w)?;
        self.reason.encode(w)
    }
}

impl<'a> Decode<'a> for ErrorMessage {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ErrorMessage {
            error: StatusCode::decode(r)?,
            reason: read_reason(r)?,
        })
    }
}
