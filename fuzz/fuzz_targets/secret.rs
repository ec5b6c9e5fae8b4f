//! The EncryptedSecret decoders (OPC 10000-4 §7.41) and the legacy secret
//! format (§7.40.2.2) with real keys: an RSA-2048 receiver and a P-256
//! sender and receiver, made once from a fixed seed.
//!
//! The first byte chooses the decoder and how the rest is read:
//! * `0..=2` (RsaEncryptedSecret, EccEncryptedSecret, legacy): the rest is
//!   given to the decoder as it is;
//! * `3..=5`: the rest is a secret, which is encrypted for our keys, then
//!   changed by the flips that follow it (`offset (u16) ‖ xor (u8)`
//!   triples after a length byte) and opened. An unchanged secret must
//!   open to the same bytes; a changed one must fail with the one uniform
//!   error, `BadIdentityTokenInvalid`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::codec::DateTime;
use uasc::key::{EcdsaPrivateKey, EcdsaPublicKey, RsaPrivateKey, RsaPublicKey};
use uasc::policy::{BASIC256_SHA256, ECC_NIST_P256};
use uasc::secret::{
    EccEncryptedSecret, EccSecretPolicy, EccSender, EphemeralKeyPair, LegacyAlgorithm,
    RsaEncryptedSecret, RsaReceiver, RsaSecretForm, SecretInput, decrypt_legacy_secret,
    encrypt_legacy_secret,
};
use uasc::{Error, Result};

mod support;

const NONCE: [u8; 32] = [0x5A; 32];
const OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";

struct Keys {
    rsa: RsaPrivateKey,
    rsa_public: RsaPublicKey,
    /// Only its SHA-1 thumbprint is read: any bytes do.
    rsa_certificate: Vec<u8>,
    sender: EcdsaPrivateKey,
    sender_public: EcdsaPublicKey,
    receiver: EphemeralKeyPair,
}

/// The policy of the ECC secrets: ECC_nistP256.
fn p256_secret_policy() -> EccSecretPolicy {
    EccSecretPolicy::new(&ECC_NIST_P256).expect("a key-agreement policy")
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(17);
        let rsa = RsaPrivateKey::generate(2048, &mut rng).expect("an RSA key");
        let sender = EcdsaPrivateKey::generate(false, &mut rng);
        Keys {
            rsa_public: rsa.public_key(),
            rsa,
            rsa_certificate: b"the receiver's certificate".to_vec(),
            sender_public: sender.public_key(),
            sender,
            receiver: EphemeralKeyPair::generate(p256_secret_policy(), &mut rng),
        }
    })
}

fn open(kind: u8, bytes: &[u8]) -> Result<Vec<u8>> {
    let k = keys();
    match kind {
        0 => RsaEncryptedSecret::decrypt(bytes, &BASIC256_SHA256, &k.rsa_certificate, &k.rsa)
            .map(|s| s.secret().to_vec()),
        1 => {
            EccEncryptedSecret::decrypt(bytes, p256_secret_policy(), &k.sender_public, &k.receiver)
                .map(|s| s.secret().to_vec())
        }
        _ => decrypt_legacy_secret(&k.rsa, OAEP, bytes, &NONCE).map(|s| s.to_vec()),
    }
}

fn seal(kind: u8, secret: &[u8]) -> Vec<u8> {
    let k = keys();
    let mut rng = StdRng::seed_from_u64(u64::from(kind));
    let input = SecretInput {
        signing_time: DateTime(133_000_000_000_000_000),
        nonce: &NONCE,
        secret,
    };
    match kind {
        0 => RsaEncryptedSecret::encrypt(
            &BASIC256_SHA256,
            RsaReceiver {
                certificate_der: &k.rsa_certificate,
                key: &k.rsa_public,
            },
            &input,
            RsaSecretForm::Specified,
            &mut rng,
        ),
        1 => EccEncryptedSecret::encrypt(
            p256_secret_policy(),
            EccSender {
                certificate: None,
                key: &k.sender,
            },
            k.receiver.public_key(),
            &input,
            &mut rng,
        ),
        _ => encrypt_legacy_secret(
            &k.rsa_public,
            LegacyAlgorithm::RsaOaepSha1,
            secret,
            &NONCE,
            &mut rng,
        ),
    }
    .expect("a secret of a fuzzed size seals")
}

fuzz_target!(|data: &[u8]| {
    let Some((kind, secret, flips)) = support::open_input(data, |kind, bytes| {
        let _ = open(kind, bytes);
    }) else {
        return;
    };
    let mut sealed = seal(kind, secret);
    support::flip(&mut sealed, flips);
    // Flips may cancel out: what counts is whether the bytes differ.
    let changed = sealed != seal(kind, secret);
    match open(kind, &sealed) {
        Ok(opened) => {
            assert!(!changed, "a changed secret opened");
            assert_eq!(opened, secret);
        }
        Err(e) => {
            assert!(changed, "an unchanged secret failed: {e:?}");
            assert!(matches!(e, Error::IdentityTokenInvalid), "{e:?}");
        }
    }
});
