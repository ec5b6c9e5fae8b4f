//! The policies an EccEncryptedSecret is made under (OPC 10000-4 §7.41.2.5):
//! every built-in policy that agrees keys from ephemeral key pairs, the
//! twenty ECC and RSA_DH policies of OPC 10000-7, each with what the secret
//! takes from it (OPC 10000-6 §6.8.3).

use core::fmt;
use core::hash::{Hash, Hasher};

use zeroize::Zeroizing;

use crate::crypto::{AeadAlgorithm, EcdhCurve, HashAlgorithm, default_provider, hkdf};
use crate::policy::{self, AsymmetricSignature, BuiltinPolicy};
use crate::{Error, Result};

/// A policy an EccEncryptedSecret is made under, and what the secret takes
/// from it (OPC 10000-4 §7.41.2.5, OPC 10000-6 §6.8.3), all read from the
/// [`BuiltinPolicy`]:
///
/// * the group of the ephemeral keys ([`ecdh`](Self::ecdh)): a NIST or
///   brainpool curve, X25519 or X448, or ffdhe3072 for RSA_DH (the secret
///   keeps the name EccEncryptedSecret for those too);
/// * the hash of HKDF ([`hash`](Self::hash));
/// * the payload's cipher: AES-CBC for the four policies without a suffix
///   on the NIST and brainpool curves, otherwise the policy's own AEAD
///   cipher ([`aead`](Self::aead)), with the policy's EncryptingKey and IV
///   lengths;
/// * the sender's signature ([`signature`](Self::signature)): ECDSA as raw
///   `r ‖ s`, Ed25519, Ed448, or RSA-PKCS#1 v1.5-SHA256 for RSA_DH.
///
/// Two values are equal when their SecurityPolicyUris are.
#[derive(Clone, Copy)]
pub struct EccSecretPolicy {
    policy: &'static BuiltinPolicy,
    ecdh: EcdhCurve,
    hash: HashAlgorithm,
    aead: Option<AeadAlgorithm>,
    signature: AsymmetricSignature,
}

impl EccSecretPolicy {
    /// What an EccEncryptedSecret takes from `policy`; `None` for a policy
    /// that does not agree keys from ephemeral key pairs (None and the RSA
    /// policies, which use RsaEncryptedSecret).
    pub const fn new(policy: &'static BuiltinPolicy) -> Option<Self> {
        let (Some((ecdh, hash)), Some(signature)) = (
            policy.key_agreement(),
            policy.descriptor().asymmetric_signature,
        ) else {
            return None;
        };
        Some(EccSecretPolicy {
            policy,
            ecdh,
            hash,
            aead: policy.aead_algorithm(),
            signature,
        })
    }

    /// Every such policy. The first six, in this order, are the ones an
    /// [`ExportedKeyRing`](super::ExportedKeyRing) names by their position;
    /// new ones are only ever appended.
    pub const fn all() -> &'static [EccSecretPolicy] {
        &ALL
    }

    /// The policy with this SecurityPolicyUri.
    pub fn from_policy_uri(uri: &str) -> Option<Self> {
        ALL.iter().copied().find(|p| p.policy_uri() == uri)
    }

    /// The built-in policy.
    pub const fn policy(self) -> &'static BuiltinPolicy {
        self.policy
    }

    /// The SecurityPolicyUri written into the secret.
    pub const fn policy_uri(self) -> &'static str {
        self.policy.descriptor().uri
    }

    /// Length of a public key (OPC 10000-6 §6.8), in bytes: `X ‖ Y`
    /// without a SEC1 tag, the RFC 7748 u coordinate, or the 384-byte
    /// ffdhe3072 public value.
    pub const fn public_key_len(self) -> usize {
        self.ecdh.public_key_len()
    }

    /// Length of a private key as bytes: a scalar (and a coordinate), or
    /// the ffdhe3072 exponent padded to 384 bytes.
    pub const fn scalar_len(self) -> usize {
        self.ecdh.scalar_len()
    }

    /// EncryptingKey length of the policy's cipher, in bytes.
    pub const fn encrypting_key_len(self) -> usize {
        self.policy.descriptor().encrypting_key_len
    }

    /// The AEAD cipher of the payload; `None` for AES-CBC.
    pub const fn aead(self) -> Option<AeadAlgorithm> {
        self.aead
    }

    /// InitializationVector length: 16 for AES-CBC, 12 for an AEAD cipher.
    pub const fn iv_len(self) -> usize {
        self.policy.descriptor().iv_len
    }

    /// The sender's signature.
    pub const fn signature(self) -> AsymmetricSignature {
        self.signature
    }

    /// The group of the ephemeral keys.
    pub const fn ecdh(self) -> EcdhCurve {
        self.ecdh
    }

    /// The hash of HKDF.
    pub const fn hash(self) -> HashAlgorithm {
        self.hash
    }

    /// `EncryptingKey ‖ InitializationVector` of an EccEncryptedSecret
    /// (OPC 10000-6 §6.8.3): `SecretSalt = L ‖ "opcua-secret" ‖
    /// SenderPublicKey ‖ ReceiverPublicKey` with L the length as UInt16 LE,
    /// and HKDF with SecretSalt as salt and info. The same for every policy;
    /// only the lengths and the hash differ.
    pub(crate) fn secret_key_material(
        self,
        shared_secret: &[u8],
        sender_public_key: &[u8],
        receiver_public_key: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let len = self.encrypting_key_len() + self.iv_len();
        let len16 = u16::try_from(len).map_err(|_| Error::IdentityTokenInvalid)?;
        let mut salt = Vec::with_capacity(14 + sender_public_key.len() + receiver_public_key.len());
        salt.extend_from_slice(&len16.to_le_bytes());
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

impl PartialEq for EccSecretPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.policy_uri() == other.policy_uri()
    }
}

impl Eq for EccSecretPolicy {}

impl Hash for EccSecretPolicy {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.policy_uri().hash(state);
    }
}

impl fmt::Debug for EccSecretPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EccSecretPolicy({})", self.policy.descriptor().name)
    }
}

/// The entry of a policy that is known to agree keys. Called only in the
/// initializer of `ALL`, which is evaluated when the crate is compiled: a
/// policy that does not agree keys stops the build there and can never
/// fail at run time.
const fn entry(policy: &'static BuiltinPolicy) -> EccSecretPolicy {
    match EccSecretPolicy::new(policy) {
        Some(p) => p,
        None => unreachable!(),
    }
}

/// Every key-agreement policy. The order of the first six is part of the
/// export format of [`EphemeralKeyRing`](super::EphemeralKeyRing).
static ALL: [EccSecretPolicy; 20] = [
    entry(&policy::ECC_NIST_P256),
    entry(&policy::ECC_NIST_P384),
    entry(&policy::ECC_BRAINPOOL_P256R1),
    entry(&policy::ECC_BRAINPOOL_P384R1),
    entry(&policy::ECC_CURVE25519),
    entry(&policy::ECC_CURVE448),
    entry(&policy::ECC_NIST_P256_AES_GCM),
    entry(&policy::ECC_NIST_P256_CHACHA_POLY),
    entry(&policy::ECC_NIST_P384_AES_GCM),
    entry(&policy::ECC_NIST_P384_CHACHA_POLY),
    entry(&policy::ECC_BRAINPOOL_P256R1_AES_GCM),
    entry(&policy::ECC_BRAINPOOL_P256R1_CHACHA_POLY),
    entry(&policy::ECC_BRAINPOOL_P384R1_AES_GCM),
    entry(&policy::ECC_BRAINPOOL_P384R1_CHACHA_POLY),
    entry(&policy::ECC_CURVE25519_AES_GCM),
    entry(&policy::ECC_CURVE25519_CHACHA_POLY),
    entry(&policy::ECC_CURVE448_AES_GCM),
    entry(&policy::ECC_CURVE448_CHACHA_POLY),
    entry(&policy::RSA_DH_AES_GCM),
    entry(&policy::RSA_DH_CHACHA_POLY),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_every_key_agreement_policy_once() {
        let expected: Vec<&str> = policy::ALL
            .iter()
            .filter(|p| p.key_agreement().is_some())
            .map(|p| p.descriptor().uri)
            .collect();
        assert_eq!(expected.len(), ALL.len());
        for uri in &expected {
            assert_eq!(ALL.iter().filter(|p| p.policy_uri() == *uri).count(), 1);
        }
        for p in policy::ALL {
            assert_eq!(
                EccSecretPolicy::new(p).is_some(),
                p.key_agreement().is_some()
            );
        }
    }

    #[test]
    fn lengths_follow_the_cipher() {
        for p in EccSecretPolicy::all() {
            match p.aead() {
                Some(a) => {
                    assert_eq!(p.encrypting_key_len(), a.key_len(), "{p:?}");
                    assert_eq!(p.iv_len(), AeadAlgorithm::NONCE_LEN, "{p:?}");
                }
                None => {
                    assert!(matches!(p.encrypting_key_len(), 16 | 32), "{p:?}");
                    assert_eq!(p.iv_len(), 16, "{p:?}");
                }
            }
            assert_eq!(EccSecretPolicy::from_policy_uri(p.policy_uri()), Some(*p));
        }
        let cbc = ALL.iter().filter(|p| p.aead().is_none()).count();
        assert_eq!(cbc, 4);
    }
}
