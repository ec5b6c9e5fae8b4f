//! SecurityTokens and their keys over time (OPC 10000-4 §5.6.2.1,
//! OPC 10000-6 §6.7.4).

use std::time::{Duration, Instant};

use crate::policy::{ChainingSecret, ChunkProtection, TokenKeys};
use crate::{Error, Result};

/// One SecurityToken: its id, its keys and its lifetime.
#[derive(Debug)]
pub(crate) struct Token {
    pub(crate) id: u32,
    pub(crate) keys: TokenKeys,
    pub(crate) created: Instant,
    pub(crate) lifetime: Duration,
}

impl Token {
    /// When the lifetime ends.
    pub(crate) fn expires(&self) -> Instant {
        self.created + self.lifetime
    }

    /// When a client renews: at 75 % of the lifetime.
    pub(crate) fn renew_at(&self) -> Instant {
        self.created + self.lifetime * 3 / 4
    }

    /// The end of the 25 % grace after expiry during which chunks under the
    /// token are still accepted.
    pub(crate) fn grace_end(&self) -> Instant {
        self.expires() + self.lifetime / 4
    }
}

/// The tokens a channel holds: at most two key sets per direction.
///
/// * `current` secures what we send.
/// * `other` is the second token we still accept: on a client the previous
///   token after a renewal (until its grace ends); on a server the new token
///   issued by a renewal, which it starts sending with once the client used
///   it or the old one expired (OPC 10000-4 §5.6.2.1).
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub(crate) current: Option<Token>,
    pub(crate) other: Option<Token>,
}

impl Tokens {
    /// The sending keys and TokenId.
    pub(crate) fn sending(&self) -> Result<(u32, &dyn ChunkProtection)> {
        self.current
            .as_ref()
            .map(|t| (t.id, &*t.keys.sending))
            .ok_or(Error::SecureChannelClosed)
    }

    /// The receiving keys for `token_id`, if that token is known and not
    /// past its grace period at `now`; `BadSecureChannelTokenUnknown`
    /// otherwise.
    pub(crate) fn receiving(&self, token_id: u32, now: Instant) -> Result<&dyn ChunkProtection> {
        [&self.current, &self.other]
            .into_iter()
            .flatten()
            .find(|t| t.id == token_id && now < t.grace_end())
            .map(|t| &*t.keys.receiving)
            .ok_or(Error::SecureChannelTokenUnknown)
    }

    /// The chaining secret of the newest token: the current one on a
    /// client, the renewed one (if any) on a server.
    pub(crate) fn latest_chaining(&self) -> Option<&ChainingSecret> {
        let latest = match (&self.current, &self.other) {
            (Some(c), Some(o)) if o.created > c.created => o,
            (Some(c), _) => c,
            (None, Some(o)) => o,
            (None, None) => return None,
        };
        latest.keys.chaining.as_ref()
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
        if self.other.as_ref().is_some_and(|t| t.id == token_id) {
            self.current = self.other.take();
            return true;
        }
        false
    }

    /// Drops tokens whose time is over at `now`; on a server, switches to
    /// the renewed token when the current one has expired. Returns whether
    /// a usable token remains.
    pub(crate) fn expire(&mut self, now: Instant, server: bool) -> bool {
        if self.other.as_ref().is_some_and(|t| now >= t.grace_end()) {
            self.other = None;
        }
        if server
            && self.other.is_some()
            && self.current.as_ref().is_some_and(|t| now >= t.expires())
        {
            self.current = self.other.take();
        }
        if self.current.as_ref().is_some_and(|t| now >= t.grace_end()) {
            self.current = self.other.take();
        }
        self.current.is_some()
    }

    /// The next instant something changes: a renewal is due (client), a
    /// token expires, or a grace period ends.
    pub(crate) fn next_deadline(&self, server: bool) -> Option<Instant> {
        let current = self.current.as_ref().map(|t| match (server, &self.other) {
            // A renewed token waits: switch to it when the current expires.
            (true, Some(_)) => t.expires(),
            (true, None) => t.grace_end(),
            (false, _) => t.renew_at(),
        });
        let other = self.other.as_ref().map(Token::grace_end);
        current.into_iter().chain(other).min()
    }
}
