//! Why a private key could not be read, made or used.

use crate::StatusCode;

/// Why a private key could not be read, generated, or paired with a
/// certificate. Carries no key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a private key in a form this crate reads: PKCS#8, PKCS#1 or
    /// SEC1, in DER or PEM.
    #[error("not a PKCS#8, PKCS#1 or SEC1 private key")]
    Malformed,
    /// The key is encrypted (`ENCRYPTED PRIVATE KEY`, or PEM with
    /// `Proc-Type: 4,ENCRYPTED`); this crate reads only plain keys.
    #[error("the private key is encrypted")]
    Encrypted,
    /// A well-formed key of an algorithm or size this crate does not use
    /// (for example brainpool or Ed448 keys, or RSA below 1024 bits).
    #[error("unsupported key algorithm or size")]
    Unsupported,
    /// The key is not the private key of the certificate it was given with.
    #[error("the private key does not belong to the certificate")]
    Mismatch,
}

impl KeyError {
    /// The StatusCode that stands for this error: `BadDecodingError` for a
    /// key that cannot be read, `BadCertificatePolicyCheckFailed` for an
    /// unsupported one, `BadCertificateInvalid` for a key that does not
    /// belong to its certificate.
    pub fn status_code(self) -> StatusCode {
        match self {
            KeyError::Malformed | KeyError::Encrypted => StatusCode::BAD_DECODING_ERROR,
            KeyError::Unsupported => StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
            KeyError::Mismatch => StatusCode::BAD_CERTIFICATE_INVALID,
        }
    }
}
