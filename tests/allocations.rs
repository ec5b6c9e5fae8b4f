//! Securing and opening MSG chunks allocates nothing once the caller's
//! buffer has grown to size: counted with a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use uasc::chunk::{
    ChunkType, MessageType, SequenceHeader, SymmetricChunk, open_symmetric, secure_symmetric,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, Role};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_chunks_allocate_nothing() {
    let body = vec![0x5A; 8000];
    for p in policy::ALL
        .iter()
        .filter(|p| p.descriptor().signature_len > 0)
    {
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let send = p.derive_keys(Role::Client, &[1; 32], &[2; 32]).unwrap();
            let receive = send.clone();
            let mut out = Vec::new();
            let chunk = |seq: u32, out: &mut Vec<u8>| {
                out.clear();
                let header = SymmetricChunk {
                    message_type: MessageType::Message,
                    chunk_type: ChunkType::Final,
                    secure_channel_id: 1,
                    token_id: 1,
                    sequence: SequenceHeader {
                        sequence_number: seq,
                        request_id: seq,
                    },
                };
                secure_symmetric(out, &header, &body, &send, mode).unwrap();
                let (s, range) = open_symmetric(out, &receive, mode, 0).unwrap();
                assert_eq!(s.sequence_number, seq);
                assert_eq!(range.len(), body.len());
            };
            chunk(0, &mut out); // warm-up: the buffer grows once
            let before = ALLOCATIONS.load(Ordering::SeqCst);
            for seq in 1..=100 {
                chunk(seq, &mut out);
            }
            let after = ALLOCATIONS.load(Ordering::SeqCst);
            assert_eq!(
                after - before,
                0,
                "{} {mode:?}: allocations in 100 chunks",
                p.descriptor().name
            );
        }
    }
}
