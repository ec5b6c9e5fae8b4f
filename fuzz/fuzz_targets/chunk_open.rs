//! Opening OPN chunks (`open_asymmetric`, RSA-2048 keys) and MSG chunks
//! (`open_symmetric`, AES-256-CBC + HMAC-SHA256) under Basic256Sha256 with
//! real keys, made once from a fixed seed.
//!
//! The first byte chooses what the rest is:
//! * `0..=2`: a chunk as it is: an OPN; a MSG in Sign; a MSG in
//!   SignAndEncrypt;
//! * `3..=5`: a body (its length first) that is secured into a real OPN or
//!   MSG chunk (Sign, SignAndEncrypt), then changed by the flips that follow
//!   (`offset (u16) ‖ xor (u8)` triples). Every byte of a chunk is signed,
//!   so an unchanged chunk must open to the same body and a changed one
//!   must fail with `BadSecurityChecksFailed` or as malformed headers:
//!   nothing else opens.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::Error;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkType, MessageType, OpnChunk, SequenceHeader, SymmetricChunk,
    open_asymmetric, open_symmetric, secure_asymmetric, secure_symmetric,
};
use uasc::key::{RsaPrivateKey, RsaPublicKey};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BASIC256_SHA256, OwnKey, PeerKey, Role, SymmetricKeys};

mod support;

const MAX_CERTIFICATE: u32 = 1 << 16;
const SEQUENCE: SequenceHeader = SequenceHeader {
    sequence_number: 51,
    request_id: 7,
};

struct Keys {
    client: RsaPrivateKey,
    client_public: RsaPublicKey,
    server: RsaPrivateKey,
    server_public: RsaPublicKey,
    symmetric: SymmetricKeys,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(29);
        let client = RsaPrivateKey::generate(2048, &mut rng).expect("an RSA key");
        let server = RsaPrivateKey::generate(2048, &mut rng).expect("an RSA key");
        Keys {
            client_public: client.public_key(),
            server_public: server.public_key(),
            client,
            server,
            // The client's sending keys; they open what they secure.
            symmetric: BASIC256_SHA256
                .derive_keys(Role::Client, &[1; 32], &[2; 32])
                .expect("keys"),
        }
    })
}

/// Opens `chunk` as `kind` (0 OPN, 1 MSG Sign, 2 MSG SignAndEncrypt) and
/// returns the body.
fn open(kind: u8, chunk: &[u8]) -> uasc::Result<Vec<u8>> {
    let k = keys();
    match kind {
        0 => open_asymmetric(
            chunk,
            BASIC256_SHA256.descriptor(),
            Some((&k.server as &dyn OwnKey, &k.client_public as &dyn PeerKey)),
            MAX_CERTIFICATE,
        )
        .map(|o| o.plaintext[o.body].to_vec()),
        _ => {
            let mut chunk = chunk.to_vec();
            let (_, body) = open_symmetric(&mut chunk, &k.symmetric, symmetric_mode(kind), 51)?;
            Ok(chunk[body].to_vec())
        }
    }
}

fn symmetric_mode(kind: u8) -> MessageSecurityMode {
    if kind == 1 {
        MessageSecurityMode::Sign
    } else {
        MessageSecurityMode::SignAndEncrypt
    }
}

fn secure(kind: u8, body: &[u8]) -> Vec<u8> {
    let k = keys();
    let mut out = Vec::new();
    if kind == 0 {
        let certificate = [0x30, 2, 0, 0];
        let chunk = OpnChunk {
            secure_channel_id: 0,
            security_header: AsymmetricSecurityHeader {
                security_policy_uri: Some(BASIC256_SHA256.descriptor().uri),
                sender_certificate: Some(&certificate),
                receiver_certificate_thumbprint: Some(&[9; 20]),
            },
            sequence: SEQUENCE,
        };
        secure_asymmetric(
            &mut out,
            &chunk,
            body,
            BASIC256_SHA256.descriptor(),
            Some((&k.client as &dyn OwnKey, &k.server_public as &dyn PeerKey)),
            usize::MAX,
            &mut StdRng::seed_from_u64(3),
        )
        .expect("an OPN of a fuzzed body");
    } else {
        let chunk = SymmetricChunk {
            message_type: MessageType::Message,
            chunk_type: ChunkType::Final,
            secure_channel_id: 5,
            token_id: 6,
            sequence: SEQUENCE,
        };
        secure_symmetric(&mut out, &chunk, body, &k.symmetric, symmetric_mode(kind))
            .expect("a MSG of a fuzzed body");
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((kind, body, flips)) = support::open_input(data, |kind, bytes| {
        let _ = open(kind, bytes);
    }) else {
        return;
    };
    let pristine = secure(kind, body);
    let mut chunk = pristine.clone();
    support::flip(&mut chunk, flips);
    match open(kind, &chunk) {
        Ok(opened) => {
            assert_eq!(chunk, pristine, "a changed chunk opened");
            assert_eq!(opened, body);
        }
        Err(e) => {
            assert_ne!(chunk, pristine, "an unchanged chunk failed: {e:?}");
            // Cryptography that fails, or headers that no longer parse
            // (type, size, lengths, the policy URI of an OPN).
            assert!(
                matches!(
                    e,
                    Error::SecurityChecksFailed
                        | Error::Decoding(_)
                        | Error::TcpMessageTypeInvalid(_)
                        | Error::EncodingLimitsExceeded(_)
                        | Error::SecurityPolicyRejected
                ),
                "{e:?}"
            );
        }
    }
});
