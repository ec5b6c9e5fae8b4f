//! A global allocator that counts the allocations made on the threads that
//! ask it to, for the tests that show a path allocates nothing. A test
//! binary installs it with
//! `#[global_allocator] static GLOBAL: Counting = Counting;`.
// Each test binary that includes this file uses only some of it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Forwards to the system allocator and counts.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static REALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LARGEST_REALLOCATION: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only the threads that asked count: the test harness allocates on
    /// other threads at times of its own choosing.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    }
}

/// Counts the allocations (and reallocations) this thread makes from now
/// on.
pub fn count_this_thread(on: bool) {
    COUNTED.with(|c| c.set(on));
}

/// The allocations counted so far (reallocations included).
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// The reallocations counted so far.
pub fn reallocations() -> usize {
    REALLOCATIONS.load(Ordering::SeqCst)
}

/// The largest size a counted reallocation asked for; back to 0.
pub fn take_largest_reallocation() -> usize {
    LARGEST_REALLOCATION.swap(0, Ordering::SeqCst)
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
        if COUNTED.with(Cell::get) {
            REALLOCATIONS.fetch_add(1, Ordering::SeqCst);
            LARGEST_REALLOCATION.fetch_max(new_size, Ordering::SeqCst);
        }
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
