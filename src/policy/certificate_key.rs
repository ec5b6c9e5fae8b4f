//! The asymmetric keys that secure OPN chunks, as traits, so that a key can
//! live outside this crate (a hardware security module, another crypto
//! backend) (OPC 10000-6 §6.7.2.3, §6.7.2.5).

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{AsymmetricEncryption, AsymmetricSignature};
use crate::Result;

/// Our application instance key: signs the OPN chunks we send and decrypts
/// the ones we receive.
///
/// The private keys of [`crate::key`] implement it for keys in memory:
/// [`RsaPrivateKey`](crate::key::RsaPrivateKey),
/// [`EcdsaPrivateKey`](crate::key::EcdsaPrivateKey),
/// [`Ed25519PrivateKey`](crate::key::Ed25519PrivateKey), and
/// [`PrivateKey`](crate::key::PrivateKey), which holds any of them.
/// A scheme the key cannot do is `BadSecurityChecksFailed`.
pub trait OwnKey: Send + Sync + fmt::Debug {
    /// The key's size in bits.
    fn bits(&self) -> usize;

    /// Length of a signature made with `scheme`, in bytes.
    fn signature_len(&self, scheme: AsymmetricSignature) -> usize;

    /// Signs `data`. `rng` blinds the private-key operation and provides any
    /// salt the scheme needs.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>>;

    /// Length of one ciphertext block under `scheme`, in bytes (0 when the
    /// key cannot decrypt).
    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize;

    /// Decrypts one ciphertext block. Every failure is
    /// `BadSecurityChecksFailed`, with no detail about why.
    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>>;
}

/// The peer's certificate key: verifies the OPN chunks it sends and
/// encrypts the ones we send it.
///
/// [`RsaPublicKey`](crate::key::RsaPublicKey) and
/// [`EcdsaPublicKey`](crate::key::EcdsaPublicKey) implement it;
/// [`SecurityPolicy::peer_key`](super::SecurityPolicy::peer_key) makes one
/// from a certificate.
pub trait PeerKey: Send + Sync + fmt::Debug {
    /// The key's size in bits.
    fn bits(&self) -> usize;

    /// Length of a signature made with `scheme`, in bytes.
    fn signature_len(&self, scheme: AsymmetricSignature) -> usize;

    /// Checks `signature` over `data`. Every failure is
    /// `BadSecurityChecksFailed`.
    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()>;

    /// Bytes of plaintext one block carries under `scheme` (0 when the key
    /// cannot encrypt).
    fn plaintext_block_size(&self, scheme: AsymmetricEncryption) -> usize;

    /// Length of one ciphertext block under `scheme`, in bytes.
    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize;

    /// Encrypts one block of at most
    /// [`plaintext_block_size`](Self::plaintext_block_size) bytes.
    fn encrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>>;
}
