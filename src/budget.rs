//! A byte budget shared by the channels of a server (OPC 10000-6 §6.7.2.2;
//! against chunk floods, CVE-2022-21208 and its relatives).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes all channels together may hold in partly received frames and
/// messages.
///
/// The caller creates one and gives a clone to every channel; clones share
/// the same count. A server channel reserves a frame's size as soon as its
/// header is checked (before its body is buffered, so idle or slow
/// connections that have not even sent a Hello are counted too) and gives
/// it back when the frame is complete; it reserves a verified chunk body
/// before buffering it for reassembly and gives it back when the message
/// completes, is aborted, or the channel closes.
#[derive(Debug, Clone)]
pub struct ByteBudget(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    limit: usize,
    used: AtomicUsize,
}

impl ByteBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        ByteBudget(Arc::new(Inner {
            limit,
            used: AtomicUsize::new(0),
        }))
    }

    /// The most bytes that may be held.
    pub fn limit(&self) -> usize {
        self.0.limit
    }

    /// The bytes held now, by all channels.
    pub fn used(&self) -> usize {
        self.0.used.load(Ordering::SeqCst)
    }

    /// Takes `n` bytes if they are left; `false` (and nothing taken)
    /// otherwise.
    pub fn try_reserve(&self, n: usize) -> bool {
        self.0
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                used.checked_add(n).filter(|&u| u <= self.0.limit)
            })
            .is_ok()
    }

    /// Gives back `n` bytes taken by [`try_reserve`](Self::try_reserve).
    pub fn release(&self, n: usize) {
        // Never below zero, whatever the caller does.
        let _ = self
            .0
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                Some(used.saturating_sub(n))
            });
    }
}

impl Default for ByteBudget {
    /// 64 MiB.
    fn default() -> Self {
        ByteBudget::new(64 << 20)
    }
}
