//! The algorithms the security policies name, as data: hashes, the curves
//! of the ephemeral key agreement, and the AEAD ciphers (OPC 10000-7;
//! OPC 10000-6 §6.8).

/// A hash function, as the HMACs and key derivations of the policies use
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-1 (the deprecated policies).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384 (ECC_nistP384).
    Sha384,
}

impl HashAlgorithm {
    /// Length of a digest, and so of an HMAC tag, in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
        }
    }
}

/// A group for ephemeral (EC)DH key agreement (OPC 10000-6 §6.8): the
/// curves of the ECC policies and the finite field of the RSA_DH ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EcdhCurve {
    /// NIST P-256 (secp256r1).
    NistP256,
    /// NIST P-384 (secp384r1).
    NistP384,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// X25519 (RFC 7748).
    X25519,
    /// X448 (RFC 7748).
    X448,
    /// The finite-field group ffdhe3072 of RFC 7919 (generator 2), of
    /// RSA_DH_AesGcm and RSA_DH_ChaChaPoly.
    ///
    /// The built-in provider draws private exponents of 384 random bits:
    /// RFC 7919 §5.2 asks for at least twice the group's security strength
    /// (275 bits for ffdhe3072; UA-.NETStandard draws 275 to 383 bits), and
    /// 384 bits stays above that at an eighth of the cost of a full-length
    /// exponent. The exponentiation is constant time over a fixed bound
    /// (384 bits for its own keys, 3072 for an exponent imported as 384
    /// bytes). Peer values outside `1 < y < p − 1`, or outside the
    /// prime-order subgroup of g, are `BadNonceInvalid`.
    Ffdhe3072,
}

impl EcdhCurve {
    /// Length of a coordinate, of a private scalar and of the shared
    /// secret (the x coordinate, or the u coordinate of X25519/X448), in
    /// bytes; for ffdhe3072 the length of p (384), to which exponents,
    /// public values and shared secrets are left-padded.
    pub const fn scalar_len(self) -> usize {
        match self {
            EcdhCurve::NistP256 | EcdhCurve::BrainpoolP256r1 | EcdhCurve::X25519 => 32,
            EcdhCurve::NistP384 | EcdhCurve::BrainpoolP384r1 => 48,
            EcdhCurve::X448 => 56,
            EcdhCurve::Ffdhe3072 => 384,
        }
    }

    /// Whether this is a Montgomery curve of RFC 7748, whose public keys
    /// are one coordinate.
    pub const fn is_montgomery(self) -> bool {
        matches!(self, EcdhCurve::X25519 | EcdhCurve::X448)
    }

    /// Length of a public key on the wire (OPC 10000-6 §6.8): `X ‖ Y`,
    /// each coordinate big-endian and padded to the field size, without the
    /// SEC1 0x04 tag, for the Weierstrass curves; the raw RFC 7748 u
    /// coordinate for X25519 (32) and X448 (56); for ffdhe3072 the
    /// 384-byte big-endian public value `g^x mod p`.
    pub const fn public_key_len(self) -> usize {
        if self.is_montgomery() || matches!(self, EcdhCurve::Ffdhe3072) {
            self.scalar_len()
        } else {
            2 * self.scalar_len()
        }
    }
}

/// An AEAD cipher for MSG and CLO chunks (OPC 10000-6 §6.7.2.5.2): a
/// 12-byte nonce and a 16-byte tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadAlgorithm {
    /// AES-128-GCM (NIST SP 800-38D).
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// Length of the nonce, in bytes.
    pub const NONCE_LEN: usize = 12;
    /// Length of the tag, in bytes.
    pub const TAG_LEN: usize = 16;

    /// Length of the key, in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            AeadAlgorithm::Aes128Gcm => 16,
            AeadAlgorithm::Aes256Gcm | AeadAlgorithm::ChaCha20Poly1305 => 32,
        }
    }
}
