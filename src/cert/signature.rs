//! Certificate and CRL signatures: which algorithm signed them and whether
//! the issuer's key verifies them (OPC 10000-4 §6.1.3, step "Signature";
//! RFC 5280 §4.1.1.2).

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use crate::key::KeyKind;

/// The hash function a signature was computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureHash {
    /// SHA-1: refused by every policy that is not deprecated.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// Ed25519 and Ed448 hash internally (SHA-512, SHAKE256); no separate
    /// hash.
    Intrinsic,
}

/// The signature algorithms this crate verifies (RFC 4055, RFC 5758,
/// RFC 5639, RFC 8410).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with the given hash.
    RsaPkcs1v15(SignatureHash),
    /// RSASSA-PSS with the given hash for the message and MGF1.
    RsaPss(SignatureHash),
    /// ECDSA with the given hash, on any of the curves of [`KeyAlgorithm`].
    Ecdsa(SignatureHash),
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
}

impl SignatureAlgorithm {
    /// The hash the signature covers.
    pub const fn hash(self) -> SignatureHash {
        match self {
            SignatureAlgorithm::RsaPkcs1v15(h)
            | SignatureAlgorithm::RsaPss(h)
            | SignatureAlgorithm::Ecdsa(h) => h,
            SignatureAlgorithm::Ed25519 | SignatureAlgorithm::Ed448 => SignatureHash::Intrinsic,
        }
    }

    /// The algorithm an AlgorithmIdentifier names, or `None` when it is
    /// not one this crate verifies.
    pub fn from_identifier(id: &AlgorithmIdentifier<'_>) -> Option<Self> {
        let oid = id.algorithm.to_id_string();
        let alg = match oid.as_str() {
            "1.2.840.113549.1.1.5" => Self::RsaPkcs1v15(SignatureHash::Sha1),
            "1.2.840.113549.1.1.11" => Self::RsaPkcs1v15(SignatureHash::Sha256),
            "1.2.840.113549.1.1.12" => Self::RsaPkcs1v15(SignatureHash::Sha384),
            "1.2.840.113549.1.1.13" => Self::RsaPkcs1v15(SignatureHash::Sha512),
            "1.2.840.10045.4.1" => Self::Ecdsa(SignatureHash::Sha1),
            "1.2.840.10045.4.3.2" => Self::Ecdsa(SignatureHash::Sha256),
            "1.2.840.10045.4.3.3" => Self::Ecdsa(SignatureHash::Sha384),
            "1.2.840.10045.4.3.4" => Self::Ecdsa(SignatureHash::Sha512),
            "1.3.101.112" => Self::Ed25519,
            "1.3.101.113" => Self::Ed448,
            "1.2.840.113549.1.1.10" => Self::RsaPss(pss_hash(id)?),
            _ => return None,
        };
        Some(alg)
    }
}

/// The hash of RSASSA-PSS parameters (RFC 4055 §3.1); SHA-1 when absent.
fn pss_hash(id: &AlgorithmIdentifier<'_>) -> Option<SignatureHash> {
    let Ok(x509_parser::signature_algorithm::SignatureAlgorithm::RSASSA_PSS(params)) =
        x509_parser::signature_algorithm::SignatureAlgorithm::try_from(id)
    else {
        return None;
    };
    hash_by_oid(&params.hash_algorithm_oid().to_id_string())
}

fn hash_by_oid(oid: &str) -> Option<SignatureHash> {
    match oid {
        "1.3.14.3.2.26" => Some(SignatureHash::Sha1),
        "2.16.840.1.101.3.4.2.1" => Some(SignatureHash::Sha256),
        "2.16.840.1.101.3.4.2.2" => Some(SignatureHash::Sha384),
        "2.16.840.1.101.3.4.2.3" => Some(SignatureHash::Sha512),
        _ => None,
    }
}

/// The kind and size of a certificate's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA with a modulus of this many bits.
    Rsa(u32),
    /// ECDSA on NIST P-256.
    P256,
    /// ECDSA on NIST P-384.
    P384,
    /// ECDSA on brainpoolP256r1.
    BrainpoolP256r1,
    /// ECDSA on brainpoolP384r1.
    BrainpoolP384r1,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
}

impl KeyAlgorithm {
    /// The key's size in bits, as policies bound it.
    pub const fn bits(self) -> u32 {
        match self {
            KeyAlgorithm::Rsa(bits) => bits,
            KeyAlgorithm::P256 | KeyAlgorithm::BrainpoolP256r1 | KeyAlgorithm::Ed25519 => 256,
            KeyAlgorithm::P384 | KeyAlgorithm::BrainpoolP384r1 => 384,
            KeyAlgorithm::Ed448 => 448,
        }
    }

    /// The kind of private key that goes with this public key; `None` for
    /// RSA, whose size [`KeyKind::Rsa`] would fix.
    pub const fn key_kind(self) -> Option<KeyKind> {
        match self {
            KeyAlgorithm::Rsa(_) => None,
            KeyAlgorithm::P256 => Some(KeyKind::P256),
            KeyAlgorithm::P384 => Some(KeyKind::P384),
            KeyAlgorithm::BrainpoolP256r1 => Some(KeyKind::BrainpoolP256r1),
            KeyAlgorithm::BrainpoolP384r1 => Some(KeyKind::BrainpoolP384r1),
            KeyAlgorithm::Ed25519 => Some(KeyKind::Ed25519),
            KeyAlgorithm::Ed448 => Some(KeyKind::Ed448),
        }
    }

    /// The algorithm of a SubjectPublicKeyInfo, or `None` when this crate
    /// does not know it.
    pub fn of(spki: &SubjectPublicKeyInfo<'_>) -> Option<Self> {
        match spki.algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.1" => {
                let key = rsa::PublicKey::from_public_key_der(spki.raw).ok()?;
                let bits = rsa::traits::PublicKeyParts::n(&key).bit_width();
                Some(KeyAlgorithm::Rsa(bits))
            }
            "1.2.840.10045.2.1" => {
                let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?;
                match curve.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => Some(KeyAlgorithm::P256),
                    "1.3.132.0.34" => Some(KeyAlgorithm::P384),
                    "1.3.36.3.3.2.8.1.1.7" => Some(KeyAlgorithm::BrainpoolP256r1),
                    "1.3.36.3.3.2.8.1.1.11" => Some(KeyAlgorithm::BrainpoolP384r1),
                    _ => None,
                }
            }
            "1.3.101.112" => Some(KeyAlgorithm::Ed25519),
            "1.3.101.113" => Some(KeyAlgorithm::Ed448),
            _ => None,
        }
    }
}

fn digest(hash: SignatureHash, data: &[u8]) -> Option<Vec<u8>> {
    match hash {
        SignatureHash::Sha1 => Some(Sha1::digest(data).to_vec()),
        SignatureHash::Sha256 => Some(Sha256::digest(data).to_vec()),
        SignatureHash::Sha384 => Some(Sha384::digest(data).to_vec()),
        SignatureHash::Sha512 => Some(Sha512::digest(data).to_vec()),
        SignatureHash::Intrinsic => None,
    }
}

/// Whether `signature` over `signed` verifies under the public key in the
/// DER SubjectPublicKeyInfo `issuer_spki` with `algorithm`. Any mismatch of
/// key and algorithm, or any malformed input, is `false`.
pub fn verify(
    algorithm: SignatureAlgorithm,
    signed: &[u8],
    signature: &[u8],
    issuer_spki: &[u8],
) -> bool {
    verify_inner(algorithm, signed, signature, issuer_spki).is_some()
}

fn verify_inner(
    algorithm: SignatureAlgorithm,
    signed: &[u8],
    signature: &[u8],
    issuer_spki: &[u8],
) -> Option<()> {
    match algorithm {
        SignatureAlgorithm::RsaPkcs1v15(hash) => {
            let key = rsa::PublicKey::from_public_key_der(issuer_spki).ok()?;
            let sig = rsa::pkcs1v15::Signature::try_from(signature).ok()?;
            match hash {
                SignatureHash::Sha1 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha1>::new(key).verify(signed, &sig)
                }
                SignatureHash::Sha256 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(signed, &sig)
                }
                SignatureHash::Sha384 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(signed, &sig)
                }
                SignatureHash::Sha512 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(signed, &sig)
                }
                SignatureHash::Intrinsic => return None,
            }
            .ok()
        }
        SignatureAlgorithm::RsaPss(hash) => {
            let key = rsa::PublicKey::from_public_key_der(issuer_spki).ok()?;
            let sig = rsa::pss::Signature::try_from(signature).ok()?;
            match hash {
                SignatureHash::Sha1 => {
                    rsa::pss::VerifyingKey::<Sha1>::new_with_auto_salt_len(key).verify(signed, &sig)
                }
                SignatureHash::Sha256 => {
                    rsa::pss::VerifyingKey::<Sha256>::new_with_auto_salt_len(key)
                        .verify(signed, &sig)
                }
                SignatureHash::Sha384 => {
                    rsa::pss::VerifyingKey::<Sha384>::new_with_auto_salt_len(key)
                        .verify(signed, &sig)
                }
                SignatureHash::Sha512 => {
                    rsa::pss::VerifyingKey::<Sha512>::new_with_auto_salt_len(key)
                        .verify(signed, &sig)
                }
                SignatureHash::Intrinsic => return None,
            }
            .ok()
        }
        SignatureAlgorithm::Ecdsa(hash) => {
            let prehash = digest(hash, signed)?;
            if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(issuer_spki) {
                let sig = p256::ecdsa::DerSignature::try_from(signature).ok()?;
                let sig = p256::ecdsa::Signature::try_from(sig).ok()?;
                key.verify_prehash(&prehash, &sig).ok()
            } else if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(issuer_spki) {
                let sig = p384::ecdsa::DerSignature::try_from(signature).ok()?;
                let sig = p384::ecdsa::Signature::try_from(sig).ok()?;
                key.verify_prehash(&prehash, &sig).ok()
            } else if let Ok(key) =
                ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_public_key_der(issuer_spki)
            {
                let sig = bp256::r1::ecdsa::DerSignature::try_from(signature).ok()?;
                let sig = bp256::r1::ecdsa::Signature::try_from(sig).ok()?;
                key.verify_prehash(&prehash, &sig).ok()
            } else {
                let key =
                    ecdsa::VerifyingKey::<bp384::BrainpoolP384r1>::from_public_key_der(issuer_spki)
                        .ok()?;
                let sig = bp384::r1::ecdsa::DerSignature::try_from(signature).ok()?;
                let sig = bp384::r1::ecdsa::Signature::try_from(sig).ok()?;
                key.verify_prehash(&prehash, &sig).ok()
            }
        }
        SignatureAlgorithm::Ed25519 => {
            let key = ed25519_dalek::VerifyingKey::from_public_key_der(issuer_spki).ok()?;
            let sig = ed25519_dalek::Signature::from_slice(signature).ok()?;
            key.verify_strict(signed, &sig).ok()
        }
        SignatureAlgorithm::Ed448 => {
            let key = ed448_goldilocks::VerifyingKey::from_public_key_der(issuer_spki).ok()?;
            let sig = ed448_goldilocks::Signature::from_slice(signature).ok()?;
            key.verify_raw(&sig, signed).ok()
        }
    }
}
