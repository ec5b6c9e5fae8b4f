//! Reassembling a message of many chunks allocates each verified chunk's
//! body once and the whole message once, at its final chunk: the body is
//! never grown by reallocation, and the byte budget counts exactly the
//! bytes held. Counted with a global allocator.

#[path = "common/counting.rs"]
mod counting;

use counting::{
    Counting, allocations, count_this_thread, reallocations, take_largest_reallocation,
};
use uasc::channel::{ByteBudget, Reassembler, ReceiveLimits};
use uasc::chunk::ChunkType;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_message_of_n_chunks_is_allocated_once_and_never_reallocated() {
    const CHUNK: usize = 8_000;
    for n in [2usize, 16, 64, 256] {
        let budget = ByteBudget::new(64 << 20);
        let mut r = Reassembler::new(ReceiveLimits::DEFAULT, budget.clone());
        let chunks: Vec<Vec<u8>> = (0..n)
            .map(|i| vec![u8::try_from(i % 251).unwrap(); CHUNK])
            .collect();
        let expected: Vec<u8> = chunks.concat();
        // The reassembler's own table of partial messages grows once, at
        // the first one.
        r.push(6, ChunkType::Intermediate, &[0; 10]).unwrap();
        assert!(r.push(6, ChunkType::Final, &[0; 10]).unwrap().is_some());
        count_this_thread(true);
        let (allocs, reallocs) = (allocations(), reallocations());
        take_largest_reallocation();
        let mut message = None;
        for (i, chunk) in chunks.iter().enumerate() {
            let kind = if i + 1 == n {
                ChunkType::Final
            } else {
                ChunkType::Intermediate
            };
            message = r.push(7, kind, chunk).unwrap();
            if i + 1 < n {
                // Exactly the verified bytes held so far are counted.
                assert_eq!(budget.used(), (i + 1) * CHUNK);
                assert_eq!(r.buffered(), (i + 1) * CHUNK);
                assert!(message.is_none());
            }
        }
        let allocs = allocations() - allocs;
        let reallocs = reallocations() - reallocs;
        let largest = take_largest_reallocation();
        count_this_thread(false);
        let message = message.expect("the final chunk completes the message");
        assert_eq!(message, expected);
        assert_eq!(message.capacity(), n * CHUNK, "allocated at its exact size");
        assert_eq!(budget.used(), 0);
        println!(
            "{n} chunks: {allocs} allocations, {reallocs} reallocations (largest {largest} B)"
        );
        // The body bytes are never reallocated: only the list of chunk
        // buffers grows, by doubling, a pointer-sized entry per chunk.
        assert!(largest < CHUNK, "{n} chunks: a reallocation of {largest} B");
        let doublings = usize::BITS - n.leading_zeros();
        assert!(
            reallocs <= usize::try_from(doublings).unwrap(),
            "{n} chunks: {reallocs} reallocations"
        );
        // One copy of each intermediate chunk, the message, and the list.
        assert!(
            allocs <= (n - 1) + 1 + 1 + reallocs,
            "{n} chunks: {allocs} allocations"
        );
    }
}

#[test]
fn an_aborted_or_refused_message_gives_back_exactly_what_it_held() {
    let budget = ByteBudget::new(30_000);
    let mut r = Reassembler::new(ReceiveLimits::DEFAULT, budget.clone());
    for _ in 0..3 {
        r.push(1, ChunkType::Intermediate, &[1; 9_000]).unwrap();
    }
    assert_eq!(budget.used(), 27_000);
    // The budget refuses the next chunk and nothing more is held.
    assert!(r.push(1, ChunkType::Intermediate, &[1; 9_000]).is_err());
    assert_eq!(budget.used(), 27_000);
    assert!(r.abort(1));
    assert_eq!((budget.used(), r.buffered()), (0, 0));
}
