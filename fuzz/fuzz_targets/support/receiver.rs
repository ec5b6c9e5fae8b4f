//! What a channel end should do with what it receives, written down from
//! the rules rather than taken from the crate, so that a target can say in
//! advance what every well-formed or near-miss chunk must lead to:
//!
//! * a frame larger than the receive buffer, or one whose bytes the byte
//!   budget cannot hold besides the partial messages, ends the channel as
//!   soon as its header is in (OPC 10000-6 §7.1.2.2);
//! * a chunk must name the channel and a token the receiver holds and still
//!   accepts (a server until the token expires, a client for 25 % of its
//!   lifetime longer; OPC 10000-4 §5.6.2.1), be secured with that token's
//!   keys, and carry the next sequence number (legacy: the previous plus
//!   one, or once past 4 294 966 271 a restart below 1024; OPC 10000-6
//!   §6.7.2.4);
//! * a message may have at most `max_chunk_count` chunks and
//!   `max_message_size` bytes, at most `max_partial_messages` may be under
//!   way, and their bytes must fit the budget;
//! * an abort chunk drops its message and is reported; a final chunk
//!   delivers exactly the bytes of its message's chunks, in order.
//!
//! Every refusal ends the channel.

use std::time::{Duration, Instant};

use uasc::StatusCode;
use uasc::channel::{LEGACY_RESTART_BELOW, LEGACY_WRAP_ABOVE, ReceiveLimits};

use super::script::Kind;

/// A token as the receiver holds it; `generation` tells apart keys that
/// share a TokenId.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelToken {
    pub id: u32,
    pub generation: u32,
    pub created: Instant,
    pub lifetime: Duration,
}

impl ModelToken {
    pub fn expires(&self) -> Instant {
        self.created + self.lifetime
    }

    /// When a client renews: at 75 % of the lifetime.
    pub fn renew_at(&self) -> Instant {
        self.created + self.lifetime * 3 / 4
    }

    /// The end of the client's 25 % grace after expiry.
    pub fn grace_end(&self) -> Instant {
        self.expires() + self.lifetime / 4
    }
}

/// An event the channel must report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    Message {
        request_id: u32,
        body: Vec<u8>,
    },
    Aborted {
        request_id: u32,
        code: StatusCode,
    },
    Renewed {
        token_id: u32,
    },
    /// `orderly`: without an error.
    Closed {
        orderly: bool,
    },
}

/// A symmetric chunk as it arrives.
#[derive(Debug)]
pub struct Arrival<'a> {
    pub kind: Kind,
    pub channel_ok: bool,
    pub token_id: u32,
    /// The generation of the keys it was secured with.
    pub generation: u32,
    pub sequence: u32,
    pub request_id: u32,
    /// The body (for an abort chunk, the code it carries is `abort`).
    pub body: &'a [u8],
    pub abort: Option<StatusCode>,
}

#[derive(Debug)]
struct Partial {
    request_id: u32,
    chunks: usize,
    body: Vec<u8>,
}

/// One end's receiving side.
#[derive(Debug)]
pub struct Receiver {
    pub server: bool,
    /// Mode None: no keys to get wrong.
    pub unsecured: bool,
    pub legacy: bool,
    pub last: Option<u32>,
    pub current: Option<ModelToken>,
    pub other: Option<ModelToken>,
    pub limits: ReceiveLimits,
    pub frame_limit: usize,
    pub budget: Option<usize>,
    partials: Vec<Partial>,
    pub closed: bool,
}

impl Receiver {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        server: bool,
        unsecured: bool,
        legacy: bool,
        last: u32,
        token: ModelToken,
        limits: ReceiveLimits,
        frame_limit: usize,
        budget: Option<usize>,
    ) -> Receiver {
        Receiver {
            server,
            unsecured,
            legacy,
            last: Some(last),
            current: Some(token),
            other: None,
            limits,
            frame_limit,
            budget,
            partials: Vec::new(),
            closed: false,
        }
    }

    /// Bytes held in partial messages.
    pub fn buffered(&self) -> usize {
        self.partials.iter().map(|p| p.body.len()).sum()
    }

    /// The sequence number the next chunk should carry.
    pub fn next_sequence(&self) -> u32 {
        self.last.map_or(0, |l| l.wrapping_add(1))
    }

    fn sequence_ok(&self, n: u32) -> bool {
        match self.last {
            None => self.legacy || n == 0,
            Some(last) if self.legacy => {
                (last < u32::MAX && n == last + 1)
                    || (last > LEGACY_WRAP_ABOVE && n < LEGACY_RESTART_BELOW)
            }
            Some(last) => n == last.wrapping_add(1),
        }
    }

    /// Whether the framer refuses a frame of `size` bytes, and if so after
    /// how many of its bytes: the budget is asked for the 8 header bytes
    /// with the first one, then for the rest once the header is checked.
    pub fn frame_refused(&self, size: usize) -> Option<usize> {
        let held = self.buffered();
        if self.budget.is_some_and(|b| held + 8 > b) {
            return Some(1);
        }
        if size > self.frame_limit || self.budget.is_some_and(|b| held + size > b) {
            return Some(8);
        }
        None
    }

    fn accepted_until(&self, t: &ModelToken) -> Instant {
        if self.server {
            t.expires()
        } else {
            t.grace_end()
        }
    }

    /// The generation of the token `id` names, if it is held and accepted
    /// at `now`.
    pub fn receiving(&self, id: u32, now: Instant) -> Option<u32> {
        [self.current, self.other]
            .into_iter()
            .flatten()
            .find(|t| t.id == id && now < self.accepted_until(t))
            .map(|t| t.generation)
    }

    /// The token the end sends under.
    pub fn sending(&self) -> Option<ModelToken> {
        self.current
    }

    /// Ends the channel: everything held is dropped.
    pub fn end(&mut self, orderly: bool, expect: &mut Vec<Expect>) {
        if !self.closed {
            self.closed = true;
            self.partials.clear();
            self.current = None;
            self.other = None;
            expect.push(Expect::Closed { orderly });
        }
    }

    /// Checks an arriving frame of `size` bytes at the framer; on a refusal
    /// returns after how many of its bytes the channel has ended.
    pub fn frame(&mut self, size: usize, expect: &mut Vec<Expect>) -> Option<usize> {
        if self.closed {
            return Some(0);
        }
        let at = self.frame_refused(size)?;
        self.end(false, expect);
        Some(at)
    }

    /// A symmetric chunk (its frame already let through) at `now`.
    pub fn symmetric(&mut self, a: &Arrival<'_>, now: Instant, expect: &mut Vec<Expect>) {
        if self.closed {
            return;
        }
        let keys_ok = self
            .receiving(a.token_id, now)
            .is_some_and(|g| self.unsecured || g == a.generation);
        let ok = a.kind != Kind::OpenSymmetric
            && a.channel_ok
            && keys_ok
            && self.sequence_ok(a.sequence)
            && (self.server || a.kind != Kind::Close);
        if !ok {
            return self.end(false, expect);
        }
        self.last = Some(a.sequence);
        let result = match a.kind {
            Kind::Close => {
                self.seen(a.token_id);
                return self.end(true, expect);
            }
            Kind::Abort => {
                self.partials.retain(|p| p.request_id != a.request_id);
                expect.push(Expect::Aborted {
                    request_id: a.request_id,
                    code: a.abort.unwrap_or(StatusCode::GOOD),
                });
                Ok(())
            }
            Kind::Final => self.push(a.request_id, true, a.body, expect),
            _ => self.push(a.request_id, false, a.body, expect),
        };
        match result {
            Ok(()) => self.seen(a.token_id),
            Err(()) => self.end(false, expect),
        }
    }

    fn push(
        &mut self,
        request_id: u32,
        last: bool,
        body: &[u8],
        expect: &mut Vec<Expect>,
    ) -> Result<(), ()> {
        let index = self
            .partials
            .iter()
            .position(|p| p.request_id == request_id);
        let (chunks, size) = index.map_or((0, 0), |i| {
            (self.partials[i].chunks, self.partials[i].body.len())
        });
        if chunks + 1 > self.limits.max_chunk_count
            || size + body.len() > self.limits.max_message_size
        {
            return Err(());
        }
        if last {
            let mut whole = index.map_or_else(Vec::new, |i| self.partials.swap_remove(i).body);
            whole.extend_from_slice(body);
            expect.push(Expect::Message {
                request_id,
                body: whole,
            });
            return Ok(());
        }
        if index.is_none() && self.partials.len() >= self.limits.max_partial_messages {
            return Err(());
        }
        if self
            .budget
            .is_some_and(|b| self.buffered() + body.len() > b)
        {
            return Err(());
        }
        match index {
            Some(i) => {
                self.partials[i].chunks += 1;
                self.partials[i].body.extend_from_slice(body);
            }
            None => self.partials.push(Partial {
                request_id,
                chunks: 1,
                body: body.to_vec(),
            }),
        }
        Ok(())
    }

    /// A server takes up a renewed token once the client uses it.
    fn seen(&mut self, id: u32) {
        if self.server && self.other.is_some_and(|t| t.id == id) {
            self.current = self.other.take();
        }
    }

    /// An OPN chunk's sequence number; `false` ends the channel.
    pub fn open_sequence(&mut self, n: u32) -> bool {
        if self.sequence_ok(n) {
            self.last = Some(n);
            true
        } else {
            false
        }
    }

    /// Server: a renewal issued `token`, which waits until the client uses
    /// it (or the current one expires).
    pub fn server_add(&mut self, token: ModelToken) {
        if self.current.is_none() {
            self.current = Some(token);
        } else {
            self.other = Some(token);
        }
    }

    /// Client: a renewal's token replaces the current one at once, which
    /// is kept for receiving.
    pub fn client_activate(&mut self, token: ModelToken) {
        self.other = self.current.replace(token);
    }

    /// Time reached `now` (`handle_timeout`): tokens past their time are
    /// dropped, a server moves to the renewed token when the current one
    /// expired. Returns whether a token remains.
    pub fn expire(&mut self, now: Instant) -> bool {
        if self.other.is_some_and(|t| now >= self.accepted_until(&t)) {
            self.other = None;
        }
        if self.server && self.other.is_some() && self.current.is_some_and(|t| now >= t.expires()) {
            self.current = self.other.take();
        }
        if self.current.is_some_and(|t| now >= self.accepted_until(&t)) {
            self.current = self.other.take();
        }
        self.current.is_some()
    }

    /// When `handle_timeout` is due next: a server's token expiry; a
    /// client's renewal (or, with one on its way, the current token's grace
    /// end) and the previous token's grace end.
    pub fn next_deadline(&self, renewing: bool) -> Option<Instant> {
        if self.closed {
            return None;
        }
        if renewing && !self.server {
            return self.current.map(|t| t.grace_end());
        }
        let current = self.current.map(|t| {
            if self.server {
                t.expires()
            } else {
                t.renew_at()
            }
        });
        let other = self.other.map(|t| self.accepted_until(&t));
        current.into_iter().chain(other).min()
    }
}
