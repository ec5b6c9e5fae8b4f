//! The crate's error type and its mapping to OPC UA StatusCodes.

use crate::StatusCode;

/// Everything that can go wrong in this crate.
///
/// Every variant maps to one OPC UA [`StatusCode`] through
/// [`Error::status_code`]; that is the code an ERR message or an abort chunk
/// carries when the error ends a connection or a message. The `&'static str`
/// payloads name what was being decoded or checked; they never contain bytes
/// received from the peer. The one payload that does is the `reason` of
/// [`Error::Peer`], the peer's own words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not form a valid encoding: truncated input, a length
    /// below −1, an unknown encoding byte, invalid UTF-8, trailing bytes.
    #[error("decoding error: {0}")]
    Decoding(&'static str),
    /// A string, array, certificate or nesting depth exceeds a configured
    /// limit, or a value is too large to be encoded.
    #[error("encoding limits exceeded: {0}")]
    EncodingLimitsExceeded(&'static str),
    /// The message header names an unknown message type or chunk type, or a
    /// message arrived that is not allowed at this point.
    #[error("invalid message type: {0}")]
    TcpMessageTypeInvalid(&'static str),
    /// A MessageSize exceeds the negotiated receive buffer size.
    #[error("message of {size} bytes exceeds the limit of {limit} bytes")]
    TcpMessageTooLarge {
        /// The size the header announced.
        size: u32,
        /// The largest size accepted.
        limit: u32,
    },
    /// An EndpointUrl or ServerUri of 4096 bytes or more (OPC 10000-6 §7.1.2.3).
    #[error("endpoint URL or server URI of {0} bytes is too long")]
    TcpEndpointUrlInvalid(usize),
    /// Buffer sizes in a Hello or Acknowledge break the rules of
    /// OPC 10000-6 §7.1.2.3/§7.1.2.4 (below the minimum, or an Acknowledge
    /// that grants more than the Hello offered).
    #[error("buffer size {value} not allowed for {field}")]
    TcpBufferSizeInvalid {
        /// The field that broke the rule.
        field: &'static str,
        /// Its value.
        value: u32,
    },
    /// The peer's protocol version cannot be used.
    #[error("protocol version {0} not supported")]
    ProtocolVersionUnsupported(u32),
    /// Any failure of decryption, signature or padding checks. Deliberately
    /// carries no detail.
    #[error("security checks failed")]
    SecurityChecksFailed,
    /// A message to send is larger than the peer accepts (its MaxMessageSize,
    /// or more chunks than its MaxChunkCount): `BadRequestTooLarge` for a
    /// client's request, `BadResponseTooLarge` for a server's response.
    #[error("message of {size} bytes in {chunks} chunks exceeds the peer's limits")]
    MessageTooLarge {
        /// Whether the message is a response (server) or a request (client).
        response: bool,
        /// The body's size in bytes.
        size: usize,
        /// How many chunks it needs.
        chunks: usize,
    },
    /// A nonce has the wrong length for the policy, or is not a valid
    /// ephemeral key (OPC 10000-6 §6.7.4).
    #[error("invalid nonce")]
    NonceInvalid,
    /// A certificate's key does not fit the security policy (algorithm or
    /// key size).
    #[error("certificate does not fit the security policy: {0}")]
    CertificatePolicyCheckFailed(&'static str),
    /// A sequence number does not follow the previous one
    /// (OPC 10000-6 §6.7.2.4).
    #[error("sequence number invalid")]
    SequenceNumberInvalid,
    /// A chunk names a TokenId that is unknown or expired
    /// (OPC 10000-6 §6.7.6).
    #[error("security token unknown")]
    SecureChannelTokenUnknown,
    /// A chunk names another SecureChannelId than the channel's.
    #[error("secure channel unknown")]
    TcpSecureChannelUnknown,
    /// The requested MessageSecurityMode is not accepted by the endpoint.
    #[error("security mode rejected")]
    SecurityModeRejected,
    /// The requested SecurityPolicyUri is not accepted by the endpoint.
    #[error("security policy rejected")]
    SecurityPolicyRejected,
    /// An OpenSecureChannel request type that is not allowed now (Renew
    /// before Issue, Issue twice).
    #[error("request type invalid")]
    RequestTypeInvalid,
    /// A resource limit shared by several channels is used up.
    #[error("not enough resources: {0}")]
    TcpNotEnoughResources(&'static str),
    /// The peer did not answer in time, or a token expired unrenewed.
    #[error("timeout: {0}")]
    Timeout(&'static str),
    /// The channel is closed; nothing more can be sent on it.
    #[error("secure channel closed")]
    SecureChannelClosed,
    /// A certificate was refused; the StatusCode says why (one of the
    /// `BadCertificate…` codes of OPC 10000-4 §6.1.3).
    #[error("certificate refused: {0}")]
    Certificate(StatusCode),
    /// An EncryptedSecret or a legacy encrypted secret cannot be opened
    /// (OPC 10000-4 §7.41, §7.40.2.2): wrong type, policy or receiver,
    /// a refused algorithm, or any failure of decryption, signature, HMAC,
    /// padding, length or nonce checks. Deliberately carries no detail, so
    /// that no step of the decryption can be told from another.
    #[error("identity token invalid")]
    IdentityTokenInvalid,
    /// An EccEncryptedSecret names a receiver ephemeral key that is not (or
    /// no longer) among the server's ephemeral keys (OPC 10000-4 §7.41.2.5):
    /// the key rotated out, and the client must fetch the current
    /// EphemeralKey. Reported only after the sender's signature verified.
    #[error("ephemeral key unknown or expired")]
    EphemeralKeyUnknown,
    /// A configuration breaks a rule: the text names which.
    #[error("invalid configuration: {0}")]
    Configuration(&'static str),
    /// The SecureChannelId in an OpenSecureChannel response is not the one
    /// the channel has, or its header and its ChannelSecurityToken name
    /// different channels.
    #[error("secure channel id invalid")]
    SecureChannelIdInvalid,
    /// The peer closed the connection (TCP end of stream) without an
    /// orderly CloseSecureChannel.
    #[error("connection closed by the peer")]
    ConnectionClosed,
    /// The server has no room for another connection (its connection
    /// limit or its shared receive budget is used up).
    #[error("server too busy")]
    TcpServerTooBusy,
    /// The peer reported an error: an ERR message (OPC 10000-6 §7.1.2.5),
    /// or a ServiceFault or Bad ServiceResult in answer to
    /// OpenSecureChannel.
    #[error("peer reported {code}{}", if reason.is_empty() { String::new() } else { format!(": {reason:?}") })]
    Peer {
        /// The StatusCode the peer sent.
        code: StatusCode,
        /// The Reason of its ERR message, as sent (at most 4096 bytes; empty
        /// when there was none). Text from the peer: it is printed quoted
        /// and escaped by `Display`.
        reason: String,
    },
}

impl Error {
    /// The OPC UA StatusCode for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Error::Decoding(_) => StatusCode::BAD_DECODING_ERROR,
            Error::EncodingLimitsExceeded(_) => StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            Error::TcpMessageTypeInvalid(_) => StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
            Error::TcpMessageTooLarge { .. } => StatusCode::BAD_TCP_MESSAGE_TOO_LARGE,
            Error::TcpEndpointUrlInvalid(_) => StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
            Error::TcpBufferSizeInvalid { .. } => StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES,
            Error::ProtocolVersionUnsupported(_) => StatusCode::BAD_PROTOCOL_VERSION_UNSUPPORTED,
            Error::SecurityChecksFailed => StatusCode::BAD_SECURITY_CHECKS_FAILED,
            Error::MessageTooLarge {
                response: false, ..
            } => StatusCode::BAD_REQUEST_TOO_LARGE,
            Error::MessageTooLarge { response: true, .. } => StatusCode::BAD_RESPONSE_TOO_LARGE,
            Error::NonceInvalid => StatusCode::BAD_NONCE_INVALID,
            Error::CertificatePolicyCheckFailed(_) => {
                StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED
            }
            Error::SequenceNumberInvalid => StatusCode::BAD_SEQUENCE_NUMBER_INVALID,
            Error::SecureChannelTokenUnknown => StatusCode::BAD_SECURE_CHANNEL_TOKEN_UNKNOWN,
            Error::TcpSecureChannelUnknown => StatusCode::BAD_TCP_SECURE_CHANNEL_UNKNOWN,
            Error::SecurityModeRejected => StatusCode::BAD_SECURITY_MODE_REJECTED,
            Error::SecurityPolicyRejected => StatusCode::BAD_SECURITY_POLICY_REJECTED,
            Error::RequestTypeInvalid => StatusCode::BAD_REQUEST_TYPE_INVALID,
            Error::TcpNotEnoughResources(_) => StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES,
            Error::Timeout(_) => StatusCode::BAD_TIMEOUT,
            Error::SecureChannelClosed => StatusCode::BAD_SECURE_CHANNEL_CLOSED,
            Error::Certificate(code) => *code,
            Error::IdentityTokenInvalid | Error::EphemeralKeyUnknown => {
                StatusCode::BAD_IDENTITY_TOKEN_INVALID
            }
            Error::Configuration(_) => StatusCode::BAD_CONFIGURATION_ERROR,
            Error::SecureChannelIdInvalid => StatusCode::BAD_SECURE_CHANNEL_ID_INVALID,
            Error::ConnectionClosed => StatusCode::BAD_CONNECTION_CLOSED,
            Error::TcpServerTooBusy => StatusCode::BAD_TCP_SERVER_TOO_BUSY,
            Error::Peer { code, .. } => *code,
        }
    }
}

impl From<Error> for StatusCode {
    fn from(e: Error) -> Self {
        e.status_code()
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
