//! How much body an AEAD chunk carries (OPC 10000-6 §6.7.2.5.2: no
//! padding, a 16-byte tag). The stacks differ (spec-notes-ecc §7.2):
//! open62541 fills a chunk to the tag (8152 body bytes at 8192), and
//! UA-.NETStandard rounds the encrypted part down to a multiple of its
//! 12-byte IV (8148 at 8192). We send the first; we receive both.

mod common;

use common::token_keys;
use uasc::chunk::{
    ChunkType, MessageChunkHeader, MessageType, SYMMETRIC_HEADER_LEN, SendLimits, SequenceHeader,
    SymmetricChunk, max_body_size, open_symmetric, secure_message, secure_symmetric,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    BuiltinPolicy, ECC_CURVE448_AES_GCM, ECC_NIST_P256_AES_GCM, ECC_NIST_P384_CHACHA_POLY,
    RSA_DH_CHACHA_POLY, Role,
};

const CHUNK: usize = 8192;
const TAG: usize = 16;

fn policies() -> [&'static BuiltinPolicy; 4] {
    [
        &ECC_NIST_P256_AES_GCM,
        &ECC_NIST_P384_CHACHA_POLY,
        &ECC_CURVE448_AES_GCM,
        &RSA_DH_CHACHA_POLY,
    ]
}

/// open62541's largest body: the chunk less the headers and the tag.
fn filled_to_the_tag(chunk: usize) -> usize {
    chunk - SYMMETRIC_HEADER_LEN - SequenceHeader::LEN - TAG
}

/// UA-.NETStandard's: the part after the 16 header bytes rounded down to
/// 12 bytes, less the sequence header and the tag.
fn multiple_of_twelve(chunk: usize) -> usize {
    (chunk - SYMMETRIC_HEADER_LEN) / 12 * 12 - SequenceHeader::LEN - TAG
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

#[test]
fn we_fill_each_chunk_to_the_tag() {
    assert_eq!(filled_to_the_tag(CHUNK), 8152);
    for policy in policies() {
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let name = format!("{} {mode:?}", policy.descriptor().name);
            let (client, server) = token_keys(policy, mode, 1);
            let per_chunk = max_body_size(&*client.sending, mode, CHUNK).unwrap();
            assert_eq!(per_chunk, filled_to_the_tag(CHUNK), "{name}");
            let message = body(3 * per_chunk + 100);
            let mut out = Vec::new();
            let mut seq = 1;
            let limits = SendLimits {
                max_chunk_size: CHUNK,
                max_message_size: 0,
                max_chunk_count: 0,
                sender: Role::Client,
            };
            let header = MessageChunkHeader {
                message_type: MessageType::Message,
                secure_channel_id: 4,
                token_id: 1,
                request_id: 9,
            };
            let n = secure_message(
                &mut out,
                &header,
                &mut seq,
                &message,
                &*client.sending,
                mode,
                &limits,
            )
            .unwrap();
            assert_eq!(n, 4, "{name}");
            // Three full chunks of exactly the buffer size, then the rest;
            // the receiver opens them to the message.
            let mut received = Vec::new();
            let mut at = 0;
            for i in 0..n {
                let size = u32::from_le_bytes(out[at + 4..at + 8].try_into().unwrap()) as usize;
                if i < 3 {
                    assert_eq!(size, CHUNK, "{name} chunk {i}");
                }
                let mut chunk = out[at..at + size].to_vec();
                let (_, range) = open_symmetric(&mut chunk, &*server.receiving, mode, i as u32 + 1)
                    .unwrap_or_else(|e| panic!("{name} chunk {i}: {e}"));
                received.extend_from_slice(&chunk[range]);
                at += size;
            }
            assert_eq!(at, out.len(), "{name}");
            assert_eq!(received, message, "{name}");
        }
    }
}

#[test]
fn we_open_chunks_sized_to_a_multiple_of_twelve() {
    assert_eq!(multiple_of_twelve(CHUNK), 8148);
    for policy in policies() {
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let name = format!("{} {mode:?}", policy.descriptor().name);
            let (client, server) = token_keys(policy, mode, 2);
            // A peer sizing as UA-.NETStandard does sends chunks of 8188
            // bytes (4 below the buffer) and bodies of 8148.
            let message = body(2 * multiple_of_twelve(CHUNK) + 5);
            let mut received = Vec::new();
            for (i, part) in message.chunks(multiple_of_twelve(CHUNK)).enumerate() {
                let seq = i as u32 + 1;
                let chunk = SymmetricChunk {
                    message_type: MessageType::Message,
                    chunk_type: if part.len() < multiple_of_twelve(CHUNK) {
                        ChunkType::Final
                    } else {
                        ChunkType::Intermediate
                    },
                    secure_channel_id: 4,
                    token_id: 1,
                    sequence: SequenceHeader {
                        sequence_number: seq,
                        request_id: 3,
                    },
                };
                let mut out = Vec::new();
                secure_symmetric(&mut out, &chunk, part, &*server.sending, mode).unwrap();
                if part.len() == multiple_of_twelve(CHUNK) {
                    assert_eq!(out.len(), 8188, "{name}");
                }
                let (s, range) = open_symmetric(&mut out, &*client.receiving, mode, seq)
                    .unwrap_or_else(|e| panic!("{name} chunk {i}: {e}"));
                assert_eq!(s.sequence_number, seq, "{name}");
                received.extend_from_slice(&out[range]);
            }
            assert_eq!(received, message, "{name}");
        }
    }
}
