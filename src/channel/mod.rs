//! The secure channel as sans-IO state machines (OPC 10000-6 §6.7, §7.1;
//! OPC 10000-4 §5.6).
//!
//! A [`ClientChannel`] or [`ServerChannel`] owns no socket, thread or
//! clock. The caller moves bytes between it and the network and tells it
//! the time:
//!
//! ```text
//!   bytes received ──► handle_input(now, bytes)
//!   timer fired    ──► handle_timeout(now)
//!   send_request / send_response (body)
//!                      │
//!   poll_transmit  ◄───┤  bytes to write
//!   poll_event     ◄───┤  Opened, Message, Aborted, TokenRenewed, Closed
//!   poll_timeout   ◄───┘  when to call handle_timeout next
//! ```
//!
//! Every chunk is verified (signature or tag, then sequence number) before
//! its body is buffered, and buffering is bounded per message, per channel
//! and across channels ([`ReceiveLimits`], [`ByteBudget`]).

mod budget;
mod client;
mod config;
mod core;
mod event;
mod identity;
mod reassembly;
mod sequence;
mod server;
mod token;

pub use budget::ByteBudget;
pub use client::{ClientChannel, ClientState};
pub use config::{ClientConfig, SecurityRequirement, ServerConfig, Timeouts};
pub use event::Event;
pub use identity::{Identity, IdentityError, MAX_IDENTITY_FILE_SIZE};
pub use reassembly::{Reassembler, ReceiveLimits};
pub use sequence::{LEGACY_RESTART_BELOW, LEGACY_WRAP_ABOVE, ReceiveSequence, SendSequence};
pub use server::{ServerChannel, ServerState};
