//! Secrets for the server: passwords and issued tokens encrypted for it
//! (OPC 10000-4 §7.41 EncryptedSecret, §7.40.2.2 the legacy format), and
//! the ephemeral keys it publishes for ECC secrets (OPC 10000-4 §7.15.4).
//!
//! * [`RsaEncryptedSecret`] (§7.41.2.4): fresh AES and HMAC keys,
//!   RSA-encrypted for the server's certificate; the payload AES-CBC
//!   encrypted, then HMAC'd (encrypt-then-MAC). Both the specified KeyData
//!   layout and the one UA-.NETStandard writes are read
//!   ([`RsaSecretForm`]).
//! * [`EccEncryptedSecret`] (§7.41.2.5) for ECC_nistP256 and ECC_nistP384
//!   ([`EccCurve`]): ECDH between the sender's ephemeral key and the
//!   server's, HKDF with the SecretSalt of OPC 10000-6 §6.8.3, AES-CBC, and
//!   the sender's ECDSA signature, checked before decrypting.
//! * [`encrypt_legacy_secret`] and [`decrypt_legacy_secret`]: the format
//!   before EncryptedSecret, RSA-OAEP only unless the `legacy-policies`
//!   feature admits `rsa-1_5`.
//! * [`EphemeralKeyRing`]: a server's rotating ECDH keys, driven by the
//!   caller's clock, and the signed [`EphemeralKeyType`] it publishes.
//!
//! The payloads of both EncryptedSecret kinds are padded as OPC 10000-4
//! §7.41.2.3 says: to whole AES blocks, plus one block when the secret and
//! padding would be shorter than a block, so that a short password's length
//! does not show.
//!
//! Opening any of them fails with one error, [`Error::IdentityTokenInvalid`]
//! (`BadIdentityTokenInvalid`, the code a server answers a bad
//! UserIdentityToken with): no step of the decryption can be told from
//! another by the error (OPC 10000-2 §6.3; the padding oracles of
//! Bleichenbacher and Vaudenay). The one exception is
//! [`Error::EphemeralKeyUnknown`], given only once the sender's signature
//! verified, for a secret made for an ephemeral key that rotated out.
//!
//! [`Error::IdentityTokenInvalid`]: crate::Error::IdentityTokenInvalid
//! [`Error::EphemeralKeyUnknown`]: crate::Error::EphemeralKeyUnknown

mod curve;
mod decrypted;
mod ecc_secret;
mod ecdsa_key;
mod ephemeral;
mod ephemeral_key_type;
mod key_ring;
mod legacy;
mod payload;
mod rsa_secret;

pub use curve::EccCurve;
pub use decrypted::DecryptedSecret;
pub use ecc_secret::{ECC_ENCRYPTED_SECRET_TYPE_ID, EccEncryptedSecret, EccSender};
pub use ecdsa_key::{EcdsaPrivateKey, EcdsaPublicKey};
pub use ephemeral::{EphemeralKeyPair, EphemeralKeys};
pub use ephemeral_key_type::{
    EPHEMERAL_KEY_TYPE_ENCODING_ID, EPHEMERAL_KEY_TYPE_ID, EphemeralKeyType,
};
pub use key_ring::{EphemeralKeyRing, ExportedKeyRing, KeyRingConfig};
pub use legacy::{LegacyAlgorithm, RSA_1_5_URI, decrypt_legacy_secret, encrypt_legacy_secret};
pub use payload::MAX_ENCRYPTED_SECRET_LEN;
pub use rsa_secret::{
    RSA_ENCRYPTED_SECRET_TYPE_ID, RsaEncryptedSecret, RsaReceiver, RsaSecretForm,
};

use crate::codec::DateTime;

/// What goes into an EncryptedSecret besides the keys
/// (OPC 10000-4 §7.41.2.3).
#[derive(Clone, Copy)]
pub struct SecretInput<'a> {
    /// The SigningTime field: when the secret was made.
    pub signing_time: DateTime,
    /// The Nonce field: the last ServerNonce of the session, or 32 to 128
    /// random bytes when there is none.
    pub nonce: &'a [u8],
    /// The secret: a password's UTF-8 bytes or an issued token's data.
    pub secret: &'a [u8],
}

impl core::fmt::Debug for SecretInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretInput")
            .field("signing_time", &self.signing_time)
            .field("nonce_len", &self.nonce.len())
            .field("secret_len", &self.secret.len())
            .finish()
    }
}
