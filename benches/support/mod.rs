//! What the chunk benchmarks share: token keys from seeded key exchanges
//! and a message secured into MSG chunks of a 65 536-byte send buffer.
#![allow(dead_code)]

use uasc::chunk::{MessageChunkHeader, MessageType, SendLimits, secure_message};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{ChunkProtection, Role, SecurityPolicy};

/// The chunk size the benchmarks cut messages into.
pub const CHUNK: usize = 65_536;

/// The client's sending keys of a token under `policy` in `mode`, from
/// seeded key exchanges (the ECC policies agree keys from ephemeral keys);
/// they open what they secure.
pub fn token_keys(
    policy: &dyn SecurityPolicy,
    mode: MessageSecurityMode,
) -> Box<dyn ChunkProtection> {
    use rand::SeedableRng;
    let rng = |seed| rand::rngs::StdRng::seed_from_u64(seed);
    let client = policy.start_key_exchange(mode, &mut rng(1), None).unwrap();
    let server = policy.start_key_exchange(mode, &mut rng(2), None).unwrap();
    let server_nonce = server.local_nonce().to_vec();
    client
        .complete(Role::Client, &server_nonce)
        .unwrap()
        .sending
}

/// Secures `message` into `wire` (cleared first) as chunks of at most
/// `CHUNK` bytes, from `*sequence_number` on.
pub fn secure_all(
    wire: &mut Vec<u8>,
    message: &[u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    sequence_number: &mut u32,
) {
    const LIMITS: SendLimits = SendLimits {
        max_chunk_size: CHUNK,
        max_message_size: 0,
        max_chunk_count: 0,
        sender: Role::Client,
    };
    const HEADER: MessageChunkHeader = MessageChunkHeader {
        message_type: MessageType::Message,
        secure_channel_id: 1,
        token_id: 1,
        request_id: 1,
    };
    wire.clear();
    secure_message(wire, &HEADER, sequence_number, message, keys, mode, &LIMITS).unwrap();
}

/// The lengths of the chunks one after the other in `wire`.
pub fn chunk_lens(wire: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = wire;
    while rest.len() >= 8 {
        let len = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        out.push(len);
        rest = &rest[len..];
    }
    out
}
