//! The secure channel as sans-IO state machines (OPC 10000-6 §6.7, §7.1;
//! OPC 10000-4 §5.6).
//!
//! A [`ClientChannel`] or [`ServerChannel`] owns no socket, thread or
//! clock. The caller moves bytes between it and the network and tells it
//! the time:
//!
//! ```text
//!   bytes received ──► handle_input(now, bytes)
//!   peer hung up   ──► handle_eof(now)
//!   timer fired    ──► handle_timeout(now)
//!   send_request / send_response / renew / close
//!                      │
//!   poll_transmit  ◄───┤  bytes to write
//!   poll_event     ◄───┤  Opened, Message, Aborted, TokenRenewed, Closed
//!   poll_timeout   ◄───┘  when to call handle_timeout next
//! ```
//!
//! Every chunk is verified (signature or tag, then sequence number) before
//! its body is buffered, and buffering is bounded per frame, per message,
//! per channel and across channels ([`ReceiveLimits`], [`ByteBudget`]).
//!
//! # Call discipline
//!
//! As in quinn-proto, the methods fall into four kinds:
//!
//! * **Getters** (`state`, and through `Deref` the [`CommonState`]
//!   methods: `channel_id`, `policy`, `mode`, `peer_certificate`,
//!   `own_certificate`, `local_nonce`, `peer_nonce`, `token`, `negotiated`,
//!   `receive_limits`, `buffered`, `is_closed`) change nothing and may be
//!   called at any time.
//! * **`handle_*`** (`handle_input`, `handle_eof`, `handle_timeout`) feed
//!   what happened outside: bytes, the end of the stream, time.
//! * **Mutators** (`send_request`, `abort_request`, `renew` and `close` on
//!   a client; `send_response`, `abort_response` and `close` on a server)
//!   are what the application asks for.
//! * **`poll_*`** (`poll_transmit`, `poll_event`, `poll_timeout`) give
//!   what the channel wants done.
//!
//! After every `handle_*` call or mutator, and before waiting for the
//! network again, the caller:
//!
//! 1. writes what `poll_transmit` gives (call it until it returns `false`);
//! 2. takes every event from `poll_event` until it returns `None`, and acts
//!    on them: answering a `Message` with `send_response` (or sending a
//!    request after `Opened`) queues more bytes, so
//! 3. goes back to 1 until both are empty, then
//! 4. arms a timer for `poll_timeout` (re-read after every call: it
//!    moves), and calls `handle_timeout` when it fires.
//!
//! After a `Closed` event the caller writes what is still queued (an ERR
//! message or a CloseSecureChannel request) and closes the connection;
//! every further call is ignored or refused with `BadSecureChannelClosed`.
//!
//! # Sequence numbers and AEAD nonces
//!
//! Under an AEAD policy (ECC_nistP256_AesGcm, ECC_nistP256_ChaChaPoly)
//! each chunk's nonce is the token's IV mixed with the TokenId and the
//! previous sequence number (OPC 10000-6 §6.8.1), and sequence numbers run
//! from 0 and wrap after 4 294 967 295. One token may therefore send at
//! most 2³² chunks before a nonce would repeat under the same key, which
//! would give away the plaintexts and the authentication key. Each end
//! counts the sequence numbers it takes under its current token:
//!
//! * a client renews by itself once fewer than 2²⁴ are left, or once the
//!   server has sent that close to 2³² chunks under the token
//!   (`poll_timeout` then asks for `handle_timeout` at once);
//! * an end never sends a chunk past the limit: `send_request` or
//!   `send_response` is refused with `BadEncodingLimitsExceeded` and the
//!   channel stays open until the renewed token arrives (a server, which
//!   cannot renew, keeps refusing until the client uses the new token).
//!
//! CBC policies use one IV per token by their definition and are not
//! limited this way.

mod client;
mod config;
mod core;
mod endpoint_url;
mod event;
mod identity;
mod reassembly;
mod sequence;
mod server;
mod token;

#[cfg(all(test, feature = "cert-generate"))]
mod sequence_room_tests;

pub use crate::ByteBudget;
pub use client::{ClientChannel, ClientState};
pub use config::{ClientConfig, SecurityRequirement, ServerConfig, Timeouts, TokenIds};
pub use core::CommonState;
pub use endpoint_url::endpoint_host;
pub use event::Event;
pub use identity::{Identity, IdentityError, MAX_IDENTITY_FILE_SIZE};
pub use reassembly::{Reassembler, ReceiveLimits};
pub use sequence::{LEGACY_RESTART_BELOW, LEGACY_WRAP_ABOVE, ReceiveSequence, SendSequence};
pub use server::{ServerChannel, ServerState};
pub use token::TokenInfo;

use rand_core::CryptoRng;

/// The operating system's random number generator, for channels made
/// without an injected one. It panics if the operating system cannot
/// provide randomness (no peer can cause that), as `rand`'s `OsRng` does.
fn os_rng() -> Box<dyn CryptoRng + Send> {
    Box::new(rand_core::UnwrapErr(getrandom::SysRng))
}
