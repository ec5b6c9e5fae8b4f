//! A request/response round trip through an open `ClientChannel` and
//! `ServerChannel` allocates nothing in steady state beyond the two bodies
//! it delivers (each `Event::Message` owns its body): counted with a global
//! allocator, for every policy and mode.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::pair::{Pair, client_config, identities_for, policy_modes, server_config};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the test's own thread counts: the test harness allocates on
    /// other threads at times of its own choosing.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn steady_state_round_trips_allocate_only_the_delivered_bodies() {
    let request = [0x42u8; 200];
    for (policy, mode) in policy_modes() {
        let ids = identities_for(policy);
        let mut pair = Pair::new(client_config(&ids, policy, mode), server_config(&ids), 7);
        pair.open();
        let mut wire = Vec::with_capacity(1024);
        // Warm-up: the channels' own buffers grow to size.
        for _ in 0..5 {
            pair.round_trip(&mut wire, &request, &request);
        }
        const TRIPS: usize = 100;
        COUNTED.with(|c| c.set(true));
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        for _ in 0..TRIPS {
            assert_eq!(pair.round_trip(&mut wire, &request, &request), (200, 200));
        }
        let allocations = ALLOCATIONS.load(Ordering::SeqCst) - before;
        COUNTED.with(|c| c.set(false));
        let name = policy.descriptor().name;
        println!("{name} {mode:?}: {allocations} allocations in {TRIPS} round trips");
        assert!(
            allocations <= 2 * TRIPS,
            "{name} {mode:?}: {allocations} allocations in {TRIPS} round trips \
             (2 per round trip are the delivered bodies)"
        );
    }
}
