//! A request/response round trip through an open `ClientChannel` and
//! `ServerChannel` allocates nothing in steady state beyond the two bodies
//! it delivers (each `Event::Message` owns its body): counted with a global
//! allocator, for every policy and mode.

mod common;
#[path = "common/counting.rs"]
mod counting;

use common::pair::{Pair, client_config, identities_for, policy_modes, server_config};
use counting::{Counting, allocations, count_this_thread};

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
        count_this_thread(true);
        let before = allocations();
        for _ in 0..TRIPS {
            assert_eq!(pair.round_trip(&mut wire, &request, &request), (200, 200));
        }
        let allocations = allocations() - before;
        count_this_thread(false);
        let name = policy.descriptor().name;
        println!("{name} {mode:?}: {allocations} allocations in {TRIPS} round trips");
        assert!(
            allocations <= 2 * TRIPS,
            "{name} {mode:?}: {allocations} allocations in {TRIPS} round trips \
             (2 per round trip are the delivered bodies)"
        );
    }
}
