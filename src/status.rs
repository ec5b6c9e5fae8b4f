//! OPC UA StatusCodes (OPC 10000-4 §7.39, OPC 10000-6 §5.2.2.11).
//!
//! A StatusCode is a `UInt32` on the wire. The top two bits give the severity
//! (`00` Good, `01` Uncertain, `10` Bad), bits 16..28 the sub-code and the low
//! 16 bits carry info flags. The numeric values come from the OPC Foundation's
//! `StatusCode.csv`.

use core::fmt;

/// An OPC UA StatusCode.
///
/// ```
/// use uasc::StatusCode;
/// assert_eq!(StatusCode::BAD_SECURITY_CHECKS_FAILED.bits(), 0x8013_0000);
/// assert_eq!(StatusCode::BAD_SECURITY_CHECKS_FAILED.name(), Some("BadSecurityChecksFailed"));
/// assert_eq!(StatusCode::BAD_SECURITY_CHECKS_FAILED.to_string(), "BadSecurityChecksFailed");
/// assert!(StatusCode::GOOD.is_good());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct StatusCode(u32);

macro_rules! status_codes {
    ($($(#[$doc:meta])* $konst:ident = $value:literal, $name:literal;)*) => {
        impl StatusCode {
            $($(#[$doc])* pub const $konst: StatusCode = StatusCode($value);)*

            /// Every named code this crate knows, in declaration order.
            pub const ALL: &'static [StatusCode] = &[$(StatusCode::$konst,)*];

            /// The symbolic name of the code, ignoring the info bits; `None` for a
            /// code this crate has no name for.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 & 0xFFFF_0000 {
                    $($value => Some($name),)*
                    _ => None,
                }
            }
        }
    };
}

status_codes! {
    /// The operation succeeded.
    GOOD = 0x0000_0000, "Good";
    /// An unexpected error occurred.
    BAD_UNEXPECTED_ERROR = 0x8001_0000, "BadUnexpectedError";
    /// An internal error occurred as a result of a programming or configuration error.
    BAD_INTERNAL_ERROR = 0x8002_0000, "BadInternalError";
    /// Not enough memory to complete the operation.
    BAD_OUT_OF_MEMORY = 0x8003_0000, "BadOutOfMemory";
    /// Decoding halted because of invalid data in the stream.
    BAD_DECODING_ERROR = 0x8007_0000, "BadDecodingError";
    /// The message encoding/decoding limits imposed by the stack have been exceeded.
    BAD_ENCODING_LIMITS_EXCEEDED = 0x8008_0000, "BadEncodingLimitsExceeded";
    /// The operation timed out.
    BAD_TIMEOUT = 0x800A_0000, "BadTimeout";
    /// The server does not support the requested service.
    BAD_SERVICE_UNSUPPORTED = 0x800B_0000, "BadServiceUnsupported";
    /// The certificate provided as a parameter is not valid.
    BAD_CERTIFICATE_INVALID = 0x8012_0000, "BadCertificateInvalid";
    /// An error occurred verifying security.
    BAD_SECURITY_CHECKS_FAILED = 0x8013_0000, "BadSecurityChecksFailed";
    /// The certificate has expired or is not yet valid.
    BAD_CERTIFICATE_TIME_INVALID = 0x8014_0000, "BadCertificateTimeInvalid";
    /// An issuer certificate has expired or is not yet valid.
    BAD_CERTIFICATE_ISSUER_TIME_INVALID = 0x8015_0000, "BadCertificateIssuerTimeInvalid";
    /// The HostName used to connect to a server does not match a HostName in the certificate.
    BAD_CERTIFICATE_HOST_NAME_INVALID = 0x8016_0000, "BadCertificateHostNameInvalid";
    /// The URI specified in the ApplicationDescription does not match the URI in the certificate.
    BAD_CERTIFICATE_URI_INVALID = 0x8017_0000, "BadCertificateUriInvalid";
    /// The certificate may not be used for the requested operation.
    BAD_CERTIFICATE_USE_NOT_ALLOWED = 0x8018_0000, "BadCertificateUseNotAllowed";
    /// The issuer certificate may not be used for the requested operation.
    BAD_CERTIFICATE_ISSUER_USE_NOT_ALLOWED = 0x8019_0000, "BadCertificateIssuerUseNotAllowed";
    /// The certificate is not trusted.
    BAD_CERTIFICATE_UNTRUSTED = 0x801A_0000, "BadCertificateUntrusted";
    /// It was not possible to determine if the certificate has been revoked.
    BAD_CERTIFICATE_REVOCATION_UNKNOWN = 0x801B_0000, "BadCertificateRevocationUnknown";
    /// It was not possible to determine if the issuer certificate has been revoked.
    BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN = 0x801C_0000, "BadCertificateIssuerRevocationUnknown";
    /// The certificate has been revoked.
    BAD_CERTIFICATE_REVOKED = 0x801D_0000, "BadCertificateRevoked";
    /// The issuer certificate has been revoked.
    BAD_CERTIFICATE_ISSUER_REVOKED = 0x801E_0000, "BadCertificateIssuerRevoked";
    /// User does not have permission to perform the requested operation.
    BAD_USER_ACCESS_DENIED = 0x801F_0000, "BadUserAccessDenied";
    /// The user identity token is not valid.
    BAD_IDENTITY_TOKEN_INVALID = 0x8020_0000, "BadIdentityTokenInvalid";
    /// The user identity token is valid but the server has rejected it.
    BAD_IDENTITY_TOKEN_REJECTED = 0x8021_0000, "BadIdentityTokenRejected";
    /// The specified secure channel is no longer valid.
    BAD_SECURE_CHANNEL_ID_INVALID = 0x8022_0000, "BadSecureChannelIdInvalid";
    /// There is a problem with the configuration.
    BAD_CONFIGURATION_ERROR = 0x8089_0000, "BadConfigurationError";
    /// The timestamp is outside the range allowed by the server.
    BAD_INVALID_TIMESTAMP = 0x8023_0000, "BadInvalidTimestamp";
    /// The nonce does appear to be not a random value or it is not the correct length.
    BAD_NONCE_INVALID = 0x8024_0000, "BadNonceInvalid";
    /// The security token request type is not valid.
    BAD_REQUEST_TYPE_INVALID = 0x8053_0000, "BadRequestTypeInvalid";
    /// The security mode does not meet the requirements set by the server.
    BAD_SECURITY_MODE_REJECTED = 0x8054_0000, "BadSecurityModeRejected";
    /// The security policy does not meet the requirements set by the server.
    BAD_SECURITY_POLICY_REJECTED = 0x8055_0000, "BadSecurityPolicyRejected";
    /// The user token signature is missing or invalid.
    BAD_USER_SIGNATURE_INVALID = 0x8057_0000, "BadUserSignatureInvalid";
    /// The signature generated with the client certificate is missing or invalid.
    BAD_APPLICATION_SIGNATURE_INVALID = 0x8058_0000, "BadApplicationSignatureInvalid";
    /// The server has reached its maximum number of connections.
    BAD_TCP_SERVER_TOO_BUSY = 0x807D_0000, "BadTcpServerTooBusy";
    /// The type of the message specified in the header invalid.
    BAD_TCP_MESSAGE_TYPE_INVALID = 0x807E_0000, "BadTcpMessageTypeInvalid";
    /// The SecureChannelId and/or TokenId are not currently in use.
    BAD_TCP_SECURE_CHANNEL_UNKNOWN = 0x807F_0000, "BadTcpSecureChannelUnknown";
    /// The size of the message chunk specified in the header is too large.
    BAD_TCP_MESSAGE_TOO_LARGE = 0x8080_0000, "BadTcpMessageTooLarge";
    /// There are not enough resources to process the request.
    BAD_TCP_NOT_ENOUGH_RESOURCES = 0x8081_0000, "BadTcpNotEnoughResources";
    /// An internal error occurred.
    BAD_TCP_INTERNAL_ERROR = 0x8082_0000, "BadTcpInternalError";
    /// The server does not recognize the QueryString specified.
    BAD_TCP_ENDPOINT_URL_INVALID = 0x8083_0000, "BadTcpEndpointUrlInvalid";
    /// The request could not be sent because of a network interruption.
    BAD_REQUEST_INTERRUPTED = 0x8084_0000, "BadRequestInterrupted";
    /// Timeout occurred while processing the request.
    BAD_REQUEST_TIMEOUT = 0x8085_0000, "BadRequestTimeout";
    /// The secure channel has been closed.
    BAD_SECURE_CHANNEL_CLOSED = 0x8086_0000, "BadSecureChannelClosed";
    /// The token has expired or is not recognized.
    BAD_SECURE_CHANNEL_TOKEN_UNKNOWN = 0x8087_0000, "BadSecureChannelTokenUnknown";
    /// The sequence number is not valid.
    BAD_SEQUENCE_NUMBER_INVALID = 0x8088_0000, "BadSequenceNumberInvalid";
    /// The network connection has been closed.
    BAD_CONNECTION_CLOSED = 0x80AE_0000, "BadConnectionClosed";
    /// The operation could not be finished because all available connections are in use.
    BAD_MAX_CONNECTIONS_REACHED = 0x80B7_0000, "BadMaxConnectionsReached";
    /// The request message size exceeds limits set by the server.
    BAD_REQUEST_TOO_LARGE = 0x80B8_0000, "BadRequestTooLarge";
    /// The response message size exceeds limits set by the client.
    BAD_RESPONSE_TOO_LARGE = 0x80B9_0000, "BadResponseTooLarge";
    /// The applications do not have compatible protocol versions.
    BAD_PROTOCOL_VERSION_UNSUPPORTED = 0x80BE_0000, "BadProtocolVersionUnsupported";
    /// The server has reached its maximum number of sessions or connections.
    BAD_SERVER_TOO_BUSY = 0x80EE_0000, "BadServerTooBusy";
    /// The certificate chain is incomplete.
    BAD_CERTIFICATE_CHAIN_INCOMPLETE = 0x810D_0000, "BadCertificateChainIncomplete";
    /// The certificate does not meet the requirements of the security policy.
    BAD_CERTIFICATE_POLICY_CHECK_FAILED = 0x8114_0000, "BadCertificatePolicyCheckFailed";
}

impl StatusCode {
    /// Wraps a raw wire value.
    pub const fn from_bits(bits: u32) -> Self {
        StatusCode(bits)
    }

    /// The raw wire value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Severity Good (top two bits `00`).
    pub const fn is_good(self) -> bool {
        self.0 >> 30 == 0
    }

    /// Severity Uncertain (top two bits `01`).
    pub const fn is_uncertain(self) -> bool {
        self.0 >> 30 == 1
    }

    /// Severity Bad (top bit set).
    pub const fn is_bad(self) -> bool {
        self.0 >> 31 == 1
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) if self.0 & 0xFFFF == 0 => f.write_str(name),
            Some(name) => write!(f, "{name} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusCode({self})")
    }
}

impl From<u32> for StatusCode {
    fn from(bits: u32) -> Self {
        StatusCode(bits)
    }
}

impl From<StatusCode> for u32 {
    fn from(code: StatusCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_values_match_their_names() {
        for (i, a) in StatusCode::ALL.iter().enumerate() {
            for b in &StatusCode::ALL[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(a.name(), b.name());
            }
            assert_eq!(a.to_string(), a.name().unwrap_or_default());
        }
        assert_eq!(StatusCode::BAD_TCP_MESSAGE_TOO_LARGE.bits(), 0x8080_0000);
        assert_eq!(
            StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED.bits(),
            0x8114_0000
        );
    }

    #[test]
    fn display_of_unknown_and_flagged_codes() {
        assert_eq!(StatusCode::from_bits(0x80FF_0000).to_string(), "0x80FF0000");
        assert_eq!(
            StatusCode::from_bits(0x8013_0400).to_string(),
            "BadSecurityChecksFailed (0x80130400)"
        );
        assert!(StatusCode::from_bits(0x4000_0000).is_uncertain());
        assert!(StatusCode::BAD_TIMEOUT.is_bad());
    }
}
