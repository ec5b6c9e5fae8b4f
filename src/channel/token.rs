//! SecurityTokens and their keys over time (OPC 10000-4 §5.6.2.1,
//! OPC 10000-6 §6.7.4).

use core::fmt;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::codec::DateTime;
use crate::policy::{ChainingSecret, ChunkProtection, TokenKeys};
use crate::{Error, Result};

/// What the caller may know about a SecurityToken (OPC 10000-4 §5.6.2.2
/// ChannelSecurityToken).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenInfo {
    /// The TokenId chunks under it carry.
    pub id: u32,
    /// When this end took it into use, on the caller's monotonic clock.
    pub created: Instant,
    /// The CreatedAt the server stated.
    pub created_at: DateTime,
    /// The RevisedLifetime the server granted.
    pub revised_lifetime: Duration,
}

/// The two nonces a token's keys were derived from. Key material: zeroized
/// on drop, never printed.
pub(crate) struct Nonces {
    pub(crate) local: Zeroizing<Vec<u8>>,
    pub(crate) peer: Zeroizing<Vec<u8>>,
}

impl Nonces {
    pub(crate) fn new(local: &[u8], peer: &[u8]) -> Self {
        Nonces {
            local: Zeroizing::new(local.to_vec()),
            peer: Zeroizing::new(peer.to_vec()),
        }
    }
}

impl fmt::Debug for Nonces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Nonces({} and {} bytes)",
            self.local.len(),
            self.peer.len()
        )
    }
}

/// How many sequence numbers one token may send under: every value of the
/// UInt32 once. An AEAD chunk's nonce is made of the TokenId and the
/// previous sequence number (OPC 10000-6 §6.8.1), so a token that took
/// more would seal two chunks with one key and nonce.
pub(crate) const SEQUENCE_SPACE: u64 = 1 << 32;

/// When a client renews early: once fewer sequence numbers than this are
/// left under its token (or its server has sent more than
/// `SEQUENCE_SPACE` minus this under it), long before any comes back.
pub(crate) const RENEW_MARGIN: u64 = 1 << 24;

/// One SecurityToken: its id, its keys and its lifetime.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) info: TokenInfo,
    pub(crate) keys: TokenKeys,
    pub(crate) nonces: Nonces,
    /// Sequence numbers this end may still take while it sends under
    /// this token.
    pub(crate) sequence_room: u64,
    /// Chunks received under this token.
    pub(crate) received: u64,
}

impl Token {
    pub(crate) fn new(info: TokenInfo, keys: TokenKeys, nonces: Nonces) -> Self {
        Token {
            info,
            keys,
            nonces,
            sequence_room: SEQUENCE_SPACE,
            received: 0,
        }
    }

    pub(crate) fn id(&self) -> u32 {
        self.info.id
    }

    /// When the lifetime ends.
    pub(crate) fn expires(&self) -> Instant {
        self.info.created + self.info.revised_lifetime
    }

    /// When a client renews: at 75 % of the lifetime.
    pub(crate) fn renew_at(&self) -> Instant {
        self.info.created + self.info.revised_lifetime * 3 / 4
    }

    /// The end of the 25 % grace after expiry during which a client still
    /// accepts chunks under the token.
    pub(crate) fn grace_end(&self) -> Instant {
        self.expires() + self.info.revised_lifetime / 4
    }
}

/// The tokens a channel holds: at most two key sets per direction.
///
/// * `current` secures what we send.
/// * `other` is the second token we still accept: on a client the previous
///   token after a renewal (until its grace ends); on a server the new token
///   issued by a renewal, which it starts sending with once the client used
///   it or the old one expired (OPC 10000-4 §5.6.2.1).
///
/// How long a token is accepted differs by end. A client accepts the
/// server's tokens for 25 % of their lifetime past expiry ("Clients should
/// accept Messages secured by an expired SecurityToken for up to 25 % of
/// the token lifetime"). A server accepts a token only until it expires:
/// "If a SecureChannel is not renewed, then all Messages sent using the
/// current SecurityTokens shall be rejected by the receiver."
#[derive(Debug)]
pub(crate) struct Tokens {
    server: bool,
    pub(crate) current: Option<Token>,
    pub(crate) other: Option<Token>,
}

impl Tokens {
    /// No tokens yet, on a server (`server`) or a client.
    pub(crate) fn new(server: bool) -> Self {
        Tokens {
            server,
            current: None,
            other: None,
        }
    }

    /// Drops every token (and so every key).
    pub(crate) fn clear(&mut self) {
        self.current = None;
        self.other = None;
    }

    /// The last instant a chunk under `token` is accepted (exclusive).
    fn accepted_until(&self, token: &Token) -> Instant {
        if self.server {
            token.expires()
        } else {
            token.grace_end()
        }
    }

    /// The sending keys and TokenId.
    pub(crate) fn sending(&self) -> Result<(u32, &dyn ChunkProtection)> {
        self.current
            .as_ref()
            .map(|t| (t.id(), &*t.keys.sending))
            .ok_or(Error::SecureChannelClosed)
    }

    /// The receiving keys for `token_id`, if that token is known and still
    /// accepted at `now`; `BadSecureChannelTokenUnknown` otherwise.
    pub(crate) fn receiving(&self, token_id: u32, now: Instant) -> Result<&dyn ChunkProtection> {
        [&self.current, &self.other]
            .into_iter()
            .flatten()
            .find(|t| t.id() == token_id && now < self.accepted_until(t))
            .map(|t| &*t.keys.receiving)
            .ok_or(Error::SecureChannelTokenUnknown)
    }

    /// How many more sequence numbers the current token may send under.
    pub(crate) fn sequence_room(&self) -> u64 {
        self.current.as_ref().map_or(0, |t| t.sequence_room)
    }

    /// Counts `n` sequence numbers taken while the current token sends.
    pub(crate) fn consume_sequence_numbers(&mut self, n: usize) {
        if let Some(t) = &mut self.current {
            t.sequence_room = t.sequence_room.saturating_sub(n as u64);
        }
    }

    /// Counts a chunk received under `token_id`.
    pub(crate) fn count_received(&mut self, token_id: u32) {
        if let Some(t) = [&mut self.current, &mut self.other]
            .into_iter()
            .flatten()
            .find(|t| t.id() == token_id)
        {
            t.received = t.received.saturating_add(1);
        }
    }

    /// Whether the current token is close to the end of its sequence
    /// numbers in either direction ([`RENEW_MARGIN`]).
    pub(crate) fn sequence_running_low(&self) -> bool {
        self.current.as_ref().is_some_and(|t| {
            t.sequence_room < RENEW_MARGIN || t.received > SEQUENCE_SPACE - RENEW_MARGIN
        })
    }

    /// The newest token: the current one on a client, the renewed one (if
    /// any) on a server.
    pub(crate) fn latest(&self) -> Option<&Token> {
        match (&self.current, &self.other) {
            (Some(c), Some(o)) if o.info.created > c.info.created => Some(o),
            (Some(c), _) => Some(c),
            (None, o) => o.as_ref(),
        }
    }

    /// The chaining secret of the newest token.
    pub(crate) fn latest_chaining(&self) -> Option<&ChainingSecret> {
        self.latest().and_then(|t| t.keys.chaining.as_ref())
    }

    /// Client: a new token from an OpenSecureChannel response replaces the
    /// current one at once; the old one stays for receiving only.
    pub(crate) fn client_activate(&mut self, token: Token) {
        self.other = self.current.replace(token);
    }

    /// Server: a renewed token waits until the client uses it.
    pub(crate) fn server_add(&mut self, token: Token) {
        if self.current.is_none() {
            self.current = Some(token);
        } else {
            self.other = Some(token);
        }
    }

    /// Server: a chunk under `token_id` verified; if that is the waiting
    /// renewed token, it becomes current and the old one is dropped.
    pub(crate) fn server_seen(&mut self, token_id: u32) -> bool {
        if self.other.as_ref().is_some_and(|t| t.id() == token_id) {
            self.current = self.other.take();
            return true;
        }
        false
    }

    /// Drops tokens whose time is over at `now`; on a server, switches to
    /// the renewed token when the current one has expired. Returns whether
    /// a usable token remains.
    pub(crate) fn expire(&mut self, now: Instant) -> bool {
        if self
            .other
            .as_ref()
            .is_some_and(|t| now >= self.accepted_until(t))
        {
            self.other = None;
        }
        if self.server
            && self.other.is_some()
            && self.current.as_ref().is_some_and(|t| now >= t.expires())
        {
            self.current = self.other.take();
        }
        if self
            .current
            .as_ref()
            .is_some_and(|t| now >= self.accepted_until(t))
        {
            self.current = self.other.take();
        }
        self.current.is_some()
    }

    /// The next instant something changes: a renewal is due (client), a
    /// token expires (server), or a grace period ends (client).
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let current = self.current.as_ref().map(|t| {
            if self.server {
                t.expires()
            } else {
                t.renew_at()
            }
        });
        let other = self.other.as_ref().map(|t| self.accepted_until(t));
        current.into_iter().chain(other).min()
    }
}
