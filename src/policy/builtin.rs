//! The security policies this crate implements (OPC 10000-7): None, the
//! RSA policies with AES-CBC, HMAC and P_SHA, and the ECC policies with
//! ephemeral ECDH, HKDF and AES-CBC + HMAC or an AEAD cipher
//! (OPC 10000-6 §6.8).

use rand_core::CryptoRng;

use super::ecc_exchange::EcdhExchange;
use super::key_exchange::derive_p_sha;
use super::{
    AsymmetricEncryption, AsymmetricSignature, ChainingSecret, HmacHash, KeyExchange,
    NonceExchange, PeerKey, PolicyDescriptor, Role, SecurityPolicy, SymmetricKeys,
};
use crate::crypto::{AeadAlgorithm, CryptoProvider, EcdhCurve, HashAlgorithm, PHash};
use crate::key::KeyKind;
use crate::messages::MessageSecurityMode;
use crate::{Error, Result};

/// How a built-in policy protects MSG and CLO chunks and derives their keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Algorithms {
    /// SecurityPolicy None.
    None,
    /// Random nonces, P_SHA key derivation, AES-CBC and HMAC.
    PSha {
        /// The key derivation.
        prf: PHash,
        /// The HMAC's hash.
        hmac: HmacHash,
    },
    /// Ephemeral ECDH nonces and HKDF (OPC 10000-6 §6.8.1).
    Ecc {
        /// The curve of the ephemeral keys.
        curve: EcdhCurve,
        /// The hash of HKDF (and of the HMAC, without AEAD).
        hash: HashAlgorithm,
        /// How chunks are protected.
        symmetric: Symmetric,
    },
}

/// The symmetric protection of an ECC policy's MSG and CLO chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Symmetric {
    /// AES-CBC and HMAC with the HKDF hash, as the RSA policies.
    CbcHmac,
    /// An AEAD cipher (OPC 10000-6 §6.7.2.5.2).
    Aead(AeadAlgorithm),
    /// An AEAD cipher whose mode-Sign tags use a derived SigningKey of the
    /// cipher's key length, derived before the EncryptingKey in both modes
    /// (open62541's ECC_curve25519 and ECC_curve448).
    AeadSigningKey(AeadAlgorithm),
}

/// A policy implemented by this crate: a [`PolicyDescriptor`], the
/// algorithms behind it, and the [`CryptoProvider`] that runs them (the
/// [default](crate::crypto::default_provider) unless
/// [`with_provider`](Self::with_provider) chose another).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinPolicy {
    descriptor: PolicyDescriptor,
    algorithms: Algorithms,
    provider: &'static CryptoProvider,
    chain_renewals: bool,
}

impl BuiltinPolicy {
    const fn new(descriptor: PolicyDescriptor, algorithms: Algorithms) -> Self {
        BuiltinPolicy {
            descriptor,
            algorithms,
            provider: &crate::crypto::rust_crypto::PROVIDER,
            chain_renewals: true,
        }
    }

    /// The policy's parameters (also through [`SecurityPolicy::descriptor`]).
    pub const fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    /// The same policy on another crypto backend.
    pub const fn with_provider(self, provider: &'static CryptoProvider) -> Self {
        BuiltinPolicy { provider, ..self }
    }

    /// The crypto backend.
    pub const fn provider(&self) -> &'static CryptoProvider {
        self.provider
    }

    /// The same policy with renewals that chain (`true`, the default) or
    /// do not chain the previous token's key input, for the ECC policies
    /// without SecureChannelEnhancements.
    ///
    /// OPC 10000-6 §6.8.1 (1.05.07, as the OPC Foundation advisory on
    /// renewals quotes it): "When a SecureChannel is renewed the shared
    /// secret used to derive the current set of keys is XORed with the new
    /// shared secret negotiated during renewal", so `IKM_n = IKM_(n-1) XOR
    /// Shared_n`. UA-.NETStandard does so for every ECC policy; open62541
    /// 1.5.10 only for SecureChannelEnhancements policies, so a channel with
    /// it on ECC_nistP256 or ECC_nistP384 needs `chain_renewals(false)`
    /// (both ends must agree, or the first renewal's chunks fail). Policies
    /// with SecureChannelEnhancements always chain, and the P_SHA policies
    /// never do: for them this setting is ignored.
    pub const fn chain_renewals(self, chain: bool) -> Self {
        BuiltinPolicy {
            chain_renewals: chain,
            ..self
        }
    }

    /// Whether a renewal chains the previous key input (see
    /// [`chain_renewals`](Self::chain_renewals)).
    pub const fn chains_renewals(&self) -> bool {
        match self.algorithms {
            Algorithms::Ecc { .. } => {
                self.chain_renewals || self.descriptor.secure_channel_enhancements
            }
            _ => false,
        }
    }

    /// The group of the ephemeral keys and the hash of HKDF, for the
    /// policies that agree keys from ephemeral key pairs (the ECC and RSA_DH
    /// policies, OPC 10000-6 §6.8.1); `None` for the P_SHA policies and None.
    pub const fn key_agreement(&self) -> Option<(EcdhCurve, HashAlgorithm)> {
        match self.algorithms {
            Algorithms::Ecc { curve, hash, .. } => Some((curve, hash)),
            _ => None,
        }
    }

    /// The AEAD cipher of a key-agreement policy's chunks; `None` for
    /// AES-CBC + HMAC and for the P_SHA policies and None.
    pub(crate) const fn aead_algorithm(&self) -> Option<AeadAlgorithm> {
        match self.algorithms {
            Algorithms::Ecc {
                symmetric: Symmetric::Aead(a) | Symmetric::AeadSigningKey(a),
                ..
            } => Some(a),
            _ => None,
        }
    }

    /// The keys `side` secures its chunks with, from both nonces
    /// (OPC 10000-6 §6.7.5), for the P_SHA policies and None. The ECC
    /// policies agree keys from ephemeral key pairs instead
    /// ([`key_exchange_with_private_key`](Self::key_exchange_with_private_key)):
    /// for them this is `BadSecurityChecksFailed`.
    pub fn derive_keys(
        &self,
        side: Role,
        client_nonce: &[u8],
        server_nonce: &[u8],
    ) -> Result<SymmetricKeys> {
        match self.algorithms {
            Algorithms::Ecc { .. } => Err(Error::SecurityChecksFailed),
            _ => derive_p_sha(
                self.provider,
                &self.descriptor,
                self.prf(),
                side,
                client_nonce,
                server_nonce,
            ),
        }
    }

    /// The key derivation and HMAC of the P_SHA policies.
    fn prf(&self) -> Option<(PHash, HmacHash)> {
        match self.algorithms {
            Algorithms::PSha { prf, hmac } => Some((prf, hmac)),
            _ => None,
        }
    }

    /// The hash of the policy's HMAC, for the P_SHA policies (the RSA
    /// EncryptedSecret uses it); `None` otherwise.
    pub(crate) const fn hmac_hash(&self) -> Option<HmacHash> {
        match self.algorithms {
            Algorithms::PSha { hmac, .. } => Some(hmac),
            _ => None,
        }
    }

    /// A key exchange with a chosen nonce instead of a random one, e.g. to
    /// reproduce a recorded session, for the P_SHA policies and None. Under
    /// an ECC policy the nonce is a public key whose private half is
    /// needed: the exchange this returns refuses to complete
    /// (`BadSecurityChecksFailed`); use
    /// [`key_exchange_with_private_key`](Self::key_exchange_with_private_key).
    pub fn key_exchange_with_nonce(&self, nonce: &[u8]) -> NonceExchange {
        NonceExchange::with_provider(self.provider, &self.descriptor, self.prf(), nonce)
    }

    /// An ECC key exchange with a chosen ephemeral private key (big-endian
    /// scalar), e.g. to reproduce a recorded session; `previous` is the key
    /// input of the token it renews, as
    /// [`SecurityPolicy::start_key_exchange`] takes it. A scalar that is not
    /// one of the curve's is `BadDecodingError`; a policy that is not an ECC
    /// one is `BadSecurityChecksFailed`.
    pub fn key_exchange_with_private_key(
        &self,
        mode: MessageSecurityMode,
        private_key: &[u8],
        previous: Option<&ChainingSecret>,
    ) -> Result<EcdhExchange> {
        let Algorithms::Ecc { curve, .. } = self.algorithms else {
            return Err(Error::SecurityChecksFailed);
        };
        let key = (self.provider.ephemeral_from_private_bytes)(curve, private_key)?;
        self.ecdh_exchange(mode, key, previous)
    }

    fn ecdh_exchange(
        &self,
        mode: MessageSecurityMode,
        key: Box<dyn crate::crypto::EphemeralKey>,
        previous: Option<&ChainingSecret>,
    ) -> Result<EcdhExchange> {
        let Algorithms::Ecc {
            hash, symmetric, ..
        } = self.algorithms
        else {
            return Err(Error::SecurityChecksFailed);
        };
        let previous = previous.filter(|_| self.chains_renewals()).cloned();
        Ok(EcdhExchange::new(
            self.provider,
            self.descriptor,
            hash,
            symmetric,
            mode,
            key,
            previous,
        ))
    }
}

impl SecurityPolicy for BuiltinPolicy {
    fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    /// P_SHA policies: random bytes of the policy's nonce length. ECC
    /// policies: a fresh ephemeral key pair, whose public key is the nonce,
    /// and the previous token's key input when renewals chain.
    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> Result<Box<dyn KeyExchange>> {
        if let Algorithms::Ecc { curve, .. } = self.algorithms {
            let key = (self.provider.generate_ephemeral)(curve, rng);
            return Ok(Box::new(self.ecdh_exchange(mode, key, previous)?));
        }
        let mut nonce = zeroize::Zeroizing::new([0u8; 64]);
        let nonce = nonce
            .get_mut(..self.descriptor.nonce_len)
            .ok_or(Error::NonceInvalid)?;
        rng.fill_bytes(nonce);
        Ok(Box::new(self.key_exchange_with_nonce(nonce)))
    }

    /// The key of the certificate's SubjectPublicKeyInfo, from the
    /// provider: RSA within the policy's size bounds for the RSA policies,
    /// ECDSA or EdDSA on the policy's curve
    /// ([`PolicyDescriptor::certificate_key`]) for the ECC ones;
    /// `BadCertificatePolicyCheckFailed` otherwise.
    fn peer_key(&self, certificate_der: &[u8]) -> Result<Box<dyn PeerKey>> {
        let d = &self.descriptor;
        let Some(scheme) = d.asymmetric_signature else {
            return Err(Error::CertificatePolicyCheckFailed(
                "SecurityPolicy None uses no certificates",
            ));
        };
        let (_, cert) = x509_parser::parse_x509_certificate(certificate_der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        let spki = &cert.tbs_certificate.subject_pki;
        // The curve the policy names: a P-256 key does not do for
        // ECC_brainpoolP256r1, though both sign ECDSA-SHA256.
        if let Some(kind) = d.certificate_key.filter(|k| !matches!(k, KeyKind::Rsa(_)))
            && crate::cert::KeyAlgorithm::of(spki).and_then(|k| k.key_kind()) != Some(kind)
        {
            return Err(Error::CertificatePolicyCheckFailed(
                "not a key on the policy's curve",
            ));
        }
        let key = (self.provider.peer_key)(spki.raw, scheme)?;
        let bits = key.bits();
        if bits < d.min_asymmetric_key_bits as usize || bits > d.max_asymmetric_key_bits as usize {
            return Err(Error::CertificatePolicyCheckFailed("key size"));
        }
        Ok(key)
    }
}

/// SecurityPolicy None: no security at all.
pub static NONE: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "None",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#None",
        asymmetric_encryption: None,
        asymmetric_signature: None,
        signing_key_len: 0,
        encrypting_key_len: 0,
        iv_len: 0,
        signature_len: 0,
        nonce_len: 0,
        certificate_key: None,
        min_asymmetric_key_bits: 0,
        max_asymmetric_key_bits: 0,
        legacy_sequence_numbers: true,
        aead: false,
        secure_channel_enhancements: false,
        deprecated: false,
    },
    Algorithms::None,
);

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
    certificate_key: Some(KeyKind::Rsa(2048)),
    min_asymmetric_key_bits: 2048,
    max_asymmetric_key_bits: 4096,
    legacy_sequence_numbers: true,
    aead: false,
    secure_channel_enhancements: false,
    deprecated: false,
};

const P_SHA256: Algorithms = Algorithms::PSha {
    prf: PHash::Sha256,
    hmac: HmacHash::Sha256,
};

/// Basic256Sha256: AES-256-CBC, HMAC-SHA256, P_SHA256, RSA-OAEP-SHA1,
/// RSA-PKCS#1 v1.5-SHA256.
pub static BASIC256_SHA256: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "Basic256Sha256",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256",
        ..RSA_SHA256
    },
    P_SHA256,
);

/// Aes128_Sha256_RsaOaep: AES-128-CBC, HMAC-SHA256, P_SHA256, RSA-OAEP-SHA1,
/// RSA-PKCS#1 v1.5-SHA256.
pub static AES128_SHA256_RSA_OAEP: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "Aes128_Sha256_RsaOaep",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
        encrypting_key_len: 16,
        ..RSA_SHA256
    },
    P_SHA256,
);

/// Aes256_Sha256_RsaPss: AES-256-CBC, HMAC-SHA256, P_SHA256,
/// RSA-OAEP-SHA256, RSA-PSS-SHA256.
pub static AES256_SHA256_RSA_PSS: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "Aes256_Sha256_RsaPss",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
        asymmetric_encryption: Some(AsymmetricEncryption::RsaOaepSha256),
        asymmetric_signature: Some(AsymmetricSignature::RsaPssSha256),
        ..RSA_SHA256
    },
    P_SHA256,
);

/// What the ECC policies on P-256 share (OPC 10000-6 §6.8): 64-byte
/// nonces (ephemeral `X ‖ Y`), ECDSA-SHA256 as raw `r ‖ s` on OPN chunks,
/// which are signed and not encrypted, P-256 certificates, sequence
/// numbers from 0.
const ECC_P256: PolicyDescriptor = PolicyDescriptor {
    name: "",
    uri: "",
    asymmetric_encryption: None,
    asymmetric_signature: Some(AsymmetricSignature::EcdsaSha256),
    signing_key_len: 32,
    encrypting_key_len: 16,
    iv_len: 16,
    signature_len: 32,
    nonce_len: 64,
    certificate_key: Some(KeyKind::P256),
    min_asymmetric_key_bits: 256,
    max_asymmetric_key_bits: 256,
    legacy_sequence_numbers: false,
    aead: false,
    secure_channel_enhancements: false,
    deprecated: false,
};

/// ECC_nistP256: ephemeral ECDH on P-256, HKDF-SHA256, AES-128-CBC and
/// HMAC-SHA256, ECDSA-SHA256. In mode Sign only the 32-byte signing key is
/// derived (L = 32, OPC 10000-6 §6.8.1 Step 1 as open62541 quotes it).
pub static ECC_NIST_P256: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_nistP256",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256",
        ..ECC_P256
    },
    Algorithms::Ecc {
        curve: EcdhCurve::NistP256,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::CbcHmac,
    },
);

/// ECC_nistP384: ephemeral ECDH on P-384, HKDF-SHA384, AES-256-CBC and
/// HMAC-SHA384, ECDSA-SHA384, 96-byte nonces. In mode Sign only the
/// 48-byte signing key is derived.
pub static ECC_NIST_P384: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_nistP384",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP384",
        asymmetric_signature: Some(AsymmetricSignature::EcdsaSha384),
        signing_key_len: 48,
        encrypting_key_len: 32,
        signature_len: 48,
        nonce_len: 96,
        certificate_key: Some(KeyKind::P384),
        min_asymmetric_key_bits: 384,
        max_asymmetric_key_bits: 384,
        ..ECC_P256
    },
    Algorithms::Ecc {
        curve: EcdhCurve::NistP384,
        hash: HashAlgorithm::Sha384,
        symmetric: Symmetric::CbcHmac,
    },
);

/// What the two AEAD policies on P-256 add: no signing key, a 12-byte IV,
/// a 16-byte tag, and SecureChannelEnhancements (OPC 10000-6 §6.8: the
/// first OPN response signed over the request's signature too, the
/// ChannelThumbprint, renewals that chain).
const ECC_P256_AEAD: PolicyDescriptor = PolicyDescriptor {
    signing_key_len: 0,
    iv_len: 12,
    signature_len: 16,
    aead: true,
    secure_channel_enhancements: true,
    ..ECC_P256
};

/// ECC_nistP256_AesGcm: ephemeral ECDH on P-256, HKDF-SHA256, AES-128-GCM,
/// ECDSA-SHA256, SecureChannelEnhancements.
pub static ECC_NIST_P256_AES_GCM: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_nistP256_AesGcm",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256_AesGcm",
        encrypting_key_len: 16,
        ..ECC_P256_AEAD
    },
    Algorithms::Ecc {
        curve: EcdhCurve::NistP256,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::Aead(AeadAlgorithm::Aes128Gcm),
    },
);

/// ECC_nistP256_ChaChaPoly: ephemeral ECDH on P-256, HKDF-SHA256,
/// ChaCha20-Poly1305, ECDSA-SHA256, SecureChannelEnhancements.
pub static ECC_NIST_P256_CHACHA_POLY: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_nistP256_ChaChaPoly",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256_ChaChaPoly",
        encrypting_key_len: 32,
        ..ECC_P256_AEAD
    },
    Algorithms::Ecc {
        curve: EcdhCurve::NistP256,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::Aead(AeadAlgorithm::ChaCha20Poly1305),
    },
);

/// ECC_brainpoolP256r1: as ECC_nistP256 on brainpoolP256r1 (RFC 5639):
/// ephemeral ECDH, HKDF-SHA256, AES-128-CBC and HMAC-SHA256, ECDSA-SHA256.
pub static ECC_BRAINPOOL_P256R1: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_brainpoolP256r1",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_brainpoolP256r1",
        certificate_key: Some(KeyKind::BrainpoolP256r1),
        ..ECC_P256
    },
    Algorithms::Ecc {
        curve: EcdhCurve::BrainpoolP256r1,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::CbcHmac,
    },
);

/// ECC_brainpoolP384r1: as ECC_nistP384 on brainpoolP384r1: ephemeral
/// ECDH, HKDF-SHA384, AES-256-CBC and HMAC-SHA384, ECDSA-SHA384.
pub static ECC_BRAINPOOL_P384R1: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_brainpoolP384r1",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_brainpoolP384r1",
        certificate_key: Some(KeyKind::BrainpoolP384r1),
        ..*ECC_NIST_P384.descriptor()
    },
    Algorithms::Ecc {
        curve: EcdhCurve::BrainpoolP384r1,
        hash: HashAlgorithm::Sha384,
        symmetric: Symmetric::CbcHmac,
    },
);

/// What ECC_curve25519 and ECC_curve448 share, in open62541's layout (the
/// only implementation that runs them): ChaCha20-Poly1305 with a 32-byte
/// SigningKey, a 32-byte EncryptingKey and a 12-byte IV derived in both
/// modes (L = 76), the SigningKey making the tags of mode Sign; a 16-byte
/// tag; no SecureChannelEnhancements. UA-.NETStandard lists a layout
/// without the SigningKey (L = 44) but does not run these policies.
const ECC_EDWARDS: PolicyDescriptor = PolicyDescriptor {
    asymmetric_signature: Some(AsymmetricSignature::Ed25519),
    signing_key_len: 32,
    encrypting_key_len: 32,
    iv_len: 12,
    signature_len: 16,
    nonce_len: 32,
    certificate_key: Some(KeyKind::Ed25519),
    aead: true,
    ..ECC_P256
};

/// ECC_curve25519: ephemeral X25519 (RFC 7748; 32-byte nonces),
/// HKDF-SHA256, ChaCha20-Poly1305, Ed25519 OPN signatures (64 bytes).
pub static ECC_CURVE25519: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_curve25519",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_curve25519",
        ..ECC_EDWARDS
    },
    Algorithms::Ecc {
        curve: EcdhCurve::X25519,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::AeadSigningKey(AeadAlgorithm::ChaCha20Poly1305),
    },
);

/// ECC_curve448: ephemeral X448 (56-byte nonces), HKDF-SHA256 (as
/// open62541 and UA-.NETStandard have it), ChaCha20-Poly1305, Ed448 OPN
/// signatures (114 bytes).
pub static ECC_CURVE448: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "ECC_curve448",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_curve448",
        asymmetric_signature: Some(AsymmetricSignature::Ed448),
        nonce_len: 56,
        certificate_key: Some(KeyKind::Ed448),
        min_asymmetric_key_bits: 448,
        max_asymmetric_key_bits: 448,
        ..ECC_EDWARDS
    },
    Algorithms::Ecc {
        curve: EcdhCurve::X448,
        hash: HashAlgorithm::Sha256,
        symmetric: Symmetric::AeadSigningKey(AeadAlgorithm::ChaCha20Poly1305),
    },
);

/// The SecureChannelEnhancements policies named `<curve>_AesGcm` and
/// `<curve>_ChaChaPoly` beyond nistP256, and RSA_DH_AesGcm and
/// RSA_DH_ChaChaPoly (OPC 10000-7), with the parameters of UA-.NETStandard's
/// policy table: no signing key (the mode-Sign tags use the EncryptingKey),
/// a 12-byte IV and a 16-byte tag, SecureChannelEnhancements. No peer
/// installable here runs them; `tests/independent` checks them against an
/// implementation in Python.
macro_rules! aead_policy {
    ($(#[$doc:meta])* $static:ident, $name:literal, $base:expr, $curve:ident, $hash:ident, $aead:ident) => {
        $(#[$doc])*
        pub static $static: BuiltinPolicy = BuiltinPolicy::new(
            PolicyDescriptor {
                name: $name,
                uri: concat!("http://opcfoundation.org/UA/SecurityPolicy#", $name),
                signing_key_len: 0,
                encrypting_key_len: AeadAlgorithm::$aead.key_len(),
                iv_len: AeadAlgorithm::NONCE_LEN,
                signature_len: AeadAlgorithm::TAG_LEN,
                aead: true,
                secure_channel_enhancements: true,
                ..$base
            },
            Algorithms::Ecc {
                curve: EcdhCurve::$curve,
                hash: HashAlgorithm::$hash,
                symmetric: Symmetric::Aead(AeadAlgorithm::$aead),
            },
        );
    };
}

aead_policy!(
    /// ECC_nistP384_AesGcm: ephemeral ECDH on P-384, HKDF-SHA384,
    /// AES-256-GCM, ECDSA-SHA384. The key is 32 bytes, as UA-.NETStandard
    /// has it (its table names the cipher Aes128Gcm beside a 32-byte key;
    /// AES-128-GCM would be the alternative reading).
    ECC_NIST_P384_AES_GCM, "ECC_nistP384_AesGcm", *ECC_NIST_P384.descriptor(), NistP384, Sha384, Aes256Gcm
);
aead_policy!(
    /// ECC_nistP384_ChaChaPoly: ephemeral ECDH on P-384, HKDF-SHA384,
    /// ChaCha20-Poly1305, ECDSA-SHA384.
    ECC_NIST_P384_CHACHA_POLY, "ECC_nistP384_ChaChaPoly", *ECC_NIST_P384.descriptor(), NistP384, Sha384, ChaCha20Poly1305
);
aead_policy!(
    /// ECC_brainpoolP256r1_AesGcm: ephemeral ECDH on brainpoolP256r1,
    /// HKDF-SHA256, AES-128-GCM, ECDSA-SHA256.
    ECC_BRAINPOOL_P256R1_AES_GCM, "ECC_brainpoolP256r1_AesGcm", *ECC_BRAINPOOL_P256R1.descriptor(), BrainpoolP256r1, Sha256, Aes128Gcm
);
aead_policy!(
    /// ECC_brainpoolP256r1_ChaChaPoly: ephemeral ECDH on brainpoolP256r1,
    /// HKDF-SHA256, ChaCha20-Poly1305, ECDSA-SHA256.
    ECC_BRAINPOOL_P256R1_CHACHA_POLY, "ECC_brainpoolP256r1_ChaChaPoly", *ECC_BRAINPOOL_P256R1.descriptor(), BrainpoolP256r1, Sha256, ChaCha20Poly1305
);
aead_policy!(
    /// ECC_brainpoolP384r1_AesGcm: ephemeral ECDH on brainpoolP384r1,
    /// HKDF-SHA384, AES-256-GCM, ECDSA-SHA384.
    ECC_BRAINPOOL_P384R1_AES_GCM, "ECC_brainpoolP384r1_AesGcm", *ECC_BRAINPOOL_P384R1.descriptor(), BrainpoolP384r1, Sha384, Aes256Gcm
);
aead_policy!(
    /// ECC_brainpoolP384r1_ChaChaPoly: ephemeral ECDH on brainpoolP384r1,
    /// HKDF-SHA384, ChaCha20-Poly1305, ECDSA-SHA384.
    ECC_BRAINPOOL_P384R1_CHACHA_POLY, "ECC_brainpoolP384r1_ChaChaPoly", *ECC_BRAINPOOL_P384R1.descriptor(), BrainpoolP384r1, Sha384, ChaCha20Poly1305
);
aead_policy!(
    /// ECC_curve25519_AesGcm: ephemeral X25519, HKDF-SHA256, AES-128-GCM,
    /// Ed25519. Unlike open62541's ECC_curve25519, no signing key is
    /// derived (L = 28).
    ECC_CURVE25519_AES_GCM, "ECC_curve25519_AesGcm", *ECC_CURVE25519.descriptor(), X25519, Sha256, Aes128Gcm
);
aead_policy!(
    /// ECC_curve25519_ChaChaPoly: ephemeral X25519, HKDF-SHA256,
    /// ChaCha20-Poly1305, Ed25519, no signing key derived (L = 44).
    ECC_CURVE25519_CHACHA_POLY, "ECC_curve25519_ChaChaPoly", *ECC_CURVE25519.descriptor(), X25519, Sha256, ChaCha20Poly1305
);
aead_policy!(
    /// ECC_curve448_AesGcm: ephemeral X448, HKDF-SHA256, AES-256-GCM,
    /// Ed448. The hash and the key size follow UA-.NETStandard (SHA-256;
    /// a 32-byte key beside the name Aes128Gcm); Eclipse Milo documents
    /// HKDF-SHA384 for the curve448 policies instead.
    ECC_CURVE448_AES_GCM, "ECC_curve448_AesGcm", *ECC_CURVE448.descriptor(), X448, Sha256, Aes256Gcm
);
aead_policy!(
    /// ECC_curve448_ChaChaPoly: ephemeral X448, HKDF-SHA256 (as
    /// UA-.NETStandard has it; Eclipse Milo documents HKDF-SHA384),
    /// ChaCha20-Poly1305, Ed448.
    ECC_CURVE448_CHACHA_POLY, "ECC_curve448_ChaChaPoly", *ECC_CURVE448.descriptor(), X448, Sha256, ChaCha20Poly1305
);

/// What RSA_DH_AesGcm and RSA_DH_ChaChaPoly share: RSA application
/// certificates of 2048 to 4096 bits whose PKCS#1 v1.5 SHA-256 signatures
/// sign the OPN chunks, which are not encrypted; 384-byte nonces, the
/// ffdhe3072 public values (RFC 7919), from 0 sequence numbers.
const RSA_DH: PolicyDescriptor = PolicyDescriptor {
    asymmetric_encryption: None,
    nonce_len: 384,
    legacy_sequence_numbers: false,
    ..RSA_SHA256
};

aead_policy!(
    /// RSA_DH_AesGcm: ephemeral finite-field Diffie-Hellman over ffdhe3072
    /// (RFC 7919, generator 2; 384-bit private exponents, see
    /// [`EcdhCurve::Ffdhe3072`]), HKDF-SHA256, AES-128-GCM,
    /// RSA-PKCS#1 v1.5-SHA256 OPN signatures. A peer value outside 1 < y < p − 1 or outside the
    /// subgroup of g is `BadNonceInvalid`.
    RSA_DH_AES_GCM, "RSA_DH_AesGcm", RSA_DH, Ffdhe3072, Sha256, Aes128Gcm
);
aead_policy!(
    /// RSA_DH_ChaChaPoly: as RSA_DH_AesGcm with ChaCha20-Poly1305.
    RSA_DH_CHACHA_POLY, "RSA_DH_ChaChaPoly", RSA_DH, Ffdhe3072, Sha256, ChaCha20Poly1305
);

/// What the deprecated policies share: HMAC-SHA1, P_SHA1, RSA keys of 1024
/// to 2048 bits.
#[cfg(feature = "legacy-policies")]
const RSA_SHA1: PolicyDescriptor = PolicyDescriptor {
    asymmetric_signature: Some(AsymmetricSignature::RsaPkcs1v15Sha1),
    signature_len: 20,
    certificate_key: Some(KeyKind::Rsa(2048)),
    min_asymmetric_key_bits: 1024,
    max_asymmetric_key_bits: 2048,
    deprecated: true,
    ..RSA_SHA256
};

#[cfg(feature = "legacy-policies")]
const P_SHA1: Algorithms = Algorithms::PSha {
    prf: PHash::Sha1,
    hmac: HmacHash::Sha1,
};

/// Basic128Rsa15: deprecated and broken (RSA PKCS#1 v1.5 encryption is open
/// to Bleichenbacher padding-oracle attacks; SHA-1). Only with the
/// `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub static BASIC128_RSA15: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "Basic128Rsa15",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15",
        asymmetric_encryption: Some(AsymmetricEncryption::RsaPkcs1v15),
        signing_key_len: 16,
        encrypting_key_len: 16,
        nonce_len: 16,
        ..RSA_SHA1
    },
    P_SHA1,
);

/// Basic256: deprecated (SHA-1). Only with the `legacy-policies` feature.
#[cfg(feature = "legacy-policies")]
pub static BASIC256: BuiltinPolicy = BuiltinPolicy::new(
    PolicyDescriptor {
        name: "Basic256",
        uri: "http://opcfoundation.org/UA/SecurityPolicy#Basic256",
        signing_key_len: 24,
        ..RSA_SHA1
    },
    P_SHA1,
);

/// Every policy compiled in, None first, then the RSA, the ECC and the
/// RSA_DH policies.
pub static ALL: &[&BuiltinPolicy] = &[
    &NONE,
    &BASIC256_SHA256,
    &AES128_SHA256_RSA_OAEP,
    &AES256_SHA256_RSA_PSS,
    &ECC_NIST_P256,
    &ECC_NIST_P384,
    &ECC_NIST_P256_AES_GCM,
    &ECC_NIST_P256_CHACHA_POLY,
    &ECC_BRAINPOOL_P256R1,
    &ECC_BRAINPOOL_P384R1,
    &ECC_CURVE25519,
    &ECC_CURVE448,
    &ECC_NIST_P384_AES_GCM,
    &ECC_NIST_P384_CHACHA_POLY,
    &ECC_BRAINPOOL_P256R1_AES_GCM,
    &ECC_BRAINPOOL_P256R1_CHACHA_POLY,
    &ECC_BRAINPOOL_P384R1_AES_GCM,
    &ECC_BRAINPOOL_P384R1_CHACHA_POLY,
    &ECC_CURVE25519_AES_GCM,
    &ECC_CURVE25519_CHACHA_POLY,
    &ECC_CURVE448_AES_GCM,
    &ECC_CURVE448_CHACHA_POLY,
    &RSA_DH_AES_GCM,
    &RSA_DH_CHACHA_POLY,
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
