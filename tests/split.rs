//! Messages split into chunks within the peer's limits, for every
//! compiled-in policy and mode: round trips across chunk boundaries, the
//! safe MaxBodySize, and MaxMessageSize / MaxChunkCount hit exactly at the
//! edge.

mod common;

use proptest::prelude::*;
use uasc::StatusCode;
use uasc::chunk::{
    ChunkType, FrameHeader, MessageChunkHeader, MessageType, SendLimits, max_body_size,
    open_symmetric, secure_message, symmetric_chunk_size,
};
use uasc::codec::{DecodeLimits, decode_exact};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, BuiltinPolicy, ChunkProtection, Role, TokenKeys};

const MODES: [MessageSecurityMode; 3] = [
    MessageSecurityMode::None,
    MessageSecurityMode::Sign,
    MessageSecurityMode::SignAndEncrypt,
];

const HEADER: MessageChunkHeader = MessageChunkHeader {
    message_type: MessageType::Message,
    secure_channel_id: 5,
    token_id: 2,
    request_id: 99,
};

/// Both ends' token keys for `p` in `mode`, from seeded key exchanges.
fn token(p: &'static BuiltinPolicy, mode: MessageSecurityMode) -> (TokenKeys, TokenKeys) {
    common::token_keys(p, mode, 1)
}

fn mode_for(p: &BuiltinPolicy, index: usize) -> MessageSecurityMode {
    if p.descriptor().signature_len == 0 {
        MessageSecurityMode::None
    } else {
        MODES[index]
    }
}

fn limits(max_chunk_size: usize) -> SendLimits {
    SendLimits {
        max_chunk_size,
        max_message_size: 0,
        max_chunk_count: 0,
        sender: Role::Client,
    }
}

/// Opens every chunk of `wire` with `keys` and returns the reassembled body,
/// checking chunk types, sizes and consecutive sequence numbers.
fn reassemble(
    wire: &mut [u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    first_sequence_number: u32,
    max_chunk_size: usize,
) -> (Vec<u8>, usize) {
    let mut body = Vec::new();
    let mut rest = wire;
    let mut expected = first_sequence_number;
    let mut chunks = 0;
    while !rest.is_empty() {
        let header: FrameHeader = decode_exact(&rest[..8], DecodeLimits::DEFAULT).unwrap();
        let len = header.message_size as usize;
        assert!(len <= max_chunk_size, "chunk of {len} > {max_chunk_size}");
        let (chunk, tail) = rest.split_at_mut(len);
        let (seq, range) = open_symmetric(chunk, keys, mode, expected).unwrap();
        assert_eq!(seq.sequence_number, expected);
        assert_eq!(seq.request_id, HEADER.request_id);
        let last = tail.is_empty();
        let expected_type = if last {
            ChunkType::Final
        } else {
            ChunkType::Intermediate
        };
        assert_eq!(header.chunk_type, expected_type);
        body.extend_from_slice(&chunk[range]);
        expected = expected.wrapping_add(1);
        chunks += 1;
        rest = tail;
    }
    (body, chunks)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn messages_round_trip_across_chunk_boundaries(
        policy_index in 0..policy::ALL.len(),
        mode_index in 0usize..3,
        max_chunk_size in prop_oneof![Just(8192usize), Just(8190), Just(65535), 8192usize..70_000],
        // Around multiples of the body per chunk: −1, exact, +1.
        whole_chunks in 0usize..4,
        offset in -1isize..=1,
        seq in prop_oneof![Just(u32::MAX - 1), any::<u32>()],
        fill in any::<u8>(),
    ) {
        let p = policy::ALL[policy_index];
        let mode = mode_for(p, mode_index);
        let (client, server) = token(p, mode);
        let per_chunk = max_body_size(&*client.sending, mode, max_chunk_size).unwrap();
        let len = (whole_chunks * per_chunk).saturating_add_signed(offset);
        let body: Vec<u8> = (0..len).map(|i| (i as u8) ^ fill).collect();

        let mut wire = vec![0xEE; 3]; // appends after what is there
        let mut next = seq;
        let n = secure_message(
            &mut wire, &HEADER, &mut next, &body, &*client.sending, mode, &limits(max_chunk_size),
        ).unwrap();
        prop_assert_eq!(n, len.div_ceil(per_chunk).max(1));
        prop_assert_eq!(next, seq.wrapping_add(n as u32));
        prop_assert_eq!(&wire[..3], &[0xEE; 3]);
        let (received, chunks) =
            reassemble(&mut wire[3..], &*server.receiving, mode, seq, max_chunk_size);
        prop_assert_eq!(chunks, n);
        prop_assert_eq!(received, body);
    }

    /// The body per chunk is the largest that fits: one byte more would not.
    #[test]
    fn max_body_size_is_tight(
        policy_index in 0..policy::ALL.len(),
        mode_index in 0usize..3,
        max_chunk_size in 100usize..200_000,
    ) {
        let p = policy::ALL[policy_index];
        let mode = mode_for(p, mode_index);
        let (client, _) = token(p, mode);
        let keys = &*client.sending;
        let max = max_body_size(keys, mode, max_chunk_size).unwrap();
        prop_assert!(symmetric_chunk_size(keys, mode, max).unwrap() <= max_chunk_size);
        prop_assert!(symmetric_chunk_size(keys, mode, max + 1).unwrap() > max_chunk_size);
    }
}

/// The MaxBodySize formula of OPC 10000-6 §6.7.2.5.1, taken literally,
/// overflows a 65 535-byte buffer with HMAC-SHA256 and AES by one byte;
/// ours does not.
#[test]
fn full_chunks_fit_odd_buffer_sizes() {
    let (client, _) = token(
        &policy::BASIC256_SHA256,
        MessageSecurityMode::SignAndEncrypt,
    );
    let keys = &*client.sending;
    let mode = MessageSecurityMode::SignAndEncrypt;
    for (size, spec) in [(65_535usize, 65_464usize), (8190, 8120)] {
        let ours = max_body_size(keys, mode, size).unwrap();
        assert!(symmetric_chunk_size(keys, mode, spec).unwrap() > size);
        assert!(symmetric_chunk_size(keys, mode, ours).unwrap() <= size);
        assert!(ours < spec);
    }
}

#[test]
fn limits_are_hit_exactly_at_the_edge() {
    for p in policy::ALL {
        for mode_index in 0..3 {
            let mode = mode_for(p, mode_index);
            let (client, _) = token(p, mode);
            let keys = &*client.sending;
            let per_chunk = max_body_size(keys, mode, 8192).unwrap();
            let body = vec![7u8; 3 * per_chunk];
            for sender in [Role::Client, Role::Server] {
                let code = match sender {
                    Role::Client => StatusCode::BAD_REQUEST_TOO_LARGE,
                    Role::Server => StatusCode::BAD_RESPONSE_TOO_LARGE,
                };
                let run = |max_message_size, max_chunk_count| {
                    let limits = SendLimits {
                        max_chunk_size: 8192,
                        max_message_size,
                        max_chunk_count,
                        sender,
                    };
                    let mut out = vec![1, 2];
                    let mut seq = 10;
                    let r = secure_message(&mut out, &HEADER, &mut seq, &body, keys, mode, &limits);
                    (r, out, seq)
                };
                // Exactly at the limits: accepted.
                let (r, _, seq) = run(body.len(), 3);
                assert_eq!(r.unwrap(), 3);
                assert_eq!(seq, 13);
                // One byte or one chunk over: refused, nothing written, the
                // sequence number untouched.
                for (size, count) in [(body.len() - 1, 0), (0, 2)] {
                    let (r, out, seq) = run(size, count);
                    assert_eq!(r.unwrap_err().status_code(), code, "{size} {count}");
                    assert_eq!(out, [1, 2]);
                    assert_eq!(seq, 10);
                }
            }
        }
    }
}

#[test]
fn close_messages_are_never_split() {
    let (client, _) = token(
        &policy::AES128_SHA256_RSA_OAEP,
        MessageSecurityMode::SignAndEncrypt,
    );
    let mode = MessageSecurityMode::SignAndEncrypt;
    let header = MessageChunkHeader {
        message_type: MessageType::Close,
        ..HEADER
    };
    let mut out = Vec::new();
    let mut seq = 1;
    let small = secure_message(
        &mut out,
        &header,
        &mut seq,
        &[0; 40],
        &*client.sending,
        mode,
        &limits(8192),
    );
    assert_eq!(small.unwrap(), 1);
    let e = secure_message(
        &mut out,
        &header,
        &mut seq,
        &[0; 9000],
        &*client.sending,
        mode,
        &limits(8192),
    )
    .unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_ENCODING_LIMITS_EXCEEDED);
}

#[test]
fn buffers_too_small_for_a_body_are_refused() {
    let (client, _) = token(
        &policy::BASIC256_SHA256,
        MessageSecurityMode::SignAndEncrypt,
    );
    let mode = MessageSecurityMode::SignAndEncrypt;
    // 16 header bytes, then whole AES blocks holding 8 sequence bytes, the
    // body, 1 padding size byte and a 32-byte signature: one body byte needs
    // three blocks, 64 bytes in all.
    for size in [0, 16, 57, 63] {
        let e = max_body_size(&*client.sending, mode, size).unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            "{size}"
        );
    }
    assert_eq!(max_body_size(&*client.sending, mode, 64).unwrap(), 7);
    assert_eq!(max_body_size(&*client.sending, mode, 79).unwrap(), 7);
    assert_eq!(max_body_size(&*client.sending, mode, 80).unwrap(), 23);
}
