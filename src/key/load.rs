//! Reading private keys from the files other tools write: PKCS#8 (RFC 5958,
//! `PRIVATE KEY`), PKCS#1 (RFC 8017, `RSA PRIVATE KEY`) and SEC1 (RFC 5915,
//! `EC PRIVATE KEY`), in DER or PEM (RFC 7468).

use ::rsa::pkcs8::PrivateKeyInfoRef;
use ::rsa::pkcs8::der::asn1::ObjectIdentifier;

use super::{
    EcdsaPrivateKey, Ed448PrivateKey, Ed25519PrivateKey, KeyError, PrivateKey, RsaPrivateKey,
};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const BRAINPOOL_P256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
const BRAINPOOL_P384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

impl PrivateKey {
    /// Reads the first private key in PEM text: PKCS#8
    /// (`-----BEGIN PRIVATE KEY-----`), PKCS#1
    /// (`-----BEGIN RSA PRIVATE KEY-----`) or SEC1
    /// (`-----BEGIN EC PRIVATE KEY-----`). Other blocks before it (a
    /// certificate, `EC PARAMETERS`) are passed over.
    ///
    /// An encrypted key is [`KeyError::Encrypted`]; a key of an algorithm
    /// other than RSA, ECDSA on P-256/P-384/brainpoolP256r1/brainpoolP384r1,
    /// Ed25519 or Ed448 is
    /// [`KeyError::Unsupported`]; anything else that is not a key is
    /// [`KeyError::Malformed`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        Self::from_pem_bytes(pem.as_bytes())
    }

    /// Reads a DER private key: PKCS#8, PKCS#1 or SEC1, whichever it is.
    /// Errors as [`from_pem`](Self::from_pem).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Ok(info) = PrivateKeyInfoRef::try_from(der) {
            return from_pkcs8(der, &info);
        }
        if let Ok(key) = RsaPrivateKey::from_pkcs1_der(der) {
            return Ok(PrivateKey::Rsa(key));
        }
        EcdsaPrivateKey::from_sec1_der(der).map(PrivateKey::Ecdsa)
    }

    /// Reads a private key file's contents, PEM or DER (told apart by the
    /// first byte that is not white space: PEM starts with `-`).
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self, KeyError> {
        if crate::cert::is_pem(data) {
            Self::from_pem_bytes(data)
        } else {
            Self::from_der(data)
        }
    }

    fn from_pem_bytes(pem: &[u8]) -> Result<Self, KeyError> {
        if contains(pem, b"ENCRYPTED PRIVATE KEY") || contains(pem, b"Proc-Type: 4,ENCRYPTED") {
            return Err(KeyError::Encrypted);
        }
        for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
            let block = block.map_err(|_| KeyError::Malformed)?;
            let der = zeroize::Zeroizing::new(block.contents);
            return match block.label.as_str() {
                "PRIVATE KEY" => Self::from_der_pkcs8(&der),
                "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der).map(PrivateKey::Rsa),
                "EC PRIVATE KEY" => EcdsaPrivateKey::from_sec1_der(&der).map(PrivateKey::Ecdsa),
                _ => continue,
            };
        }
        Err(KeyError::Malformed)
    }

    fn from_der_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let info = PrivateKeyInfoRef::try_from(der).map_err(|_| KeyError::Malformed)?;
        from_pkcs8(der, &info)
    }
}

/// A PKCS#8 key by its algorithm: RSA, ECDSA on P-256, P-384,
/// brainpoolP256r1 or brainpoolP384r1, Ed25519, Ed448.
fn from_pkcs8(der: &[u8], info: &PrivateKeyInfoRef<'_>) -> Result<PrivateKey, KeyError> {
    let algorithm = info.algorithm.oid;
    if algorithm == RSA_ENCRYPTION {
        RsaPrivateKey::from_pkcs8_der(der).map(PrivateKey::Rsa)
    } else if algorithm == EC_PUBLIC_KEY {
        // Another curve (secp256k1, brainpool t1) is well-formed but not
        // ours.
        let curve = info.algorithm.parameters_oid().ok();
        if !curve.is_some_and(|c| [P256, P384, BRAINPOOL_P256R1, BRAINPOOL_P384R1].contains(&c)) {
            return Err(KeyError::Unsupported);
        }
        EcdsaPrivateKey::from_pkcs8_der(der).map(PrivateKey::Ecdsa)
    } else if algorithm == ED25519 {
        Ed25519PrivateKey::from_pkcs8_der(der).map(PrivateKey::Ed25519)
    } else if algorithm == ED448 {
        Ed448PrivateKey::from_pkcs8_der(der).map(PrivateKey::Ed448)
    } else {
        Err(KeyError::Unsupported)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
