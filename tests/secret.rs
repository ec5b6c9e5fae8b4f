//! EncryptedSecret (OPC 10000-4 §7.41), the legacy secret format
//! (§7.40.2.2) and the ephemeral key ring, through the public API:
//! round trips for every policy (the RSA ones, and all twenty ECC and RSA_DH
//! ones for EccEncryptedSecret) and receiver key size, flipped bytes
//! rejected with the one uniform error, rotation on a virtual clock.

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{captures, hex, hex_of, s};
use p256::elliptic_curve::Generate;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::codec::{DateTime, DecodeLimits, decode_exact, encode_to_vec};
use uasc::crypto::EcdhCurve;
use uasc::key::{EcdsaPrivateKey, EdDsaPublicKey, KeyKind, PrivateKey, RsaPrivateKey};
use uasc::policy::{
    AES128_SHA256_RSA_OAEP, AES256_SHA256_RSA_PSS, AsymmetricEncryption, AsymmetricSignature,
    BASIC256_SHA256, BuiltinPolicy, ECC_CURVE448_AES_GCM, ECC_NIST_P256, ECC_NIST_P384,
    ECC_NIST_P384_CHACHA_POLY, OwnKey, PeerKey, RSA_DH_AES_GCM,
};
use uasc::secret::{
    DecryptedSecret, EccEncryptedSecret, EccSecretPolicy, EccSender, EphemeralKeyPair,
    EphemeralKeyRing, EphemeralKeyType, ExportedKeyRing, KeyRingConfig, LegacyAlgorithm,
    RsaEncryptedSecret, RsaReceiver, RsaSecretForm, SecretInput, decrypt_legacy_secret,
    encrypt_legacy_secret,
};
use uasc::{Error, StatusCode};

const SIZES: [usize; 8] = [0, 1, 15, 16, 31, 64, 200, 4096];
const POLICIES: [&BuiltinPolicy; 3] = [
    &BASIC256_SHA256,
    &AES128_SHA256_RSA_OAEP,
    &AES256_SHA256_RSA_PSS,
];
const NONCE: [u8; 32] = [0x5A; 32];
const TIME: DateTime = DateTime(133_000_000_000_000_000);

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn secret(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// A receiver: its private key and DER certificate (any bytes stand in for
/// the certificate of the generated key; only its thumbprint is used).
struct Receiver {
    bits: usize,
    key: RsaPrivateKey,
    certificate: Vec<u8>,
}

fn receivers() -> &'static [Receiver] {
    static R: OnceLock<Vec<Receiver>> = OnceLock::new();
    R.get_or_init(|| {
        let (_, capture) = captures().into_iter().next().expect("a capture file");
        let key2048 = RsaPrivateKey::from_pkcs8_pem(s(&capture, "server_private_key_pem")).unwrap();
        let cert2048 = hex(s(&capture, "server_certificate_der_hex"));
        let key4096 = RsaPrivateKey::generate(4096, &mut rng(4096)).unwrap();
        vec![
            Receiver {
                bits: 2048,
                key: key2048,
                certificate: cert2048,
            },
            Receiver {
                bits: 4096,
                key: key4096,
                certificate: b"stand-in certificate of the 4096-bit key".to_vec(),
            },
        ]
    })
}

fn rsa_secret(
    policy: &'static BuiltinPolicy,
    receiver: &Receiver,
    plain: &[u8],
    form: RsaSecretForm,
    seed: u64,
) -> Vec<u8> {
    let public = receiver.key.public_key();
    RsaEncryptedSecret::encrypt(
        policy,
        RsaReceiver {
            certificate_der: &receiver.certificate,
            key: &public,
        },
        &SecretInput {
            signing_time: TIME,
            nonce: &NONCE,
            secret: plain,
        },
        form,
        &mut rng(seed),
    )
    .unwrap()
}

fn open_rsa(
    bytes: &[u8],
    policy: &'static BuiltinPolicy,
    receiver: &Receiver,
) -> uasc::Result<DecryptedSecret> {
    RsaEncryptedSecret::decrypt(bytes, policy, &receiver.certificate, &receiver.key)
}

fn check_opened(opened: &DecryptedSecret, plain: &[u8], uri: &str) {
    assert_eq!(opened.secret(), plain);
    assert_eq!(opened.nonce(), NONCE);
    assert_eq!(opened.signing_time(), TIME);
    assert_eq!(opened.policy_uri(), uri);
    opened.check_nonce(&NONCE).unwrap();
    assert_eq!(
        opened.check_nonce(&[0x5B; 32]),
        Err(Error::IdentityTokenInvalid)
    );
    let debug = format!("{opened:?}");
    assert!(debug.contains(&format!("secret_len: {}", plain.len())));
}

#[test]
fn rsa_secrets_round_trip_for_every_policy_key_size_secret_size_and_form() {
    let mut n = 0;
    for policy in POLICIES {
        for receiver in receivers() {
            for (i, size) in SIZES.into_iter().enumerate() {
                for form in [RsaSecretForm::Specified, RsaSecretForm::DotNet] {
                    let plain = secret(size);
                    let bytes = rsa_secret(policy, receiver, &plain, form, i as u64);
                    // TypeId i=17545 as a four-byte NodeId, then EncodingMask 1.
                    assert_eq!(bytes[..5], [0x01, 0x00, 0x89, 0x44, 0x01]);
                    let length = u32::from_le_bytes(bytes[5..9].try_into().unwrap());
                    assert_eq!(length as usize, bytes.len() - 9);
                    let opened = open_rsa(&bytes, policy, receiver).unwrap_or_else(|e| {
                        panic!(
                            "{} RSA-{} {size} {form:?}: {e}",
                            policy.descriptor().name,
                            receiver.bits
                        )
                    });
                    check_opened(&opened, &plain, policy.descriptor().uri);
                    assert_eq!(opened.rsa_form(), Some(form));
                    // Encrypted payload: whole blocks, short secrets padded past a block.
                    let key_data_len = receiver.bits / 8;
                    let payload_len = bytes.len() - 32 - key_data_len - header_len(policy);
                    assert_eq!(payload_len % 16, 0);
                    assert!(payload_len >= 8 + 32 + size.max(16));
                    n += 1;
                }
            }
        }
    }
    assert_eq!(n, 3 * 2 * 8 * 2);
}

/// TypeId (4) + mask (1) + Length (4) + URI + thumbprint (4 + 20) +
/// SigningTime (8) + KeyDataLength (2).
fn header_len(policy: &BuiltinPolicy) -> usize {
    9 + 4 + policy.descriptor().uri.len() + 24 + 8 + 2
}

fn assert_uniform(result: uasc::Result<DecryptedSecret>, what: &str) {
    match result {
        Err(e) => {
            assert_eq!(e, Error::IdentityTokenInvalid, "{what}");
            assert_eq!(e.status_code(), StatusCode::BAD_IDENTITY_TOKEN_INVALID);
        }
        Ok(_) => panic!("{what}: accepted"),
    }
}

#[test]
fn every_flipped_byte_of_an_rsa_secret_is_rejected_with_one_error() {
    let receiver = &receivers()[0];
    for form in [RsaSecretForm::Specified, RsaSecretForm::DotNet] {
        let bytes = rsa_secret(&BASIC256_SHA256, receiver, b"correct horse", form, 1);
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                assert_uniform(
                    open_rsa(&bad, &BASIC256_SHA256, receiver),
                    &format!("{form:?} byte {i} ^ {bit:#x}"),
                );
            }
        }
        for cut in [0, 1, 9, bytes.len() - 33, bytes.len() - 1] {
            assert_uniform(
                open_rsa(&bytes[..cut], &BASIC256_SHA256, receiver),
                &format!("truncated to {cut}"),
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_uniform(open_rsa(&longer, &BASIC256_SHA256, receiver), "extended");
    }
}

#[test]
fn rsa_secrets_for_another_policy_or_receiver_are_rejected() {
    let [r2048, r4096] = receivers() else {
        panic!()
    };
    let bytes = rsa_secret(&BASIC256_SHA256, r2048, b"pw", RsaSecretForm::Specified, 2);
    assert_uniform(open_rsa(&bytes, &AES128_SHA256_RSA_OAEP, r2048), "policy");
    assert_uniform(open_rsa(&bytes, &BASIC256_SHA256, r4096), "receiver");
    // The right thumbprint but another key.
    let wrong = Receiver {
        bits: 4096,
        key: r4096.key.clone(),
        certificate: r2048.certificate.clone(),
    };
    assert_uniform(open_rsa(&bytes, &BASIC256_SHA256, &wrong), "key");
}

fn secret_policy(policy: &'static BuiltinPolicy) -> EccSecretPolicy {
    EccSecretPolicy::new(policy).unwrap()
}

fn ecc_sender(policy: EccSecretPolicy, seed: u64) -> EcdsaPrivateKey {
    match policy.ecdh() {
        EcdhCurve::NistP256 => EcdsaPrivateKey::P256(p256::ecdsa::SigningKey::from(
            p256::SecretKey::generate_from_rng(&mut rng(seed)),
        )),
        EcdhCurve::NistP384 => EcdsaPrivateKey::P384(p384::ecdsa::SigningKey::from(
            p384::SecretKey::generate_from_rng(&mut rng(seed)),
        )),
        _ => unreachable!(),
    }
}

/// A sender key of the policy's certificate kind, and its public key. The
/// RSA_DH senders are the RSA receivers' keys (an odd seed the 2048-bit
/// one, an even seed the 4096-bit one), to spare generating RSA keys.
fn sender_of(policy: EccSecretPolicy, seed: u64) -> (PrivateKey, Box<dyn PeerKey>) {
    let kind = match policy.ecdh() {
        EcdhCurve::NistP256 => KeyKind::P256,
        EcdhCurve::NistP384 => KeyKind::P384,
        EcdhCurve::BrainpoolP256r1 => KeyKind::BrainpoolP256r1,
        EcdhCurve::BrainpoolP384r1 => KeyKind::BrainpoolP384r1,
        EcdhCurve::X25519 => KeyKind::Ed25519,
        EcdhCurve::X448 => KeyKind::Ed448,
        EcdhCurve::Ffdhe3072 => KeyKind::Rsa(2048),
        _ => unreachable!(),
    };
    assert_eq!(
        policy.policy().descriptor().certificate_key_kind(),
        Some(kind)
    );
    let key = match kind {
        KeyKind::Rsa(_) => {
            PrivateKey::Rsa(receivers()[usize::from(seed.is_multiple_of(2))].key.clone())
        }
        _ => PrivateKey::generate(kind, &mut rng(seed)).unwrap(),
    };
    let public: Box<dyn PeerKey> = match &key {
        PrivateKey::Rsa(k) => Box::new(k.public_key()),
        PrivateKey::Ecdsa(k) => Box::new(k.public_key()),
        PrivateKey::Ed448(k) => Box::new(k.public_key()),
        _ => Box::new(EdDsaPublicKey::from_public_key_der(&key.public_key_der().unwrap()).unwrap()),
    };
    (key, public)
}

fn ecc_secret(
    policy: EccSecretPolicy,
    sender: &dyn OwnKey,
    receiver_public: &[u8],
    plain: &[u8],
    seed: u64,
) -> Vec<u8> {
    EccEncryptedSecret::encrypt(
        policy,
        EccSender {
            certificate: Some(SENDER_CERTIFICATE),
            key: sender,
        },
        receiver_public,
        &SecretInput {
            signing_time: TIME,
            nonce: &NONCE,
            secret: plain,
        },
        &mut rng(seed),
    )
    .unwrap()
}

const SENDER_CERTIFICATE: &[u8] = b"sender certificate";

/// TypeId (4) + mask (1) + Length (4) + URI + Certificate + SigningTime (8)
/// + KeyDataLength (2) + KeyData (two ByteStrings).
fn ecc_header_len(policy: EccSecretPolicy) -> usize {
    9 + 4
        + policy.policy_uri().len()
        + 4
        + SENDER_CERTIFICATE.len()
        + 8
        + 2
        + 8
        + 2 * policy.public_key_len()
}

/// Bytes of AEAD tag after the payload: 16 for the AEAD policies.
fn tag_len(policy: EccSecretPolicy) -> usize {
    if policy.aead().is_some() { 16 } else { 0 }
}

#[test]
fn ecc_secrets_round_trip_under_every_key_agreement_policy_for_every_secret_size() {
    assert_eq!(EccSecretPolicy::all().len(), 20);
    let mut n = 0;
    for &policy in EccSecretPolicy::all() {
        let (sender, sender_public) = sender_of(policy, 7);
        let receiver = EphemeralKeyPair::generate(policy, &mut rng(8));
        assert_eq!(receiver.public_key().len(), policy.public_key_len());
        assert_eq!(receiver.policy(), policy);
        let signature_len = sender.signature_len(policy.signature());
        for (i, size) in SIZES.into_iter().enumerate() {
            let plain = secret(size);
            let bytes = ecc_secret(policy, &sender, receiver.public_key(), &plain, i as u64);
            // TypeId i=17546, EncodingMask 1, Length of what follows.
            assert_eq!(bytes[..5], [0x01, 0x00, 0x8A, 0x44, 0x01]);
            let length = u32::from_le_bytes(bytes[5..9].try_into().unwrap());
            assert_eq!(length as usize, bytes.len() - 9);
            assert_eq!(
                EccEncryptedSecret::sender_certificate(&bytes).unwrap(),
                Some(SENDER_CERTIFICATE)
            );
            // KeyDataLength: the two public keys as ByteStrings.
            let at = ecc_header_len(policy) - 8 - 2 * policy.public_key_len() - 2;
            let key_data_len = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
            assert_eq!(usize::from(key_data_len), 8 + 2 * policy.public_key_len());
            // Whole 16-byte blocks of payload, then the tag, then the signature.
            let payload_len =
                bytes.len() - ecc_header_len(policy) - tag_len(policy) - signature_len;
            assert_eq!(payload_len % 16, 0, "{policy:?}");
            assert!(payload_len >= 8 + 32 + size.max(16), "{policy:?}");
            let opened = EccEncryptedSecret::decrypt(&bytes, policy, &*sender_public, &receiver)
                .unwrap_or_else(|e| panic!("{policy:?} {size}: {e}"));
            check_opened(&opened, &plain, policy.policy_uri());
            // The payload is not in the clear.
            assert!(
                plain.len() < 4 || !bytes.windows(plain.len()).any(|w| w == plain),
                "{policy:?}"
            );
            assert_eq!(opened.rsa_form(), None);
            n += 1;
        }
    }
    assert_eq!(n, 20 * SIZES.len());
}

#[test]
fn every_flipped_byte_of_an_ecc_secret_is_rejected_with_one_error() {
    for &policy in EccSecretPolicy::all() {
        let (sender, sender_public) = sender_of(policy, 9);
        let receiver = EphemeralKeyPair::generate(policy, &mut rng(10));
        let bytes = ecc_secret(policy, &sender, receiver.public_key(), b"correct horse", 11);
        let open = |b: &[u8]| EccEncryptedSecret::decrypt(b, policy, &*sender_public, &receiver);
        open(&bytes).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert_uniform(open(&bad), &format!("{policy:?} byte {i}"));
        }
        for cut in [0, 9, bytes.len() - 1] {
            assert_uniform(open(&bytes[..cut]), "truncated");
        }
        // Signed by someone else; opened under another policy, also one on
        // the same group with the other cipher.
        let (other, _) = sender_of(policy, 12);
        let forged = ecc_secret(policy, &other, receiver.public_key(), b"x", 13);
        assert_uniform(open(&forged), "other sender");
        for &other_policy in EccSecretPolicy::all().iter().filter(|c| **c != policy) {
            assert_uniform(
                EccEncryptedSecret::decrypt(&bytes, other_policy, &*sender_public, &receiver),
                &format!("{policy:?} opened as {other_policy:?}"),
            );
        }
    }
}

/// Re-signs a changed secret with the sender's key, as a sender that
/// tampers with its own secret would: only the symmetric layer is left to
/// notice.
fn re_signed(
    policy: EccSecretPolicy,
    sender: &PrivateKey,
    bytes: &[u8],
    flip: Option<usize>,
) -> Vec<u8> {
    let scheme = policy.signature();
    let signed_end = bytes.len() - sender.signature_len(scheme);
    let mut out = bytes[..signed_end].to_vec();
    if let Some(at) = flip {
        out[at] ^= 0x01;
    }
    let signature = sender.sign(scheme, &out, &mut rng(0)).unwrap();
    out.extend_from_slice(&signature);
    out
}

#[test]
fn the_aead_tag_covers_the_header_the_payload_and_itself() {
    let mut aead = 0;
    for &policy in EccSecretPolicy::all() {
        let (sender, sender_public) = sender_of(policy, 50);
        let receiver = EphemeralKeyPair::generate(policy, &mut rng(51));
        let bytes = ecc_secret(policy, &sender, receiver.public_key(), b"a password", 52);
        let open = |b: &[u8]| EccEncryptedSecret::decrypt(b, policy, &*sender_public, &receiver);
        // Re-signing unchanged bytes gives a secret that opens.
        let unchanged = re_signed(policy, &sender, &bytes, None);
        assert_eq!(open(&unchanged).unwrap().secret(), b"a password");
        let header = ecc_header_len(policy);
        let signed_end = bytes.len() - sender.signature_len(policy.signature());
        // The SigningTime (in the additional data), the first and last
        // payload bytes, and the first and last tag bytes.
        let signing_time = header - 8 - 2 * policy.public_key_len() - 2 - 8;
        let flips = [
            signing_time,
            header,
            signed_end - tag_len(policy) - 1,
            signed_end - 16,
            signed_end - 1,
        ];
        if policy.aead().is_none() {
            // AES-CBC has no tag: a changed SigningTime under a valid
            // signature opens, with the changed time.
            let changed = re_signed(policy, &sender, &bytes, Some(signing_time));
            assert_ne!(open(&changed).unwrap().signing_time(), TIME, "{policy:?}");
            continue;
        }
        aead += 1;
        for at in flips {
            assert_uniform(
                open(&re_signed(policy, &sender, &bytes, Some(at))),
                &format!("{policy:?} re-signed with byte {at} changed"),
            );
        }
    }
    assert_eq!(aead, 16);
}

#[test]
fn ecc_secret_for_a_key_we_do_not_hold_is_ephemeral_key_unknown() {
    for &policy in EccSecretPolicy::all() {
        let (sender, sender_public) = sender_of(policy, 14);
        let receiver = EphemeralKeyPair::generate(policy, &mut rng(15));
        // A valid private key of every group: below every order and p.
        let private = vec![0x11; policy.scalar_len()];
        let stranger = EphemeralKeyPair::from_private_bytes(policy, &private).unwrap();
        let bytes = ecc_secret(policy, &sender, stranger.public_key(), b"pw", 17);
        let e =
            EccEncryptedSecret::decrypt(&bytes, policy, &*sender_public, &receiver).unwrap_err();
        assert_eq!(e, Error::EphemeralKeyUnknown, "{policy:?}");
        assert_eq!(e.status_code(), StatusCode::BAD_IDENTITY_TOKEN_INVALID);
        // The right key, but held for another policy on the same group.
        if let Some(&sibling) = EccSecretPolicy::all()
            .iter()
            .find(|p| **p != policy && p.ecdh() == policy.ecdh())
        {
            let held = EphemeralKeyPair::from_private_bytes(sibling, &private).unwrap();
            assert_eq!(held.public_key(), stranger.public_key());
            assert_uniform(
                EccEncryptedSecret::decrypt(&bytes, policy, &*sender_public, &held),
                &format!("{policy:?} with a key of {sibling:?}"),
            );
        }
    }
}

#[test]
fn ecc_secrets_are_not_made_for_invalid_receiver_keys_or_unfit_sender_keys() {
    for &policy in EccSecretPolicy::all() {
        let (sender, _) = sender_of(policy, 18);
        let make = |receiver: &[u8], key: &dyn OwnKey| {
            EccEncryptedSecret::encrypt(
                policy,
                EccSender {
                    certificate: None,
                    key,
                },
                receiver,
                &SecretInput {
                    signing_time: TIME,
                    nonce: &NONCE,
                    secret: b"",
                },
                &mut rng(1),
            )
        };
        let len = policy.public_key_len();
        // Zero (not a point, an all-zero X25519/X448 result, y = 0), a key
        // one byte short or long, and per group: u = 1 (of small order),
        // coordinates or y of all ones (not below p), y = 1.
        let mut bad = vec![vec![0u8; len], vec![7; len - 1], vec![7; len + 1]];
        let mut one = vec![0u8; len];
        match policy.ecdh() {
            EcdhCurve::X25519 | EcdhCurve::X448 => one[0] = 1,
            _ => {
                bad.push(vec![0xFF; len]);
                one[len - 1] = 1;
            }
        }
        if policy.ecdh().is_montgomery() || policy.ecdh() == EcdhCurve::Ffdhe3072 {
            bad.push(one);
        }
        for bad in bad {
            let e = make(&bad, &sender).unwrap_err();
            assert_eq!(e, Error::NonceInvalid, "{policy:?} {}", bad.len());
            assert_eq!(e.status_code(), StatusCode::BAD_NONCE_INVALID);
        }
        // A sender key of another kind cannot make the policy's signature.
        let receiver = EphemeralKeyPair::generate(policy, &mut rng(19));
        let other = match policy.ecdh() {
            EcdhCurve::Ffdhe3072 => PrivateKey::generate(KeyKind::P256, &mut rng(20)).unwrap(),
            _ => PrivateKey::Rsa(receivers()[0].key.clone()),
        };
        let e = make(receiver.public_key(), &other).unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_SECURITY_CHECKS_FAILED,
            "{policy:?}"
        );
    }
}

/// An [`OwnKey`] that counts decryptions.
#[derive(Debug)]
struct Counting<'k> {
    key: &'k RsaPrivateKey,
    decryptions: std::sync::atomic::AtomicUsize,
}

impl OwnKey for Counting<'_> {
    fn bits(&self) -> usize {
        self.key.bits()
    }
    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.key.signature_len(scheme)
    }
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn rand_core::CryptoRng,
    ) -> uasc::Result<Vec<u8>> {
        self.key.sign(scheme, data, rng)
    }
    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.key.ciphertext_block_size(scheme)
    }
    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> uasc::Result<zeroize::Zeroizing<Vec<u8>>> {
        self.decryptions
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.key.decrypt_block(scheme, block)
    }
}

#[test]
fn legacy_secrets_round_trip_and_reject_tampering() {
    for receiver in receivers() {
        let public = receiver.key.public_key();
        for algorithm in [LegacyAlgorithm::RsaOaepSha1, LegacyAlgorithm::RsaOaepSha256] {
            for size in SIZES {
                let plain = secret(size);
                let bytes =
                    encrypt_legacy_secret(&public, algorithm, &plain, &NONCE, &mut rng(3)).unwrap();
                assert_eq!(bytes.len() % (receiver.bits / 8), 0);
                let opened =
                    decrypt_legacy_secret(&receiver.key, algorithm.uri(), &bytes, &NONCE).unwrap();
                assert_eq!(&opened[..], &plain[..]);
                assert_eq!(
                    decrypt_legacy_secret(&receiver.key, algorithm.uri(), &bytes, &[0x5B; 32]),
                    Err(Error::IdentityTokenInvalid),
                );
                let mut other = NONCE;
                other[0] ^= 1;
                assert_eq!(
                    decrypt_legacy_secret(&receiver.key, algorithm.uri(), &bytes, &other),
                    Err(Error::IdentityTokenInvalid),
                );
            }
        }
    }
    let receiver = &receivers()[0];
    let public = receiver.key.public_key();
    let bytes = encrypt_legacy_secret(
        &public,
        LegacyAlgorithm::RsaOaepSha256,
        b"pw",
        &NONCE,
        &mut rng(4),
    )
    .unwrap();
    let uri = LegacyAlgorithm::RsaOaepSha256.uri();
    for i in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        assert_eq!(
            decrypt_legacy_secret(&receiver.key, uri, &bad, &NONCE),
            Err(Error::IdentityTokenInvalid)
        );
    }
    let oaep_sha1 = LegacyAlgorithm::RsaOaepSha1.uri();
    assert_eq!(
        decrypt_legacy_secret(&receiver.key, oaep_sha1, &bytes, &NONCE),
        Err(Error::IdentityTokenInvalid)
    );
    assert_eq!(
        decrypt_legacy_secret(&receiver.key, uri, &bytes[1..], &NONCE),
        Err(Error::IdentityTokenInvalid)
    );
    assert_eq!(
        decrypt_legacy_secret(&receiver.key, "urn:unknown", &bytes, &NONCE),
        Err(Error::IdentityTokenInvalid)
    );
}

#[test]
fn legacy_secrets_may_end_in_zero_padding_only() {
    let receiver = &receivers()[0];
    let public = receiver.key.public_key();
    let scheme = AsymmetricEncryption::RsaOaepSha1;
    let uri = LegacyAlgorithm::RsaOaepSha1.uri();
    let seal = |plain: &[u8]| public.encrypt_block(scheme, plain, &mut rng(7)).unwrap();
    let plain = |length: u32, tail: &[u8]| {
        let mut p = length.to_le_bytes().to_vec();
        p.extend_from_slice(b"pw");
        p.extend_from_slice(&NONCE);
        p.extend_from_slice(tail);
        p
    };
    let open = |bytes: &[u8]| decrypt_legacy_secret(&receiver.key, uri, bytes, &NONCE);
    assert_eq!(&open(&seal(&plain(34, &[0; 5]))).unwrap()[..], b"pw");
    assert_eq!(&open(&seal(&plain(34, &[]))).unwrap()[..], b"pw");
    for (length, tail) in [
        (34, &[0, 0, 1][..]),
        (35, &[][..]),
        (33, &[][..]),
        (31, &[][..]),
    ] {
        assert_eq!(
            open(&seal(&plain(length, tail))),
            Err(Error::IdentityTokenInvalid),
            "Length {length}, tail {tail:?}"
        );
    }
}

#[test]
fn random_changes_never_panic_and_always_give_the_one_error() {
    use rand::RngExt;
    let mut r = rng(99);
    let curve = secret_policy(&ECC_NIST_P256);
    let sender = ecc_sender(curve, 100);
    let receiver = EphemeralKeyPair::generate(curve, &mut rng(101));
    let ecc = ecc_secret(curve, &sender, receiver.public_key(), b"secret", 102);
    let rsa_receiver = &receivers()[0];
    let rsa = rsa_secret(
        &BASIC256_SHA256,
        rsa_receiver,
        b"secret",
        RsaSecretForm::Specified,
        103,
    );
    for round in 0..600 {
        let base = if round % 6 == 0 { &rsa } else { &ecc };
        let mut bad = base.clone();
        match r.random_range(0..4u8) {
            0 => {
                for _ in 0..r.random_range(1..8) {
                    let i = r.random_range(0..bad.len());
                    bad[i] = r.random();
                }
            }
            1 => bad.truncate(r.random_range(0..bad.len())),
            2 => {
                let extra: Vec<u8> = (0..r.random_range(1..40)).map(|_| r.random()).collect();
                bad.extend_from_slice(&extra);
            }
            _ => {
                let i = r.random_range(0..bad.len());
                bad.insert(i, r.random());
            }
        }
        if bad == *base {
            continue;
        }
        let result = if round % 6 == 0 {
            open_rsa(&bad, &BASIC256_SHA256, rsa_receiver)
        } else {
            EccEncryptedSecret::decrypt(&bad, curve, &sender.public_key(), &receiver)
        };
        assert_uniform(result, &format!("round {round}"));
    }
}

#[cfg(feature = "legacy-policies")]
#[test]
fn rsa_secrets_round_trip_under_the_deprecated_policies() {
    for policy in [&uasc::policy::BASIC256, &uasc::policy::BASIC128_RSA15] {
        let receiver = &receivers()[0];
        for form in [RsaSecretForm::Specified, RsaSecretForm::DotNet] {
            let bytes = rsa_secret(policy, receiver, b"pw", form, 8);
            let opened = open_rsa(&bytes, policy, receiver).unwrap();
            check_opened(&opened, b"pw", policy.descriptor().uri);
        }
    }
}

#[cfg(not(feature = "legacy-policies"))]
#[test]
fn rsa_1_5_is_refused_before_any_decryption() {
    let receiver = &receivers()[0];
    let counting = Counting {
        key: &receiver.key,
        decryptions: Default::default(),
    };
    let block = vec![0x42u8; 256];
    assert_eq!(
        decrypt_legacy_secret(&counting, uasc::secret::RSA_1_5_URI, &block, &NONCE),
        Err(Error::IdentityTokenInvalid)
    );
    assert!(LegacyAlgorithm::from_uri(uasc::secret::RSA_1_5_URI).is_err());
    assert_eq!(counting.decryptions.into_inner(), 0);
}

#[cfg(feature = "legacy-policies")]
#[test]
fn rsa_1_5_opens_with_the_legacy_feature() {
    let receiver = &receivers()[0];
    let public = receiver.key.public_key();
    let bytes = encrypt_legacy_secret(
        &public,
        LegacyAlgorithm::RsaPkcs1v15,
        b"pw",
        &NONCE,
        &mut rng(5),
    )
    .unwrap();
    let opened =
        decrypt_legacy_secret(&receiver.key, uasc::secret::RSA_1_5_URI, &bytes, &NONCE).unwrap();
    assert_eq!(&opened[..], b"pw");
}

#[test]
fn legacy_decryption_decrypts_every_block_even_after_a_failure() {
    let receiver = &receivers()[0];
    let counting = Counting {
        key: &receiver.key,
        decryptions: Default::default(),
    };
    let uri = LegacyAlgorithm::RsaOaepSha1.uri();
    let bytes = encrypt_legacy_secret(
        &receiver.key.public_key(),
        LegacyAlgorithm::RsaOaepSha1,
        &[7u8; 400],
        &NONCE,
        &mut rng(6),
    )
    .unwrap();
    assert_eq!(bytes.len(), 3 * 256);
    let mut bad = bytes.clone();
    bad[0] ^= 1;
    assert!(decrypt_legacy_secret(&counting, uri, &bad, &NONCE).is_err());
    assert_eq!(counting.decryptions.into_inner(), 3);
}

// ---------------------------------------------------------------------------
// The key ring
// ---------------------------------------------------------------------------

const HOUR: Duration = Duration::from_secs(3600);

fn ring_secret(ring: &EphemeralKeyRing, sender: &dyn OwnKey, seed: u64) -> Vec<u8> {
    ecc_secret(
        ring.policy(),
        sender,
        ring.current().public_key(),
        b"pw",
        seed,
    )
}

fn open_ring(
    ring: &EphemeralKeyRing,
    sender: &dyn PeerKey,
    bytes: &[u8],
) -> uasc::Result<DecryptedSecret> {
    EccEncryptedSecret::decrypt(bytes, ring.policy(), sender, ring)
}

#[test]
fn the_ring_rotates_on_a_virtual_clock_and_keeps_four_old_keys() {
    let t0 = Instant::now();
    let started = Instant::now();
    let mut ring = EphemeralKeyRing::new(
        secret_policy(&ECC_NIST_P256),
        KeyRingConfig::default(),
        &mut rng(20),
        t0,
    )
    .unwrap();
    let made_in = started.elapsed();
    println!("key ring created in {made_in:?}");
    assert!(made_in < Duration::from_millis(100), "{made_in:?}");
    assert_eq!(KeyRingConfig::default().rotation_period, HOUR);
    assert_eq!(KeyRingConfig::default().retained, 5);
    assert_eq!(ring.poll_timeout(), t0 + HOUR);

    let sender = ecc_sender(secret_policy(&ECC_NIST_P256), 21);
    let sender_public = sender.public_key();
    let mut r = rng(22);
    // One secret for each key the ring has had: secrets[k] made at rotation k.
    let mut secrets = vec![ring_secret(&ring, &sender, 0)];
    assert!(!ring.handle_timeout(t0 + HOUR - Duration::from_millis(1), &mut r));
    for k in 1..=7u32 {
        let now = t0 + HOUR * k;
        let before = ring.current().public_key().to_vec();
        assert!(ring.handle_timeout(now, &mut r));
        assert!(!ring.handle_timeout(now, &mut r), "once per period");
        assert_ne!(ring.current().public_key(), &before[..]);
        assert_eq!(ring.poll_timeout(), t0 + HOUR * (k + 1));
        assert_eq!(ring.len(), (k as usize + 1).min(5));
        secrets.push(ring_secret(&ring, &sender, u64::from(k)));
        for (made, bytes) in secrets.iter().enumerate() {
            let age = k as usize - made;
            let result = open_ring(&ring, &sender_public, bytes);
            if age <= 4 {
                assert_eq!(result.unwrap().secret(), b"pw", "age {age}");
            } else {
                assert_eq!(result.unwrap_err(), Error::EphemeralKeyUnknown, "age {age}");
            }
        }
    }
    // Not driven for ten periods: one new key, every old one aged out.
    let last = secrets.last().unwrap().clone();
    assert!(ring.handle_timeout(t0 + HOUR * 17 + Duration::from_secs(5), &mut r));
    assert_eq!(ring.len(), 1);
    assert_eq!(ring.poll_timeout(), t0 + HOUR * 18);
    assert_eq!(
        open_ring(&ring, &sender_public, &last).unwrap_err(),
        Error::EphemeralKeyUnknown
    );
    // A forced rotation.
    ring.rotate(t0 + HOUR * 17 + Duration::from_secs(6), &mut r);
    assert_eq!(ring.len(), 2);
    assert_eq!(ring.poll_timeout(), t0 + HOUR * 18 + Duration::from_secs(6));
}

#[test]
fn a_partner_ring_imported_from_an_export_opens_the_first_rings_secrets() {
    // The first two by their export codes of before the AEAD and RSA_DH
    // policies, the others by codes added since.
    for (curve, code) in [
        &ECC_NIST_P256,
        &ECC_NIST_P384,
        &ECC_NIST_P384_CHACHA_POLY,
        &ECC_CURVE448_AES_GCM,
        &RSA_DH_AES_GCM,
    ]
    .map(secret_policy)
    .into_iter()
    .zip([1u8, 2, 10, 17, 19])
    {
        let t0 = Instant::now();
        let config = KeyRingConfig {
            rotation_period: Duration::from_secs(600),
            retained: 3,
        };
        let mut a = EphemeralKeyRing::new(curve, config, &mut rng(30), t0).unwrap();
        let (sender, sender_public) = sender_of(curve, 31);
        let mut secrets = Vec::new();
        for k in 0..3u32 {
            if k > 0 {
                assert!(a.handle_timeout(t0 + config.rotation_period * k, &mut rng(k.into())));
            }
            secrets.push(ring_secret(&a, &sender, k.into()));
        }
        let now = t0 + config.rotation_period * 2 + Duration::from_secs(100);
        let exported = a.export(now).unwrap();
        assert_eq!(exported.as_bytes()[8], code, "{curve:?}");
        let debug = format!("{exported:?} {a:?}");
        let private = hex_of(&exported.as_bytes()[exported.as_bytes().len() - 32..]);
        assert!(!debug.contains(&private), "{debug}");
        let later = now + Duration::from_secs(1000);
        let b =
            EphemeralKeyRing::import(&ExportedKeyRing::new(exported.as_bytes().to_vec()), later)
                .unwrap();
        assert_eq!(b.policy(), curve);
        assert_eq!(b.config(), config);
        assert_eq!(b.len(), 3);
        assert_eq!(b.current().public_key(), a.current().public_key());
        assert_eq!(b.poll_timeout(), later + Duration::from_secs(500));
        for bytes in &secrets {
            assert_eq!(
                open_ring(&b, &*sender_public, bytes).unwrap().secret(),
                b"pw"
            );
        }
        // Malformed exports are refused.
        let bytes = exported.as_bytes();
        for cut in [0, 8, bytes.len() - 1] {
            assert!(
                EphemeralKeyRing::import(&ExportedKeyRing::new(bytes[..cut].to_vec()), later)
                    .is_err()
            );
        }
        for code in [0, 21, 0xFF] {
            let mut bad = bytes.to_vec();
            bad[8] = code;
            assert!(EphemeralKeyRing::import(&ExportedKeyRing::new(bad), later).is_err());
        }
    }
}

#[test]
fn the_ring_publishes_its_current_key_signed_with_the_server_key() {
    let t0 = Instant::now();
    let ring = EphemeralKeyRing::new(
        secret_policy(&ECC_NIST_P384),
        KeyRingConfig::default(),
        &mut rng(40),
        t0,
    )
    .unwrap();
    let server = ecc_sender(secret_policy(&ECC_NIST_P384), 41);
    let published = ring
        .publish(&server, AsymmetricSignature::EcdsaSha384, &mut rng(42))
        .unwrap();
    assert_eq!(
        published.public_key.as_bytes(),
        Some(ring.current().public_key())
    );
    assert_eq!(published.signature.as_bytes().map(<[u8]>::len), Some(96));
    published
        .verify(&server.public_key(), AsymmetricSignature::EcdsaSha384)
        .unwrap();
    let bytes = encode_to_vec(&published).unwrap();
    assert_eq!(bytes.len(), 4 + 96 + 4 + 96);
    assert_eq!(&bytes[..4], &96i32.to_le_bytes());
    let back: EphemeralKeyType = decode_exact(&bytes, DecodeLimits::default()).unwrap();
    assert_eq!(back, published);
    let mut forged = back.clone();
    forged.public_key = ring_secret_key(43).into();
    assert_eq!(
        forged.verify(&server.public_key(), AsymmetricSignature::EcdsaSha384),
        Err(Error::SecurityChecksFailed)
    );
    // An RSA server key signs with its own scheme.
    let rsa_server = &receivers()[0].key;
    let published = ring
        .publish(
            rsa_server,
            AsymmetricSignature::RsaPkcs1v15Sha256,
            &mut rng(44),
        )
        .unwrap();
    published
        .verify(
            &rsa_server.public_key(),
            AsymmetricSignature::RsaPkcs1v15Sha256,
        )
        .unwrap();
    assert!(!format!("{ring:?}").is_empty());
    let _: &dyn PeerKey = &server.public_key();
}

fn ring_secret_key(seed: u64) -> Vec<u8> {
    EphemeralKeyPair::generate(secret_policy(&ECC_NIST_P384), &mut rng(seed))
        .public_key()
        .to_vec()
}
