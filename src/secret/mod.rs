//! Secrets for the server: passwords and issued tokens encrypted for it
//! (OPC 10000-4 §7.41 EncryptedSecret, §7.40.2.2 the legacy format), and
//! the ephemeral keys it publishes for ECC secrets (OPC 10000-4 §7.15.4).
//!
//! * [`RsaEncryptedSecret`] (§7.41.2.4): fresh AES and HMAC keys,
//!   RSA-encrypted for the server's certificate; the payload AES-CBC
//!   encrypted, then HMAC'd (encrypt-then-MAC). Both the specified KeyData
//!   layout and the one UA-.NETStandard writes are read
//!   ([`RsaSecretForm`]).
//! * [`EccEncryptedSecret`] (§7.41.2.5) for every policy that agrees keys
//!   from ephemeral key pairs ([`EccSecretPolicy`]: the twenty ECC and
//!   RSA_DH policies): (EC)DH between the sender's ephemeral key and the
//!   server's (ffdhe3072 for RSA_DH), HKDF with the SecretSalt of
//!   OPC 10000-6 §6.8.3, AES-CBC for the four non-AEAD policies and the
//!   policy's own AEAD cipher for the others, and the sender's ECDSA, EdDSA
//!   or (RSA_DH) RSA-PKCS#1 v1.5-SHA256 signature, checked before
//!   decrypting.
//! * [`encrypt_legacy_secret`] and [`decrypt_legacy_secret`]: the format
//!   before EncryptedSecret, RSA-OAEP only unless the `legacy-policies`
//!   feature admits `rsa-1_5`.
//! * [`EphemeralKeyRing`]: a server's rotating ephemeral keys, driven by the
//!   caller's clock, and the signed [`EphemeralKeyType`] it publishes.
//!
//! The payloads of both EncryptedSecret kinds are padded as OPC 10000-4
//! §7.41.2.3 says: to whole 16-byte blocks (for the AEAD ciphers too),
//! plus one block when the secret and
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
//! ## EccEncryptedSecret compared with open62541
//!
//! open62541 (`src/util/ua_encryptedsecret.c`, with the key derivation of
//! `plugins/crypto/openssl/securitypolicy_openssl_common.c`) differs from
//! this module in these points; this module follows OPC 10000-4 §7.41 and
//! OPC 10000-6 §6.8.3 in each:
//!
//! * **Length.** open62541 writes the length of the whole secret, TypeId to
//!   Signature, and does not check the field when reading; §7.41.2.3 (and
//!   this module when writing) counts the bytes after the field. This module
//!   reads both, since the field is signed either way.
//! * **Padding.** open62541 pads with `16 − (n mod 16)` bytes (a whole block
//!   when `n` is aligned) and adds no block for short secrets; this module
//!   uses the formula of §7.41.2.3 (0 when aligned, one more block when
//!   secret and padding are shorter than a block). Each side reads the
//!   other's: this module accepts any padding whose bytes and count agree
//!   with PayloadPaddingSize, and open62541 checks only the bytes' values.
//! * **Padding check.** open62541 checks each padding byte but not that
//!   their number equals PayloadPaddingSize; this module checks both.
//! * **Nonce.** open62541 compares the Nonce with the session's ServerNonce
//!   inside decryption, with a variable-time comparison; this module returns
//!   the Nonce and compares it in constant time in
//!   [`DecryptedSecret::check_nonce`].
//! * **Errors.** open62541 answers `BadSecurityChecksFailed` or
//!   `BadIdentityTokenInvalid` depending on the failed step (and logs the
//!   step); this module gives one code for every step.
//! * **Key checks.** Both check KeyDataLength against the two ByteStrings;
//!   this module also requires each key to be a point of the policy's curve
//!   of exactly the curve's length.
//! * **Sender ephemeral key.** open62541 makes it with the channel's nonce
//!   generator and keeps the private key in the channel context; this module
//!   makes a fresh key per secret and consumes it.
//! * **Key derivation.** open62541 derives through the policy's channel key
//!   derivation, flagged by marker bytes in the output buffer. The copy of
//!   `UA_OpenSSL_ECC_DeriveKeys` that was compared picks the
//!   `opcua-client`/`opcua-server` labels of §6.8.1 by which key is the local
//!   one; whether and where it switches to `opcua-secret` with `Sender ‖
//!   Receiver` order was not confirmed. This module uses `L ‖ "opcua-secret"
//!   ‖ SenderPublicKey ‖ ReceiverPublicKey` as salt and info (§6.8.3), which
//!   the independent vectors in `tests/secret_vectors` also use.
//! * The same in both: TypeId `i=17546`, EncodingMask 1, the sender's
//!   certificate in Certificate, KeyData as two ByteStrings, AES-CBC with the
//!   derived IV, a raw `r ‖ s` ECDSA signature over everything before it,
//!   verified before anything is decrypted.
//!
//! ## The AEAD and RSA_DH policies
//!
//! open62541 makes EccEncryptedSecrets only for the policies it has. For
//! the others this module follows UA-.NETStandard's `EncryptedSecret.cs`
//! (the reading is described at [`EccEncryptedSecret`]):
//!
//! * the same SecretSalt, `L ‖ "opcua-secret" ‖ SenderPublicKey ‖
//!   ReceiverPublicKey`, with `L = EncryptingKey + IV` length (28 for
//!   AES-128-GCM, 44 for AES-256-GCM and ChaCha20-Poly1305) and the
//!   policy's HKDF hash;
//! * the payload sealed with the policy's AEAD cipher, the IV as nonce,
//!   the header as additional data, the tag between PayloadPaddingSize and
//!   the signature;
//! * RSA_DH_AesGcm and RSA_DH_ChaChaPoly use EccEncryptedSecret too (OPC
//!   10000-4 calls the structure so for every key-agreement policy): 384-byte
//!   ffdhe3072 public values in KeyData (KeyDataLength 776), the 384-byte
//!   shared secret as HKDF input, and an RSA-PKCS#1 v1.5-SHA256 signature
//!   by the sender's RSA certificate key.
//!
//! [`Error::IdentityTokenInvalid`]: crate::Error::IdentityTokenInvalid
//! [`Error::EphemeralKeyUnknown`]: crate::Error::EphemeralKeyUnknown

mod decrypted;
mod ecc_secret;
mod ephemeral;
mod ephemeral_key_type;
mod key_ring;
mod legacy;
mod payload;
mod rsa_secret;
mod secret_policy;

pub use decrypted::DecryptedSecret;
pub use ecc_secret::{ECC_ENCRYPTED_SECRET_TYPE_ID, EccEncryptedSecret, EccSender};
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
pub use secret_policy::EccSecretPolicy;

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
