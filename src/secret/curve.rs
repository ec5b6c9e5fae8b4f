//! The curves of the ECC policies an EccEncryptedSecret is made with
//! (OPC 10000-7 ECC_nistP256 and ECC_nistP384; OPC 10000-6 §6.8).

use zeroize::Zeroizing;

use crate::crypto::{EcdhCurve, HashAlgorithm, default_provider, hkdf};
use crate::policy::AsymmetricSignature;
use crate::{Error, Result};

/// A NIST curve and what its ECC policy derives with it
/// (OPC 10000-4 §7.41.2.5, OPC 10000-6 §6.8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EccCurve {
    /// ECC_nistP256: 64-byte public keys, HKDF-SHA256, AES-128-CBC,
    /// ECDSA-SHA256.
    NistP256,
    /// ECC_nistP384: 96-byte public keys, HKDF-SHA384, AES-256-CBC,
    /// ECDSA-SHA384.
    NistP384,
}

impl EccCurve {
    /// The SecurityPolicyUri of the curve's ECC policy.
    pub const fn policy_uri(self) -> &'static str {
        match self {
            EccCurve::NistP256 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256",
            EccCurve::NistP384 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP384",
        }
    }

    /// The curve whose ECC policy has this SecurityPolicyUri.
    pub fn from_policy_uri(uri: &str) -> Option<Self> {
        [EccCurve::NistP256, EccCurve::NistP384]
            .into_iter()
            .find(|c| c.policy_uri() == uri)
    }

    /// Length of a public key as `X ‖ Y` without a SEC1 tag
    /// (OPC 10000-6 §6.8), in bytes.
    pub const fn public_key_len(self) -> usize {
        self.ecdh().public_key_len()
    }

    /// Length of a private scalar (and of a coordinate), in bytes.
    pub const fn scalar_len(self) -> usize {
        self.ecdh().scalar_len()
    }

    /// EncryptingKey length of the policy's AES-CBC, in bytes.
    pub const fn encrypting_key_len(self) -> usize {
        match self {
            EccCurve::NistP256 => 16,
            EccCurve::NistP384 => 32,
        }
    }

    /// The policy's asymmetric signature: ECDSA with SHA-256 or SHA-384,
    /// as raw `r ‖ s`.
    pub const fn signature(self) -> AsymmetricSignature {
        match self {
            EccCurve::NistP256 => AsymmetricSignature::EcdsaSha256,
            EccCurve::NistP384 => AsymmetricSignature::EcdsaSha384,
        }
    }

    /// The curve of the policy's ephemeral keys.
    pub const fn ecdh(self) -> EcdhCurve {
        match self {
            EccCurve::NistP256 => EcdhCurve::NistP256,
            EccCurve::NistP384 => EcdhCurve::NistP384,
        }
    }

    /// The hash of the policy's HKDF.
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            EccCurve::NistP256 => HashAlgorithm::Sha256,
            EccCurve::NistP384 => HashAlgorithm::Sha384,
        }
    }

    /// `EncryptingKey ‖ InitializationVector` of an EccEncryptedSecret
    /// (OPC 10000-6 §6.8.3): `SecretSalt = L ‖ "opcua-secret" ‖
    /// SenderPublicKey ‖ ReceiverPublicKey` with L the length as UInt16 LE,
    /// and HKDF with SecretSalt as salt and info.
    pub(crate) fn secret_key_material(
        self,
        shared_secret: &[u8],
        sender_public_key: &[u8],
        receiver_public_key: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let len = self.encrypting_key_len() + 16;
        let mut salt = Vec::with_capacity(14 + sender_public_key.len() + receiver_public_key.len());
        salt.extend_from_slice(&(len as u16).to_le_bytes());
        salt.extend_from_slice(b"opcua-secret");
        salt.extend_from_slice(sender_public_key);
        salt.extend_from_slice(receiver_public_key);
        let mut out = Zeroizing::new(vec![0u8; len]);
        hkdf(
            default_provider(),
            self.hash(),
            shared_secret,
            &salt,
            &salt,
            &mut out,
        )
        .map_err(|_| Error::IdentityTokenInvalid)?;
        Ok(out)
    }
}
