//! What a refused certificate looks like on the wire (OPC 10000-4 §6.1.3,
//! Table 104 and errata 1.04.12).

use crate::StatusCode;

/// The StatusCode to send the peer for a certificate refused with `code`.
///
/// Only `BadCertificateTimeInvalid`, `BadCertificateUseNotAllowed` and
/// `BadCertificateRevocationUnknown` pass unchanged; every other code
/// becomes `BadSecurityChecksFailed`, so the peer learns nothing about the
/// trust lists. The precise code stays with the local application (audit).
pub fn wire_status_code(code: StatusCode) -> StatusCode {
    if code == StatusCode::BAD_CERTIFICATE_TIME_INVALID
        || code == StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED
        || code == StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
    {
        code
    } else {
        StatusCode::BAD_SECURITY_CHECKS_FAILED
    }
}
