//! Securing then opening MSG chunks, for every compiled-in policy and mode.

mod common;

use proptest::prelude::*;
use uasc::StatusCode;
use uasc::chunk::{
    ChunkType, MessageType, SequenceHeader, SymmetricChunk, open_symmetric, secure_symmetric,
    secure_symmetric_padded, symmetric_chunk_size,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, ChunkContext, ChunkProtection, Role};

const MODES: [MessageSecurityMode; 3] = [
    MessageSecurityMode::None,
    MessageSecurityMode::Sign,
    MessageSecurityMode::SignAndEncrypt,
];

fn header(seq: u32) -> SymmetricChunk {
    SymmetricChunk {
        message_type: MessageType::Message,
        chunk_type: ChunkType::Final,
        secure_channel_id: 9,
        token_id: 3,
        sequence: SequenceHeader {
            sequence_number: seq,
            request_id: 77,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn round_trip(policy_index in 0..policy::ALL.len(), mode_index in 0usize..3,
                  body in proptest::collection::vec(any::<u8>(), 0..2100),
                  seed in any::<u64>(), seq in any::<u32>(), flip in any::<prop::sample::Index>()) {
        let p = &policy::ALL[policy_index];
        let mode = if p.descriptor().signature_len == 0 { MessageSecurityMode::None } else { MODES[mode_index] };
        let (client, _) = common::token_keys(*p, mode, seed);
        let keys = &*client.sending;
        let mut out = vec![0xEE; 5]; // appends after what is there
        secure_symmetric(&mut out, &header(seq), &body, keys, mode).unwrap();
        let chunk = &mut out[5..];
        prop_assert_eq!(chunk.len(), symmetric_chunk_size(keys, mode, body.len()).unwrap());
        prop_assert_eq!(u32::from_le_bytes(chunk[4..8].try_into().unwrap()) as usize, chunk.len());
        if mode == MessageSecurityMode::SignAndEncrypt && !p.descriptor().aead {
            prop_assert_eq!((chunk.len() - 16) % 16, 0);
        }
        let pristine = chunk.to_vec();
        let (sequence, range) = open_symmetric(chunk, keys, mode, seq).unwrap();
        prop_assert_eq!(sequence, header(seq).sequence);
        prop_assert_eq!(&chunk[range], &body[..]);

        if mode != MessageSecurityMode::None {
            let mut bad = pristine.clone();
            let i = flip.index(bad.len());
            bad[i] ^= 0x80;
            let e = open_symmetric(&mut bad, keys, mode, seq).unwrap_err();
            prop_assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
            // The other side's keys do not open it either.
            let other = &*client.receiving;
            let mut copy = pristine.clone();
            prop_assert!(open_symmetric(&mut copy, other, mode, seq).is_err());
        }
    }
}

#[test]
fn padding_choice_is_checked() {
    let keys = policy::BASIC256_SHA256
        .derive_keys(Role::Server, &[1; 32], &[2; 32])
        .unwrap();
    let mode = MessageSecurityMode::SignAndEncrypt;
    // 8 + 7 + 1 + 32 = 48: aligned with no padding, and with 16 or 32 more.
    for padding in [0, 16, 32, 240] {
        let mut out = Vec::new();
        secure_symmetric_padded(&mut out, &header(1), &[5; 7], &keys, mode, Some(padding)).unwrap();
        let (_, range) = open_symmetric(&mut out, &keys, mode, 0).unwrap();
        assert_eq!(range.len(), 7, "padding {padding}");
    }
    for padding in [1, 15, 256] {
        let mut out = Vec::new();
        let e = secure_symmetric_padded(&mut out, &header(1), &[5; 7], &keys, mode, Some(padding))
            .unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            "padding {padding}"
        );
    }
}

#[test]
fn forged_padding_behind_a_valid_mac_is_rejected() {
    // A sender holding the keys writes padding bytes that disagree with the
    // PaddingSize: the MAC verifies, the padding check must still fail.
    let keys = policy::AES128_SHA256_RSA_OAEP
        .derive_keys(Role::Client, &[3; 32], &[4; 32])
        .unwrap();
    let mode = MessageSecurityMode::SignAndEncrypt;
    let mut out = Vec::new();
    secure_symmetric_padded(&mut out, &header(1), &[9; 7], &keys, mode, Some(16)).unwrap();
    open_symmetric(&mut out, &keys, mode, 0).unwrap(); // now plaintext
    let sig_start = out.len() - 32;
    out[sig_start - 5] = 0x00; // a padding byte
    // Re-sign and re-encrypt the forged plaintext with the real keys.
    let context = ChunkContext {
        token_id: 3,
        sequence_number: 1,
    };
    keys.seal(&mut out, 16, true, context).unwrap();
    let e = open_symmetric(&mut out, &keys, mode, 0).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
}

#[test]
fn truncated_chunks_are_rejected() {
    let keys = policy::BASIC256_SHA256
        .derive_keys(Role::Client, &[1; 32], &[2; 32])
        .unwrap();
    for mode in MODES {
        let mut out = Vec::new();
        secure_symmetric(&mut out, &header(1), &[1; 40], &keys, mode).unwrap();
        // Mode None has no integrity: only cuts into the headers are caught here.
        let checked = if mode == MessageSecurityMode::None {
            24
        } else {
            out.len()
        };
        for cut in 0..checked {
            let mut short = out[..cut].to_vec();
            assert!(
                open_symmetric(&mut short, &keys, mode, 0).is_err(),
                "{mode:?} cut {cut}"
            );
        }
    }
}
