//! Putting a message back together from its verified chunks, within limits
//! (OPC 10000-6 §6.7.2.2, §6.7.3; spec-notes §5.3).

use super::ByteBudget;
use crate::chunk::ChunkType;
use crate::uacp::ConnectionLimits;
use crate::{Error, Result};

/// What one channel accepts from its peer, whatever the peer announced.
///
/// Zero is never "no limit" here: every limit is a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveLimits {
    /// The most chunks one message may have.
    pub max_chunk_count: usize,
    /// The largest message body, in bytes.
    pub max_message_size: usize,
    /// The most messages (distinct RequestIds) partly received at once.
    pub max_partial_messages: usize,
}

impl ReceiveLimits {
    /// 512 chunks, 16 MiB, 16 partial messages. A 16 MiB message needs 257
    /// chunks of 65 535 bytes once headers and signature are counted.
    pub const DEFAULT: ReceiveLimits = ReceiveLimits {
        max_chunk_count: 512,
        max_message_size: 16 << 20,
        max_partial_messages: 16,
    };

    /// What to announce in a Hello or Acknowledge: `connection` with its
    /// MaxMessageSize and MaxChunkCount lowered to these limits (where
    /// `connection` says 0, no limit, these limits are announced). A peer
    /// that honours the announcement is then never refused by these limits.
    pub fn announce(&self, connection: &ConnectionLimits) -> ConnectionLimits {
        let lower = |announced: u32, enforced: usize| {
            let enforced = u32::try_from(enforced).unwrap_or(u32::MAX);
            if announced == 0 {
                enforced
            } else {
                announced.min(enforced)
            }
        };
        ConnectionLimits {
            max_message_size: lower(connection.max_message_size, self.max_message_size),
            max_chunk_count: lower(connection.max_chunk_count, self.max_chunk_count),
            ..*connection
        }
    }
}

impl Default for ReceiveLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A partly received message: the body of each verified chunk so far, each
/// in a buffer of exactly its length.
///
/// How big the message will be is not known before its final chunk: the
/// peer announces no total, and nothing it could announce would be
/// trustworthy before the bytes arrive. So no buffer is ever sized from a
/// length the peer states, nor from the MaxMessageSize bound (a peer could
/// then make a channel hold that much with one small chunk). Instead each
/// verified chunk's body, already counted against the limits and the
/// [`ByteBudget`], is copied into an exact-size buffer of its own, and the
/// message is put together once, when the final chunk arrives and its size
/// is known: one allocation of exactly that size, no reallocation and no
/// copy of the earlier bytes on the way. The memory held for a partial
/// message is then exactly what the budget counts for it, where a buffer
/// grown by doubling holds up to twice that. (The list of chunk buffers
/// itself grows by doubling: a few pointer-sized entries per chunk, at most
/// `max_chunk_count` of them.)
#[derive(Debug)]
struct Partial {
    request_id: u32,
    chunks: Vec<Vec<u8>>,
    /// The bytes in `chunks`.
    size: usize,
}

impl Partial {
    /// The message body: the chunks so far and `last`, in one buffer of
    /// exactly their size. Each chunk's buffer is freed once copied.
    fn complete(self, last: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(self.size.saturating_add(last.len()));
        for chunk in self.chunks {
            body.extend_from_slice(&chunk);
        }
        body.extend_from_slice(last);
        body
    }
}

/// The partly received messages of one channel.
///
/// Every body pushed here comes from a chunk whose signature already
/// verified. Bytes are counted against the channel's limits and the shared
/// [`ByteBudget`] before they are buffered, so a limit is never exceeded,
/// even briefly; each partial message holds exactly the bytes counted for
/// it (see `Partial`: the message is allocated once, at its final chunk).
#[derive(Debug)]
pub struct Reassembler {
    limits: ReceiveLimits,
    budget: ByteBudget,
    partial: Vec<Partial>,
    reserved: usize,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(limits: ReceiveLimits, budget: ByteBudget) -> Self {
        Reassembler {
            limits,
            budget,
            partial: Vec::new(),
            reserved: 0,
        }
    }

    /// Lowers the limits to what this side announced in its Hello or
    /// Acknowledge (0 there means no limit, which changes nothing here).
    pub fn tighten(&mut self, max_message_size: u32, max_chunk_count: u32) {
        let cap = |limit: &mut usize, announced: u32| {
            if let Ok(announced @ 1..) = usize::try_from(announced) {
                *limit = (*limit).min(announced);
            }
        };
        cap(&mut self.limits.max_message_size, max_message_size);
        cap(&mut self.limits.max_chunk_count, max_chunk_count);
    }

    /// Bytes held in partly received messages.
    pub fn buffered(&self) -> usize {
        self.reserved
    }

    /// The limits in force.
    pub fn limits(&self) -> ReceiveLimits {
        self.limits
    }

    /// Drops every partly received message and gives its bytes back to the
    /// budget (the channel closed).
    pub fn clear(&mut self) {
        self.partial = Vec::new();
        self.budget.release(std::mem::take(&mut self.reserved));
    }

    /// Adds one verified chunk's body. Returns the whole message body after
    /// its final (`F`) chunk, allocated once at its exact size.
    ///
    /// * More chunks than `max_chunk_count`, or more bytes than
    ///   `max_message_size`: `BadTcpMessageTooLarge`.
    /// * A new RequestId while `max_partial_messages` are open:
    ///   `BadEncodingLimitsExceeded`.
    /// * The shared budget used up: `BadTcpNotEnoughResources`.
    ///
    /// Abort chunks go to [`abort`](Self::abort), not here.
    pub fn push(
        &mut self,
        request_id: u32,
        chunk_type: ChunkType,
        body: &[u8],
    ) -> Result<Option<Vec<u8>>> {
        let index = self.partial.iter().position(|p| p.request_id == request_id);
        let (chunks, size) = index
            .and_then(|i| self.partial.get(i))
            .map_or((0, 0), |p| (p.chunks.len(), p.size));
        let too_large = |size: usize| Error::TcpMessageTooLarge {
            size: u32::try_from(size).unwrap_or(u32::MAX),
            limit: u32::try_from(self.limits.max_message_size).unwrap_or(u32::MAX),
        };
        let new_size = size.saturating_add(body.len());
        if chunks + 1 > self.limits.max_chunk_count {
            return Err(Error::EncodingLimitsExceeded("MaxChunkCount"));
        }
        if new_size > self.limits.max_message_size {
            return Err(too_large(new_size));
        }
        if chunk_type == ChunkType::Final {
            let Some(i) = index else {
                return Ok(Some(body.to_vec()));
            };
            let done = self.partial.swap_remove(i);
            self.give_back(done.size);
            return Ok(Some(done.complete(body)));
        }
        if index.is_none() && self.partial.len() >= self.limits.max_partial_messages {
            return Err(Error::EncodingLimitsExceeded(
                "too many partly received messages",
            ));
        }
        if !self.budget.try_reserve(body.len()) {
            return Err(Error::TcpNotEnoughResources("receive byte budget"));
        }
        self.reserved += body.len();
        match index.and_then(|i| self.partial.get_mut(i)) {
            Some(p) => {
                p.chunks.push(body.to_vec());
                p.size = new_size;
            }
            None => self.partial.push(Partial {
                request_id,
                chunks: vec![body.to_vec()],
                size: body.len(),
            }),
        }
        Ok(None)
    }

    /// Drops the partly received message `request_id` after an abort chunk
    /// (OPC 10000-6 §6.7.3). Returns whether there was one.
    pub fn abort(&mut self, request_id: u32) -> bool {
        match self.partial.iter().position(|p| p.request_id == request_id) {
            Some(i) => {
                let p = self.partial.swap_remove(i);
                self.give_back(p.size);
                true
            }
            None => false,
        }
    }

    fn give_back(&mut self, n: usize) {
        self.budget.release(n);
        self.reserved = self.reserved.saturating_sub(n);
    }
}

impl Drop for Reassembler {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ReceiveLimits {
        ReceiveLimits {
            max_chunk_count: 3,
            max_message_size: 30,
            max_partial_messages: 2,
        }
    }

    #[test]
    fn messages_complete_and_release_the_budget() {
        let budget = ByteBudget::new(100);
        let mut r = Reassembler::new(limits(), budget.clone());
        assert_eq!(r.push(1, ChunkType::Intermediate, &[1; 10]).unwrap(), None);
        assert_eq!(r.push(2, ChunkType::Intermediate, &[2; 5]).unwrap(), None);
        assert_eq!(budget.used(), 15);
        let one = r.push(1, ChunkType::Final, &[3; 20]).unwrap().unwrap();
        assert_eq!(one.len(), 30);
        assert_eq!(budget.used(), 5);
        assert!(r.abort(2));
        assert!(!r.abort(2));
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn limits_hold_exactly_at_the_edge() {
        let mut r = Reassembler::new(limits(), ByteBudget::new(1000));
        // Three chunks and 30 bytes: accepted.
        r.push(1, ChunkType::Intermediate, &[0; 10]).unwrap();
        r.push(1, ChunkType::Intermediate, &[0; 10]).unwrap();
        assert_eq!(
            r.push(1, ChunkType::Final, &[0; 10])
                .unwrap()
                .unwrap()
                .len(),
            30
        );
        // A fourth chunk, or a 31st byte: refused.
        for _ in 0..3 {
            let _ = r.push(2, ChunkType::Intermediate, &[0; 1]);
        }
        let e = r.push(2, ChunkType::Final, &[0; 1]).unwrap_err();
        assert_eq!(e, Error::EncodingLimitsExceeded("MaxChunkCount"));
        let e = r.push(3, ChunkType::Final, &[0; 31]).unwrap_err();
        assert!(matches!(
            e,
            Error::TcpMessageTooLarge {
                size: 31,
                limit: 30
            }
        ));
        // A second partial message is fine, a third refused.
        r.push(5, ChunkType::Intermediate, &[0; 1]).unwrap();
        let e = r.push(4, ChunkType::Intermediate, &[0; 1]).unwrap_err();
        assert_eq!(
            e,
            Error::EncodingLimitsExceeded("too many partly received messages")
        );
    }

    #[test]
    fn announced_limits_only_ever_lower_the_configured_ones() {
        let mut r = Reassembler::new(limits(), ByteBudget::new(1000));
        r.tighten(0, 0);
        assert_eq!(r.limits, limits());
        r.tighten(100, 10);
        assert_eq!(r.limits, limits());
        r.tighten(20, 2);
        assert_eq!(
            (r.limits.max_message_size, r.limits.max_chunk_count),
            (20, 2)
        );
        assert!(r.push(1, ChunkType::Final, &[0; 21]).is_err());
    }

    #[test]
    fn the_shared_budget_is_never_exceeded() {
        let budget = ByteBudget::new(25);
        let mut a = Reassembler::new(limits(), budget.clone());
        let mut b = Reassembler::new(limits(), budget.clone());
        a.push(1, ChunkType::Intermediate, &[0; 20]).unwrap();
        let e = b.push(1, ChunkType::Intermediate, &[0; 6]).unwrap_err();
        assert_eq!(e, Error::TcpNotEnoughResources("receive byte budget"));
        b.push(1, ChunkType::Intermediate, &[0; 5]).unwrap();
        assert_eq!(budget.used(), 25);
        drop(a);
        assert_eq!(budget.used(), 5);
    }
}
