//! Securing a message into MSG chunks and opening them allocates nothing
//! once the caller's buffer has grown to size: counted with a global
//! allocator, through the same trait objects a channel uses.

mod common;
#[path = "common/counting.rs"]
mod counting;

use counting::{Counting, allocations, count_this_thread};

use uasc::chunk::{MessageChunkHeader, MessageType, SendLimits, open_symmetric, secure_message};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, Role};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_chunks_allocate_nothing() {
    count_this_thread(true);
    let body = vec![0x5A; 64 << 10];
    let limits = SendLimits {
        max_chunk_size: 8192,
        max_message_size: 0,
        max_chunk_count: 0,
        sender: Role::Client,
    };
    for p in policy::ALL
        .iter()
        .filter(|p| p.descriptor().signature_len > 0)
    {
        let d = p.descriptor();
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let (keys, _) = common::token_keys(*p, mode, 3);
            let mut out = Vec::new();
            let mut sequence_number = 0;
            let mut message = |request_id: u32, out: &mut Vec<u8>| {
                out.clear();
                let header = MessageChunkHeader {
                    message_type: MessageType::Message,
                    secure_channel_id: 1,
                    token_id: 1,
                    request_id,
                };
                let first = sequence_number;
                let n = secure_message(
                    out,
                    &header,
                    &mut sequence_number,
                    &body,
                    &*keys.sending,
                    mode,
                    &limits,
                )
                .unwrap();
                let mut rest = &mut out[..];
                let mut received = 0;
                for i in 0..n as u32 {
                    let len = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
                    let (chunk, tail) = rest.split_at_mut(len);
                    // The sending keys open their own chunks (same direction).
                    let (s, range) =
                        open_symmetric(chunk, &*keys.sending, mode, first + i).unwrap();
                    assert_eq!(s.sequence_number, first + i);
                    received += range.len();
                    rest = tail;
                }
                assert_eq!(received, body.len());
                n
            };
            message(0, &mut out); // warm-up: the buffer grows once
            let before = allocations();
            let mut chunks = 0;
            for request_id in 1..=20 {
                chunks += message(request_id, &mut out);
            }
            let after = allocations();
            assert!(chunks >= 20 * 8, "{chunks} chunks");
            assert_eq!(
                after - before,
                0,
                "{} {mode:?}: allocations in {chunks} chunks",
                d.name
            );
        }
    }
}
