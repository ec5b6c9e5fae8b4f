//! Sequence numbers (OPC 10000-6 §6.7.2.4).

use crate::{Error, Result};

/// Legacy sequence numbers may wrap only after exceeding this value.
pub const LEGACY_WRAP_ABOVE: u32 = u32::MAX - 1024;

/// After a legacy wrap the first number must be below this.
pub const LEGACY_RESTART_BELOW: u32 = 1024;

/// Checks that each received sequence number follows the previous one.
///
/// * Non-legacy (ECC and AEAD policies): the first number is 0, then each is
///   the previous plus one, wrapping from 4 294 967 295 to 0.
/// * Legacy (LegacySequenceNumbers = TRUE, the RSA policies and None): the
///   first number is arbitrary; each is the previous plus one, except that
///   once the previous exceeds 4 294 966 271 the next may instead restart
///   below 1024.
///
/// Anything else is `BadSequenceNumberInvalid`: a replayed, reordered or
/// dropped chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveSequence {
    legacy: bool,
    last: Option<u32>,
}

impl ReceiveSequence {
    /// A checker that has seen nothing yet.
    pub const fn new(legacy: bool) -> Self {
        ReceiveSequence { legacy, last: None }
    }

    /// A checker whose last number was `last`, for the tests of this crate.
    #[cfg(all(test, feature = "cert-generate"))]
    pub(crate) const fn after(legacy: bool, last: u32) -> Self {
        ReceiveSequence {
            legacy,
            last: Some(last),
        }
    }

    /// The number the next chunk should carry: what an AEAD policy builds
    /// its nonce from. After a legacy number above the wrap threshold this
    /// is the plain successor (or 0 past the top).
    pub fn expected(&self) -> u32 {
        self.last.map_or(0, |l| l.wrapping_add(1))
    }

    /// Checks `n` and, if it is valid, records it.
    pub fn check(&mut self, n: u32) -> Result<()> {
        let ok = match self.last {
            None => self.legacy || n == 0,
            Some(last) if self.legacy => {
                (last < u32::MAX && n == last + 1)
                    || (last > LEGACY_WRAP_ABOVE && n < LEGACY_RESTART_BELOW)
            }
            Some(last) => n == last.wrapping_add(1),
        };
        if !ok {
            return Err(Error::SequenceNumberInvalid);
        }
        self.last = Some(n);
        Ok(())
    }
}

/// Hands out the sequence numbers of the chunks one side sends: from
/// `first`, plus one per chunk, wrapping from 4 294 967 295 to 0 (which both
/// rules allow: 0 is below 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendSequence {
    next: u32,
}

impl SendSequence {
    /// Starts at `first`: 0 for non-legacy policies, any value for legacy
    /// ones.
    pub const fn new(first: u32) -> Self {
        SendSequence { next: first }
    }

    /// The number the next chunk takes, without taking it.
    pub const fn peek(&self) -> u32 {
        self.next
    }

    /// Takes the next number.
    pub fn take(&mut self) -> u32 {
        let n = self.next;
        self.next = n.wrapping_add(1);
        n
    }

    /// The counter itself, for functions that advance it per chunk.
    pub fn counter(&mut self) -> &mut u32 {
        &mut self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_legacy_starts_at_zero_and_wraps_at_the_top() {
        let mut r = ReceiveSequence::new(false);
        assert!(r.clone().check(1).is_err());
        r.check(0).unwrap();
        r.check(1).unwrap();
        let mut top = ReceiveSequence {
            legacy: false,
            last: Some(u32::MAX - 1),
        };
        top.check(u32::MAX).unwrap();
        assert_eq!(top.expected(), 0);
        assert!(top.clone().check(1).is_err());
        top.check(0).unwrap();
    }

    #[test]
    fn legacy_wraps_only_above_the_threshold_and_restarts_low() {
        let mut r = ReceiveSequence::new(true);
        r.check(LEGACY_WRAP_ABOVE - 1).unwrap();
        // Not yet above the threshold: no restart allowed.
        r.check(LEGACY_WRAP_ABOVE).unwrap();
        assert!(r.clone().check(5).is_err());
        r.check(LEGACY_WRAP_ABOVE + 1).unwrap();
        // Above it: restart below 1024, or continue.
        assert!(r.clone().check(LEGACY_RESTART_BELOW).is_err());
        r.clone().check(LEGACY_WRAP_ABOVE + 2).unwrap();
        r.check(LEGACY_RESTART_BELOW - 1).unwrap();
        r.check(LEGACY_RESTART_BELOW).unwrap();
        // At the very top the next must restart.
        let mut top = ReceiveSequence {
            legacy: true,
            last: Some(u32::MAX),
        };
        assert!(top.clone().check(LEGACY_RESTART_BELOW + 1).is_err());
        top.check(1).unwrap();
    }

    #[test]
    fn replays_gaps_and_reordering_are_refused() {
        let mut r = ReceiveSequence::new(true);
        r.check(100).unwrap();
        for bad in [100, 99, 102, 0] {
            assert_eq!(r.clone().check(bad), Err(Error::SequenceNumberInvalid));
        }
        r.check(101).unwrap();
    }

    #[test]
    fn sending_wraps_to_zero() {
        let mut s = SendSequence::new(u32::MAX);
        assert_eq!(s.take(), u32::MAX);
        assert_eq!(s.take(), 0);
        assert_eq!(s.peek(), 1);
    }
}
