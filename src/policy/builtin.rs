//! The security policies this crate implements (OPC 10000-7): None and the
//! RSA policies with AES-CBC, HMAC and P_SHA.

use rand_core::CryptoRng;

use super::key_exchange::derive_p_sha;
use super::{
    AsymmetricEncryption, AsymmetricSignature, ChainingSecret, HmacHash, KeyExchange,
    NonceExchange, PeerKey, PolicyDescriptor, Role, SecurityPolicy, SymmetricKeys,
};
use crate::crypto::PHash;
use crate::key::RsaPublicKey;
use crate::{Error, Result};

/// A policy implemented by this crate: a [`PolicyDescriptor`] and the key
/// derivation and HMAC it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinPolicy {
    descriptor: PolicyDescriptor,
    prf: Option<(PHash, HmacHash)>,
}

impl BuiltinPolicy {
    /// The policy's parameters (also through [`SecurityPolicy::descriptor`]).
    pub const fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    /// The keys `side` secures its chunks with, from both nonces
    /// (OPC 10000-6 §6.7.5).
    pub fn derive_keys(
        &'static self,
        side: Role,
        client_nonce: &[u8],
        server_nonce: &[u8],
    ) -> Result<SymmetricKeys> {
        derive_p_sha(&self.descriptor, self.prf, side, client_nonce, server_nonce)
    }

    /// The hash of the policy's HMAC; `None` for SecurityPolicy None.
    pub(crate) const fn hmac_hash(&self) -> Option<HmacHash> {
        match self.prf {
            Some((_, hmac)) => Some(hmac),
            None => None,
        }
    }

    /// A key exchange with a chosen nonce instead of a random one, e.g. to
    /// reproduce a recorded session.
    pub fn key_exchange_with_nonce(&'static self, nonce: &[u8]) -> NonceExchange {
        NonceExchange::new(&self.descriptor, self.prf, nonce)
    }
}

impl SecurityPolicy for BuiltinPolicy {
    fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    fn start_key_exchange(
        &self,
        rng: &mut dyn CryptoRng,
        _previous: Option<&ChainingSecret>,
    ) -> Result<Box<dyn KeyExchange>> {
        let policy = by_uri(self.descriptor.uri).ok_or(Error::SecurityChecksFailed)?;
        let mut nonce = zeroize::Zeroizing::new([0u8; 64]);
        let nonce = nonce
            .get_mut(..self.descriptor.nonce_len)
            .ok_or(Error::NonceInvalid)?;
        rng.fill_bytes(nonce);
        Ok(Box::new(policy.key_exchange_with_nonce(nonce)))
    }

    fn peer_key(&self, certificate_der: &[u8]) -> Result<Box<dyn PeerKey>> {
        let d = &self.descriptor;
        if d.is_none() {
            return Err(Error::CertificatePolicyCheckFailed(
                "SecurityPolicy None uses no certificates",
            ));
        }
        let key = RsaPublicKey::from_certificate_der(certificate_der)?;
        let bits = key.size() * 8;
        if bits < d.min_asymmetric_key_bits as usize || bits > d.max_asymmetric_key_bits as usize {
            return Err(Error::CertificatePolicyCheckFailed("RSA key size"));
        }
        Ok(Box::new(key))
    }
}

/// SecurityPolicy None: no security at all.
pub static NONE: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "None",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#None",
        asymmetric_encryption: None,
        asymmetric_signature: None,
        signing_key_len: 0,
        encrypting_key_len: 0,
        iv_len: 0,
        signature_len: 0,
        nonce_len: 0,
        min_asymmetric_key_bits: 0,
        max_asymmetric_key_bits: 0,
        legacy_sequence_numbers: true,
        aead: false,
        secure_channel_enhancements: false,
        deprecated: false,
    },
    prf: None,
};

/// What the current RSA policies share: HMAC-SHA256 and P_SHA256, 32-byte
/// keys and nonces, RSA keys of 2048 to 4096 bits.
const RSA_SHA256: PolicyDescriptor = PolicyDescriptor {
    name: "",
    uri: "",
    asymmetric_encryption: Some(AsymmetricEncryption::RsaOaepSha1),
    asymmetric_signature: Some(AsymmetricSignature::RsaPkcs1v15Sha256),
    signing_key_len: 32,
    encrypting_key_len: 32,
    iv_len: 16,
    signature_len: 32,
    nonce_len: 32,
    min_asymmetric_key_bits: 2048,
    max_asymmetric_key_bits: 4096,
    legacy_sequence_numbers: true,
    aead: false,
    secure_channel_enhancements: false,
    deprecated: false,
};

const P_SHA256: Option<(PHash, HmacHash)> = Some((PHash::Sha256, HmacHash::Sha256));

/// Basic256Sha256: AES-256-CBC, HMAC-SHA256, P_SHA256, RSA-OAEP-SHA1,
/// RSA-PKCS#1 v1.5-SHA256.
pub static BASIC256_SHA256: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "Basic256Sha256",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256",
        ..RSA_SHA256
    },
    prf: P_SHA256,
};

/// Aes128_Sha256_RsaOaep: AES-128-CBC, HMAC-SHA256, P_SHA256, RSA-OAEP-SHA1,
/// RSA-PKCS#1 v1.5-SHA256.
pub static AES128_SHA256_RSA_OAEP: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "Aes128_Sha256_RsaOaep",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
        encrypting_key_len: 16,
        ..RSA_SHA256
    },
    prf: P_SHA256,
};

/// Aes256_Sha256_RsaPss: AES-256-CBC, HMAC-SHA256, P_SHA256,
/// RSA-OAEP-SHA256, RSA-PSS-SHA256.
pub static AES256_SHA256_RSA_PSS: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "Aes256_Sha256_RsaPss",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
        asymmetric_encryption: Some(AsymmetricEncryption::RsaOaepSha256),
        asymmetric_signature: Some(AsymmetricSignature::RsaPssSha256),
        ..RSA_SHA256
    },
    prf: P_SHA256,
};

/// What the deprecated policies share: HMAC-SHA1, P_SHA1, RSA keys of 1024
/// to 2048 bits.
#[cfg(feature = "legacy-policies")]
const RSA_SHA1: PolicyDescriptor = PolicyDescriptor {
    asymmetric_signature: Some(AsymmetricSignature::RsaPkcs1v15Sha1),
    signature_len: 20,
    min_asymmetric_key_bits: 1024,
    max_asymmetric_key_bits: 2048,
    deprecated: true,
    ..RSA_SHA256
};

#[cfg(feature = "legacy-policies")]
const P_SHA1: Option<(PHash, HmacHash)> = Some((PHash::Sha1, HmacHash::Sha1));

/// Basic128Rsa15: deprecated and broken (RSA PKCS#1 v1.5 encryption is open
/// to Bleichenbacher padding-oracle attacks; SHA-1). Only with the
/// `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub static BASIC128_RSA15: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "Basic128Rsa15",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15",
        asymmetric_encryption: Some(AsymmetricEncryption::RsaPkcs1v15),
        signing_key_len: 16,
        encrypting_key_len: 16,
        nonce_len: 16,
        ..RSA_SHA1
    },
    prf: P_SHA1,
};

/// Basic256: deprecated (SHA-1). Only with the `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub static BASIC256: BuiltinPolicy = BuiltinPolicy {
    descriptor: PolicyDescriptor {
        name: "Basic256",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256",
        signing_key_len: 24,
        ..RSA_SHA1
    },
    prf: P_SHA1,
};

/// Every policy compiled in, None first.
pub static ALL: &[&BuiltinPolicy] = &[
    &NONE,
    &BASIC256_SHA256,
    &AES128_SHA256_RSA_OAEP,
    &AES256_SHA256_RSA_PSS,
    #[cfg(feature = "legacy-policies")]
    &BASIC128_RSA15,
    #[cfg(feature = "legacy-policies")]
    &BASIC256,
];

/// The compiled-in policy with this SecurityPolicyUri.
pub fn by_uri(uri: &str) -> Option<&'static BuiltinPolicy> {
    ALL.iter().copied().find(|p| p.descriptor.uri == uri)
}

/// The compiled-in policy with this short name (e.g. `Basic256Sha256`).
pub fn by_name(name: &str) -> Option<&'static BuiltinPolicy> {
    ALL.iter().copied().find(|p| p.descriptor.name == name)
}
