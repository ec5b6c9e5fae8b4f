//! What a security policy is, as data (OPC 10000-7; the table in
//! OPC 10000-6 §6.7.5 and the policy profiles).

use super::{AsymmetricEncryption, AsymmetricSignature};
use crate::key::KeyKind;

/// The fixed parameters of a security policy: what the chunk codec and the
/// channel need to know about it, whoever implements its algorithms.
///
/// A policy defined outside this crate fills one in and returns it from
/// [`SecurityPolicy::descriptor`](super::SecurityPolicy::descriptor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyDescriptor {
    /// Short name, e.g. `Basic256Sha256`.
    pub name: &'static str,
    /// The SecurityPolicyUri.
    pub uri: &'static str,
    /// How OPN chunks are encrypted; `None` when they are not (policy None,
    /// and the ECC policies, which agree on keys instead).
    pub asymmetric_encryption: Option<AsymmetricEncryption>,
    /// How OPN chunks are signed; `None` for SecurityPolicy None.
    pub asymmetric_signature: Option<AsymmetricSignature>,
    /// DerivedSignatureKeyLength, in bytes (0 for AEAD policies).
    pub signing_key_len: usize,
    /// EncryptionKeyLength, in bytes.
    pub encrypting_key_len: usize,
    /// InitializationVector length, in bytes.
    pub iv_len: usize,
    /// Length of a symmetric signature or AEAD tag, in bytes.
    pub signature_len: usize,
    /// SecureChannelNonceLength, in bytes (for ECC policies, the length of
    /// an ephemeral public key).
    pub nonce_len: usize,
    /// The key an application instance certificate needs for this policy:
    /// the curve of an ECC policy (OPC 10000-7: each ECC policy names one
    /// curve, and a certificate on another is
    /// `BadCertificatePolicyCheckFailed`), or for the RSA policies the RSA
    /// size to generate (any size within the bounds below is accepted);
    /// `None` for SecurityPolicy None.
    pub certificate_key: Option<KeyKind>,
    /// Smallest asymmetric key, in bits.
    pub min_asymmetric_key_bits: u32,
    /// Largest asymmetric key, in bits.
    pub max_asymmetric_key_bits: u32,
    /// LegacySequenceNumbers (OPC 10000-6 §6.7.2.4).
    pub legacy_sequence_numbers: bool,
    /// Whether MSG and CLO chunks use an AEAD cipher: no padding, a tag as
    /// the footer, a nonce per chunk (OPC 10000-6 §6.7.2.5.2).
    pub aead: bool,
    /// SecureChannelEnhancements (OPC 10000-6 §6.8).
    pub secure_channel_enhancements: bool,
    /// Whether the policy is deprecated and known to be attackable.
    pub deprecated: bool,
}

impl PolicyDescriptor {
    /// Bytes of key material derived per direction: signing key, encrypting
    /// key and IV.
    pub const fn key_material_len(&self) -> usize {
        self.signing_key_len + self.encrypting_key_len + self.iv_len
    }

    /// The kind of key a certificate for this policy must have (see
    /// [`certificate_key`](Self::certificate_key)): what to pass to
    /// [`PrivateKey::generate`](crate::key::PrivateKey::generate) to make
    /// an identity for the policy, or to pick the identity that matches it.
    pub const fn certificate_key_kind(&self) -> Option<KeyKind> {
        self.certificate_key
    }

    /// Whether this is SecurityPolicy None: no keys and no signatures.
    pub const fn is_none(&self) -> bool {
        self.asymmetric_signature.is_none()
    }

    /// Whether this is an ECC policy: its OPN chunks are signed with ECDSA
    /// or EdDSA. A side that intends to use one may announce buffers down
    /// to 1024 bytes (OPC 10000-6 §7.1.2.3 Table 69).
    pub const fn is_ecc(&self) -> bool {
        matches!(
            self.asymmetric_signature,
            Some(
                AsymmetricSignature::EcdsaSha256
                    | AsymmetricSignature::EcdsaSha384
                    | AsymmetricSignature::Ed25519
                    | AsymmetricSignature::Ed448
            )
        )
    }
}
