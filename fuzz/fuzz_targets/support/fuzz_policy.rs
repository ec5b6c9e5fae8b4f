//! A security policy for fuzzing only, defined through the crate's public
//! `SecurityPolicy` trait as any user's policy would be: Basic256Sha256's
//! nonces, key derivation and chunk protection (AES-256-CBC with
//! HMAC-SHA256: real, and cheap per chunk), with OPN certificate keys whose
//! signatures and encryption are SHA-256 checksums instead of RSA. So an
//! input costs no RSA operation, while every check of the channel runs as
//! it does for a real policy: OPN signatures, decryption and its padding,
//! thumbprints, symmetric MACs, padding and sequence numbers.
//!
//! It protects nothing (a "signature" is a hash anyone can make): it exists
//! to get the fuzzer past the cryptography, never to secure a channel.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use uasc::channel::Identity;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    AsymmetricEncryption, AsymmetricSignature, BASIC256_SHA256, ChainingSecret, KeyExchange,
    OwnKey, PeerKey, PolicyDescriptor, SecurityPolicy,
};
use uasc::rand_core::CryptoRng;
use uasc::{Error, Result};
use zeroize::Zeroizing;

/// Bytes of one "ciphertext" block and one "signature", as RSA-2048's.
const BLOCK: usize = 256;
/// Bytes of plaintext one block carries: RSA-OAEP-SHA1's for 2048 bits.
const PLAIN: usize = 214;

/// The policy.
#[derive(Debug)]
pub struct FuzzPolicy {
    descriptor: PolicyDescriptor,
}

impl FuzzPolicy {
    pub fn new() -> FuzzPolicy {
        FuzzPolicy {
            descriptor: PolicyDescriptor {
                name: "Fuzz",
                uri: "urn:uasc:fuzz:policy",
                ..*BASIC256_SHA256.descriptor()
            },
        }
    }
}

impl SecurityPolicy for FuzzPolicy {
    fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> Result<Box<dyn KeyExchange>> {
        BASIC256_SHA256.start_key_exchange(mode, rng, previous)
    }

    fn peer_key(&self, certificate_der: &[u8]) -> Result<Box<dyn PeerKey>> {
        Ok(Box::new(FuzzKey::of(certificate_der)))
    }
}

/// A "certificate" for the policy: a DER SEQUENCE around `name` (the
/// channel splits chains into DER blocks), and the identity that holds it.
pub fn identity(name: &[u8]) -> Identity {
    let mut der = vec![0x30, name.len() as u8];
    der.extend_from_slice(name);
    Identity {
        key: Arc::new(FuzzKey::of(&der)),
        certificate: der.into(),
    }
}

/// Both halves of a certificate key: its "private" and "public" parts are
/// the same hash of the certificate.
#[derive(Debug)]
pub struct FuzzKey([u8; 32]);

impl FuzzKey {
    pub fn of(certificate_der: &[u8]) -> FuzzKey {
        FuzzKey(Sha256::digest(certificate_der).into())
    }

    fn tag(&self, data: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.0)
            .chain_update(data)
            .finalize()
            .into()
    }

    fn signature(&self, data: &[u8]) -> Vec<u8> {
        self.tag(data).repeat(BLOCK / 32)
    }
}

impl OwnKey for FuzzKey {
    fn bits(&self) -> usize {
        BLOCK * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        BLOCK
    }

    fn sign(&self, _: AsymmetricSignature, data: &[u8], _: &mut dyn CryptoRng) -> Result<Vec<u8>> {
        Ok(self.signature(data))
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        BLOCK
    }

    /// A block is `length (u16) ‖ plaintext padded to 214 bytes ‖ its tag
    /// (32) ‖ 8 zeros`; anything else fails, as a bad OAEP block does.
    fn decrypt_block(&self, _: AsymmetricEncryption, block: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if block.len() != BLOCK {
            return Err(Error::SecurityChecksFailed);
        }
        let len = usize::from(u16::from_le_bytes([block[0], block[1]]));
        let (plain, rest) = block[2..].split_at(PLAIN);
        let (tag, zeros) = rest.split_at(32);
        if len > PLAIN || tag != self.tag(plain) || zeros.iter().any(|&b| b != 0) {
            return Err(Error::SecurityChecksFailed);
        }
        Ok(Zeroizing::new(plain[..len].to_vec()))
    }
}

impl PeerKey for FuzzKey {
    fn bits(&self) -> usize {
        BLOCK * 8
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        BLOCK
    }

    fn verify(&self, _: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        if signature == self.signature(data) {
            Ok(())
        } else {
            Err(Error::SecurityChecksFailed)
        }
    }

    fn plaintext_block_size(&self, _: AsymmetricEncryption) -> usize {
        PLAIN
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        BLOCK
    }

    fn encrypt_block(
        &self,
        _: AsymmetricEncryption,
        block: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        if block.len() > PLAIN {
            return Err(Error::SecurityChecksFailed);
        }
        let mut plain = [0u8; PLAIN];
        plain[..block.len()].copy_from_slice(block);
        let mut out = Vec::with_capacity(BLOCK);
        out.extend_from_slice(&(block.len() as u16).to_le_bytes());
        out.extend_from_slice(&plain);
        out.extend_from_slice(&self.tag(&plain));
        out.resize(BLOCK, 0);
        Ok(out)
    }
}
