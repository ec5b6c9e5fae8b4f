//! The legacy encrypted secret of UserIdentityTokens, before EncryptedSecret
//! (OPC 10000-4 §7.40.2.2 in the newest text, §7.36.2.2 in 1.04):
//! `RSA(Length ‖ tokenData ‖ serverNonce)`, unsigned.

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::policy::{AsymmetricEncryption, OwnKey, PeerKey};
use crate::{Error, Result};

/// The `encryptionAlgorithm` of a UserIdentityToken that uses the legacy
/// format (OPC 10000-4 §7.40.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegacyAlgorithm {
    /// `http://www.w3.org/2001/04/xmlenc#rsa-oaep`: RSA-OAEP with SHA-1.
    RsaOaepSha1,
    /// `http://opcfoundation.org/UA/security/rsa-oaep-sha2-256`: RSA-OAEP
    /// with SHA-256.
    RsaOaepSha256,
    /// `http://www.w3.org/2001/04/xmlenc#rsa-1_5`: RSA PKCS#1 v1.5, open to
    /// padding-oracle attacks. Only with the `legacy-policies` feature.
    #[cfg(feature = "legacy-policies")]
    RsaPkcs1v15,
}

/// The URI of RSA PKCS#1 v1.5 encryption.
pub const RSA_1_5_URI: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";

impl LegacyAlgorithm {
    /// The algorithm's URI.
    pub const fn uri(self) -> &'static str {
        match self {
            LegacyAlgorithm::RsaOaepSha1 => "http://www.w3.org/2001/04/xmlenc#rsa-oaep",
            LegacyAlgorithm::RsaOaepSha256 => {
                "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256"
            }
            #[cfg(feature = "legacy-policies")]
            LegacyAlgorithm::RsaPkcs1v15 => RSA_1_5_URI,
        }
    }

    /// The algorithm with this URI. `rsa-1_5` without the `legacy-policies`
    /// feature, and any unknown URI, is `BadIdentityTokenInvalid`.
    pub fn from_uri(uri: &str) -> Result<Self> {
        [
            LegacyAlgorithm::RsaOaepSha1,
            LegacyAlgorithm::RsaOaepSha256,
            #[cfg(feature = "legacy-policies")]
            LegacyAlgorithm::RsaPkcs1v15,
        ]
        .into_iter()
        .find(|a| a.uri() == uri)
        .ok_or(Error::IdentityTokenInvalid)
    }

    const fn scheme(self) -> AsymmetricEncryption {
        match self {
            LegacyAlgorithm::RsaOaepSha1 => AsymmetricEncryption::RsaOaepSha1,
            LegacyAlgorithm::RsaOaepSha256 => AsymmetricEncryption::RsaOaepSha256,
            #[cfg(feature = "legacy-policies")]
            LegacyAlgorithm::RsaPkcs1v15 => AsymmetricEncryption::RsaPkcs1v15,
        }
    }
}

/// Encrypts `secret` in the legacy format for the receiver's key:
/// `Length (UInt32) ‖ secret ‖ server_nonce` with `Length = len(secret) +
/// len(server_nonce)`, split over as many RSA blocks as it needs
/// (OPC 10000-4 §7.40.2.2).
pub fn encrypt_legacy_secret(
    receiver: &dyn PeerKey,
    algorithm: LegacyAlgorithm,
    secret: &[u8],
    server_nonce: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>> {
    let scheme = algorithm.scheme();
    let length = u32::try_from(secret.len() + server_nonce.len())
        .map_err(|_| Error::EncodingLimitsExceeded("legacy secret"))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(4 + secret.len() + server_nonce.len()));
    plain.extend_from_slice(&length.to_le_bytes());
    plain.extend_from_slice(secret);
    plain.extend_from_slice(server_nonce);
    let block = receiver.plaintext_block_size(scheme);
    if block == 0 {
        return Err(Error::SecurityPolicyRejected);
    }
    let mut out = Vec::new();
    for chunk in plain.chunks(block) {
        out.extend_from_slice(&receiver.encrypt_block(scheme, chunk, rng)?);
    }
    Ok(out)
}

/// Opens a legacy encrypted secret with our private key and returns the
/// secret (OPC 10000-4 §7.40.2.2).
///
/// `algorithm_uri` is the token's `encryptionAlgorithm`; `rsa-1_5` is
/// refused **before** any decryption unless the `legacy-policies` feature
/// is on. Every block is decrypted even after one failed; the decrypted
/// Length must fit in the bytes that follow it and be at least the nonce's
/// length, the nonce at its end must equal `server_nonce` (compared in
/// constant time), and any bytes after it must be zeros (the padding the
/// 1.04.1 errata allows a client to add). Every failure is
/// `BadIdentityTokenInvalid`.
pub fn decrypt_legacy_secret(
    own_key: &dyn OwnKey,
    algorithm_uri: &str,
    ciphertext: &[u8],
    server_nonce: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let scheme = LegacyAlgorithm::from_uri(algorithm_uri)?.scheme();
    let block = own_key.ciphertext_block_size(scheme);
    if block == 0 || ciphertext.is_empty() || !ciphertext.len().is_multiple_of(block) {
        return Err(Error::IdentityTokenInvalid);
    }
    let mut ok = true;
    let mut plain = Zeroizing::new(Vec::new());
    for chunk in ciphertext.chunks(block) {
        match own_key.decrypt_block(scheme, chunk) {
            Ok(p) => plain.extend_from_slice(&p),
            Err(_) => ok = false,
        }
    }
    if !ok {
        return Err(Error::IdentityTokenInvalid);
    }
    let (length, rest) = plain
        .split_first_chunk::<4>()
        .ok_or(Error::IdentityTokenInvalid)?;
    let length = usize::try_from(u32::from_le_bytes(*length)).unwrap_or(usize::MAX);
    if length > rest.len() || length < server_nonce.len() {
        return Err(Error::IdentityTokenInvalid);
    }
    let (content, padding) = rest.split_at(length);
    let (secret, nonce) = content.split_at(length - server_nonce.len());
    // Padding after the nonce, if a client added any, must be zeros
    // (OPC 10000-4 1.04.1 errata); checked with the nonce, without branching
    // on either alone.
    let padding_ok = padding.iter().fold(0u8, |acc, b| acc | b).ct_eq(&0);
    if !bool::from(nonce.ct_eq(server_nonce) & padding_ok) {
        return Err(Error::IdentityTokenInvalid);
    }
    Ok(Zeroizing::new(secret.to_vec()))
}
