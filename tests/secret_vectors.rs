//! Known answers for EncryptedSecret (OPC 10000-4 §7.41) and the legacy
//! secret format (§7.40.2.2), made by another implementation:
//! `tests/secret_vectors/make_vectors.py`, written from the specification
//! with Python's `cryptography` package. The folder is
//! `$UASC_SECRET_VECTORS_DIR`, default `tests/secret_vectors`.
//!
//! For every file: the secret opens with the recorded receiver key to the
//! recorded secret and nonce; where the scheme is deterministic given the
//! recorded randomness (everything but RSA-OAEP; ECDSA is RFC 6979), making
//! the secret again with the recorded keys gives the recorded bytes; and
//! every listed single-byte modification is rejected with the one uniform
//! error.

mod common;

use std::path::PathBuf;
use std::sync::Mutex;

use common::{hex, hex_of};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use uasc::codec::DateTime;
use uasc::key::{PrivateKey, RsaPrivateKey};
use uasc::policy::{
    AsymmetricEncryption, AsymmetricSignature, BuiltinPolicy, PeerKey, SecurityPolicy, by_uri,
};
use uasc::secret::{
    DecryptedSecret, EccEncryptedSecret, EccSecretPolicy, EccSender, EphemeralKeyPair,
    RsaEncryptedSecret, RsaReceiver, RsaSecretForm, SecretInput, decrypt_legacy_secret,
};
use uasc::{Error, Result};

fn dir() -> PathBuf {
    std::env::var_os("UASC_SECRET_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/secret_vectors"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))
}

fn x(v: &Value, key: &str) -> Vec<u8> {
    hex(s(v, key))
}

fn modifications(v: &Value) -> Vec<(usize, u8)> {
    v["reject_modifications"]
        .as_array()
        .expect("reject_modifications")
        .iter()
        .map(|m| {
            (
                m["offset"].as_u64().unwrap() as usize,
                m["xor"].as_u64().unwrap() as u8,
            )
        })
        .collect()
}

fn rejects(name: &str, v: &Value, open: impl Fn(&[u8]) -> Result<Vec<u8>>, want: Error) {
    let bytes = x(v, "encoded_hex");
    let list = modifications(v);
    assert!(!list.is_empty(), "{name}: no modifications listed");
    for (offset, xor) in list {
        let mut bad = bytes.clone();
        bad[offset] ^= xor;
        assert_eq!(
            open(&bad),
            Err(want.clone()),
            "{name}: byte {offset} ^ {xor:#x}"
        );
    }
}

#[test]
fn secret_vectors() {
    let dir = dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut n = 0;
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        match s(&v, "kind") {
            "RsaEncryptedSecret" => rsa(&name, &v),
            "EccEncryptedSecret" => ecc(&name, &v),
            "LegacySecret" => legacy(&name, &v),
            other => panic!("{name}: unknown kind {other}"),
        }
        n += 1;
    }
    println!("secret vectors: {n} files verified");
    assert!(n > 0, "no secret vectors in {}", dir.display());
}

fn check_secret(name: &str, v: &Value, opened: &DecryptedSecret) {
    assert_eq!(opened.secret(), x(v, "secret_hex"), "{name}");
    assert_eq!(opened.nonce(), x(v, "nonce_hex"), "{name}");
    assert_eq!(
        opened.signing_time(),
        DateTime(v["signing_time_ticks"].as_i64().unwrap()),
        "{name}"
    );
    assert_eq!(opened.policy_uri(), s(v, "security_policy_uri"));
}

/// A receiver key that "encrypts" by handing out recorded ciphertext
/// blocks, so that the rest of a recorded RsaEncryptedSecret can be re-made
/// around the recorded, randomized, RSA-OAEP KeyData.
#[derive(Debug)]
struct Replay {
    real: uasc::key::RsaPublicKey,
    blocks: Mutex<Vec<Vec<u8>>>,
}

impl PeerKey for Replay {
    fn bits(&self) -> usize {
        self.real.bits()
    }
    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.real.signature_len(scheme)
    }
    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        self.real.verify(scheme, data, signature)
    }
    fn plaintext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.real.plaintext_block_size(scheme)
    }
    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.real.ciphertext_block_size(scheme)
    }
    fn encrypt_block(
        &self,
        _: AsymmetricEncryption,
        _: &[u8],
        _: &mut dyn rand_core::CryptoRng,
    ) -> Result<Vec<u8>> {
        Ok(self.blocks.lock().unwrap().remove(0))
    }
}

fn rsa(name: &str, v: &Value) {
    let policy: &'static BuiltinPolicy = by_uri(s(v, "security_policy_uri")).expect("policy");
    let key = RsaPrivateKey::from_pkcs8_pem(s(v, "receiver_private_key_pem")).unwrap();
    assert_eq!(
        (key.size() * 8) as u64,
        v["receiver_key_bits"].as_u64().unwrap()
    );
    let certificate = x(v, "receiver_certificate_der_hex");
    assert_eq!(
        uasc::cert::thumbprint(&certificate).to_vec(),
        x(v, "receiver_thumbprint_hex")
    );
    let bytes = x(v, "encoded_hex");
    let opened = RsaEncryptedSecret::decrypt(&bytes, policy, &certificate, &key)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    check_secret(name, v, &opened);
    let form = match s(v, "form") {
        "Specified" => RsaSecretForm::Specified,
        "DotNet" => RsaSecretForm::DotNet,
        f => panic!("{name}: form {f}"),
    };
    assert_eq!(opened.rsa_form(), Some(form), "{name}");

    // Re-made with the recorded keys around the recorded KeyData.
    let mut material = x(v, "signing_key_hex");
    material.extend(x(v, "encrypting_key_hex"));
    material.extend(x(v, "iv_hex"));
    let key_data = x(v, "key_data_encrypted_hex");
    let replay = Replay {
        real: key.public_key(),
        blocks: Mutex::new(key_data.chunks(key.size()).map(<[u8]>::to_vec).collect()),
    };
    let remade = RsaEncryptedSecret::encrypt_with_keys(
        policy,
        RsaReceiver {
            certificate_der: &certificate,
            key: &replay,
        },
        &SecretInput {
            signing_time: opened.signing_time(),
            nonce: opened.nonce(),
            secret: opened.secret(),
        },
        form,
        &material,
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert_eq!(hex_of(&remade), s(v, "encoded_hex"), "{name}: re-made");

    rejects(
        name,
        v,
        |b| RsaEncryptedSecret::decrypt(b, policy, &certificate, &key).map(|d| d.secret().to_vec()),
        Error::IdentityTokenInvalid,
    );
}

/// Every ECC and RSA_DH policy has a vector file.
#[test]
fn every_key_agreement_policy_has_an_ecc_vector() {
    let dir = dir();
    for policy in EccSecretPolicy::all() {
        let name = policy.policy().descriptor().name;
        let path = dir.join(format!("ecc_{name}.json"));
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}")),
        )
        .unwrap();
        assert_eq!(s(&v, "security_policy_uri"), policy.policy_uri());
        let cipher = match policy.aead() {
            None => "AES-CBC",
            Some(uasc::crypto::AeadAlgorithm::ChaCha20Poly1305) => "ChaCha20-Poly1305",
            Some(_) => "AES-GCM",
        };
        // The two oldest files predate the field; both are AES-CBC.
        assert_eq!(v["payload_cipher"].as_str().unwrap_or("AES-CBC"), cipher);
    }
}

fn ecc(name: &str, v: &Value) {
    let policy = EccSecretPolicy::from_policy_uri(s(v, "security_policy_uri")).expect("policy");
    let certificate = x(v, "sender_certificate_der_hex");
    let sender_public = policy.policy().peer_key(&certificate).unwrap();
    let sender = PrivateKey::from_der(&x(v, "sender_private_key_pkcs8_hex")).unwrap();
    assert!(sender.matches_certificate(&certificate), "{name}");
    let receiver =
        EphemeralKeyPair::from_private_bytes(policy, &x(v, "receiver_ephemeral_private_hex"))
            .unwrap();
    assert_eq!(
        receiver.public_key(),
        x(v, "receiver_public_key_hex"),
        "{name}"
    );
    let ephemeral =
        EphemeralKeyPair::from_private_bytes(policy, &x(v, "sender_ephemeral_private_hex"))
            .unwrap();
    assert_eq!(
        ephemeral.public_key(),
        x(v, "sender_public_key_hex"),
        "{name}"
    );

    let bytes = x(v, "encoded_hex");
    assert_eq!(
        EccEncryptedSecret::sender_certificate(&bytes).unwrap(),
        Some(&certificate[..])
    );
    let opened = EccEncryptedSecret::decrypt(&bytes, policy, &*sender_public, &receiver)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    check_secret(name, v, &opened);

    let remade = EccEncryptedSecret::encrypt_with_ephemeral(
        EccSender {
            certificate: Some(&certificate),
            key: &sender,
        },
        ephemeral,
        receiver.public_key(),
        &SecretInput {
            signing_time: opened.signing_time(),
            nonce: opened.nonce(),
            secret: opened.secret(),
        },
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert_eq!(hex_of(&remade), s(v, "encoded_hex"), "{name}: re-made");

    rejects(
        name,
        v,
        |b| {
            EccEncryptedSecret::decrypt(b, policy, &*sender_public, &receiver)
                .map(|d| d.secret().to_vec())
        },
        Error::IdentityTokenInvalid,
    );
}

fn legacy(name: &str, v: &Value) {
    let key = RsaPrivateKey::from_pkcs8_pem(s(v, "receiver_private_key_pem")).unwrap();
    let uri = s(v, "encryption_algorithm");
    let nonce = x(v, "server_nonce_hex");
    let bytes = x(v, "encoded_hex");
    let secret =
        decrypt_legacy_secret(&key, uri, &bytes, &nonce).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&secret[..], x(v, "secret_hex"), "{name}");
    rejects(
        name,
        v,
        |b| decrypt_legacy_secret(&key, uri, b, &nonce).map(|s| s.to_vec()),
        Error::IdentityTokenInvalid,
    );
}
