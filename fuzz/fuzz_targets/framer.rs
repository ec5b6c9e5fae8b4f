//! Feeds arbitrary bytes to the framer in pieces whose size the first byte
//! picks, then parses every frame; buffering never exceeds the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uasc::chunk::{ChunkHeaders, Framer};
use uasc::codec::DecodeLimits;
use uasc::uacp::UacpMessage;

const LIMIT: u32 = 8192;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, data)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece).max(1);
    let mut framer = Framer::new(LIMIT);
    for p in data.chunks(piece) {
        let mut input = p;
        loop {
            match framer.next_frame(&mut input) {
                Ok(Some(frame)) => {
                    assert!(frame.bytes.len() <= LIMIT as usize);
                    if frame.header.message_type.is_uacp() {
                        let _ = UacpMessage::decode_frame(frame.bytes, DecodeLimits::DEFAULT);
                    } else {
                        let _ = ChunkHeaders::parse(frame.bytes, 4096);
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
            assert!(framer.buffered() <= LIMIT as usize);
        }
    }
});
