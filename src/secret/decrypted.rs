//! What opening an encrypted secret gives (OPC 10000-4 §7.41.2.3).

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::RsaSecretForm;
use crate::codec::DateTime;
use crate::{Error, Result};

/// A secret taken out of an EncryptedSecret (OPC 10000-4 §7.41): the
/// password or token data, and the header fields that came with it.
///
/// The secret is zeroized on drop and `Debug` shows only its length.
pub struct DecryptedSecret {
    pub(crate) policy_uri: String,
    pub(crate) signing_time: DateTime,
    pub(crate) nonce: Vec<u8>,
    pub(crate) secret: Zeroizing<Vec<u8>>,
    pub(crate) rsa_form: Option<RsaSecretForm>,
}

impl fmt::Debug for DecryptedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptedSecret")
            .field("policy_uri", &self.policy_uri)
            .field("signing_time", &self.signing_time)
            .field("nonce_len", &self.nonce.len())
            .field("secret_len", &self.secret.len())
            .field("rsa_form", &self.rsa_form)
            .finish()
    }
}

impl DecryptedSecret {
    /// The secret: a password's UTF-8 bytes or an issued token's data
    /// (the Secret field, OPC 10000-4 §7.41.2.3).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The Nonce field: the last ServerNonce the server sent, or random bytes
    /// (OPC 10000-4 §7.41.2.3).
    pub fn nonce(&self) -> &[u8] {
        &self.nonce
    }

    /// The SecurityPolicyUri the secret was made with.
    pub fn policy_uri(&self) -> &str {
        &self.policy_uri
    }

    /// The SigningTime field.
    pub fn signing_time(&self) -> DateTime {
        self.signing_time
    }

    /// For an RsaEncryptedSecret, which of the two KeyData layouts it had
    /// (OPC 10000-4 §7.41.2.4); `None` for an EccEncryptedSecret.
    pub fn rsa_form(&self) -> Option<RsaSecretForm> {
        self.rsa_form
    }

    /// Checks in constant time that the Nonce is `expected`, the last
    /// ServerNonce this server sent on the session (OPC 10000-4 §7.41.2.3);
    /// `BadIdentityTokenInvalid` otherwise.
    pub fn check_nonce(&self, expected: &[u8]) -> Result<()> {
        if self.nonce.len() == expected.len() && bool::from(self.nonce.ct_eq(expected)) {
            Ok(())
        } else {
            Err(Error::IdentityTokenInvalid)
        }
    }

    /// Takes the secret out, still zeroized on drop.
    pub fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.secret
    }
}
