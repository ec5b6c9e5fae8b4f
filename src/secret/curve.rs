//! The curves of the ECC policies an EccEncryptedSecret is made with
//! (OPC 10000-7 ECC_nistP256, ECC_nistP384, ECC_brainpoolP256r1,
//! ECC_brainpoolP384r1, ECC_curve25519, ECC_curve448; OPC 10000-6 §6.8).

use zeroize::Zeroizing;

use crate::crypto::{AeadAlgorithm, EcdhCurve, HashAlgorithm, default_provider, hkdf};
use crate::policy::AsymmetricSignature;
use crate::{Error, Result};

/// A curve and what its ECC policy derives with it
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
    /// ECC_brainpoolP256r1: as NistP256 on brainpoolP256r1.
    BrainpoolP256r1,
    /// ECC_brainpoolP384r1: as NistP384 on brainpoolP384r1.
    BrainpoolP384r1,
    /// ECC_curve25519: 32-byte X25519 public keys, HKDF-SHA256,
    /// ChaCha20-Poly1305, Ed25519.
    Curve25519,
    /// ECC_curve448: 56-byte X448 public keys, HKDF-SHA256,
    /// ChaCha20-Poly1305, Ed448.
    Curve448,
}

/// Every curve, in the order of [`EccCurve`].
const ALL: [EccCurve; 6] = [
    EccCurve::NistP256,
    EccCurve::NistP384,
    EccCurve::BrainpoolP256r1,
    EccCurve::BrainpoolP384r1,
    EccCurve::Curve25519,
    EccCurve::Curve448,
];

impl EccCurve {
    /// The SecurityPolicyUri of the curve's ECC policy.
    pub const fn policy_uri(self) -> &'static str {
        match self {
            EccCurve::NistP256 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256",
            EccCurve::NistP384 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP384",
            EccCurve::BrainpoolP256r1 => {
                "http://opcfoundation.org/UA/SecurityPolicy#ECC_brainpoolP256r1"
            }
            EccCurve::BrainpoolP384r1 => {
                "http://opcfoundation.org/UA/SecurityPolicy#ECC_brainpoolP384r1"
            }
            EccCurve::Curve25519 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_curve25519",
            EccCurve::Curve448 => "http://opcfoundation.org/UA/SecurityPolicy#ECC_curve448",
        }
    }

    /// Every curve.
    pub const fn all() -> &'static [EccCurve] {
        &ALL
    }

    /// The curve whose ECC policy has this SecurityPolicyUri.
    pub fn from_policy_uri(uri: &str) -> Option<Self> {
        ALL.into_iter().find(|c| c.policy_uri() == uri)
    }

    /// Length of a public key (OPC 10000-6 §6.8), in bytes: `X ‖ Y`
    /// without a SEC1 tag, or the RFC 7748 u coordinate.
    pub const fn public_key_len(self) -> usize {
        self.ecdh().public_key_len()
    }

    /// Length of a private scalar (and of a coordinate), in bytes.
    pub const fn scalar_len(self) -> usize {
        self.ecdh().scalar_len()
    }

    /// EncryptingKey length of the policy's cipher, in bytes.
    pub const fn encrypting_key_len(self) -> usize {
        match self {
            EccCurve::NistP256 | EccCurve::BrainpoolP256r1 => 16,
            _ => 32,
        }
    }

    /// The AEAD cipher of the payload (ChaCha20-Poly1305 for curve25519
    /// and curve448); `None` for AES-CBC.
    pub const fn aead(self) -> Option<AeadAlgorithm> {
        match self {
            EccCurve::Curve25519 | EccCurve::Curve448 => Some(AeadAlgorithm::ChaCha20Poly1305),
            _ => None,
        }
    }

    /// InitializationVector length: 16 for AES-CBC, 12 for the AEAD.
    pub const fn iv_len(self) -> usize {
        match self.aead() {
            Some(_) => AeadAlgorithm::NONCE_LEN,
            None => 16,
        }
    }

    /// The policy's asymmetric signature: ECDSA with SHA-256 or SHA-384,
    /// as raw `r ‖ s`, Ed25519 or Ed448.
    pub const fn signature(self) -> AsymmetricSignature {
        match self {
            EccCurve::NistP256 | EccCurve::BrainpoolP256r1 => AsymmetricSignature::EcdsaSha256,
            EccCurve::NistP384 | EccCurve::BrainpoolP384r1 => AsymmetricSignature::EcdsaSha384,
            EccCurve::Curve25519 => AsymmetricSignature::Ed25519,
            EccCurve::Curve448 => AsymmetricSignature::Ed448,
        }
    }

    /// The curve of the policy's ephemeral keys.
    pub const fn ecdh(self) -> EcdhCurve {
        match self {
            EccCurve::NistP256 => EcdhCurve::NistP256,
            EccCurve::NistP384 => EcdhCurve::NistP384,
            EccCurve::BrainpoolP256r1 => EcdhCurve::BrainpoolP256r1,
            EccCurve::BrainpoolP384r1 => EcdhCurve::BrainpoolP384r1,
            EccCurve::Curve25519 => EcdhCurve::X25519,
            EccCurve::Curve448 => EcdhCurve::X448,
        }
    }

    /// The hash of the policy's HKDF.
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            EccCurve::NistP384 | EccCurve::BrainpoolP384r1 => HashAlgorithm::Sha384,
            _ => HashAlgorithm::Sha256,
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
        let len = self.encrypting_key_len() + self.iv_len();
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
