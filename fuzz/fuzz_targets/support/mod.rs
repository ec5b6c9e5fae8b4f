//! What the channel targets share: a client and a server configuration
//! with small limits, so that the limits are reached, for policy None or
//! for the fuzzing policy of `fuzz_policy` (signed or encrypted chunks with
//! no RSA work per input), and seeded RNGs, so that every input replays
//! exactly.

#![allow(dead_code)]

pub mod fuzz_policy;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::InsecureAcceptAnyCertificate;
use uasc::channel::{ClientConfig, ReceiveLimits, SecurityRequirement, ServerConfig};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{NONE, SecurityPolicy};

use fuzz_policy::{FuzzPolicy, identity};

/// The mode a channel target runs its channel in, from one input byte:
/// None (policy None), or Sign or SignAndEncrypt under the fuzzing policy.
pub fn mode(byte: u8) -> MessageSecurityMode {
    match byte % 3 {
        0 => MessageSecurityMode::None,
        1 => MessageSecurityMode::Sign,
        _ => MessageSecurityMode::SignAndEncrypt,
    }
}

fn policy(mode: MessageSecurityMode) -> Arc<dyn SecurityPolicy> {
    if mode == MessageSecurityMode::None {
        Arc::new(NONE)
    } else {
        Arc::new(FuzzPolicy::new())
    }
}

/// The wall clock of every run.
pub fn utc() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A seeded RNG for a channel.
pub fn rng(seed: u64) -> Box<StdRng> {
    Box::new(StdRng::seed_from_u64(seed))
}

/// A client in `mode`, with the same small receive limits as the server.
pub fn client_config(mode: MessageSecurityMode) -> ClientConfig {
    let mut c = ClientConfig::new(
        "opc.tcp://127.0.0.1:4840",
        policy(mode),
        mode,
        Arc::new(InsecureAcceptAnyCertificate),
    );
    if mode != MessageSecurityMode::None {
        c.identity = Some(identity(b"client"));
        c.server_certificate = Some(identity(b"server").certificate);
    }
    c.connection.receive_buffer_size = 8192;
    c.receive = limits();
    c.requested_lifetime = 10_000;
    c
}

/// A server offering policy None and the fuzzing policy, with tokens of
/// 10 to 60 s.
pub fn server_config() -> ServerConfig {
    let mut c = ServerConfig::new(
        vec![
            policy(MessageSecurityMode::None),
            policy(MessageSecurityMode::Sign),
        ],
        Some(identity(b"server")),
        Arc::new(InsecureAcceptAnyCertificate),
    );
    c.security = SecurityRequirement::Optional;
    c.connection.receive_buffer_size = 8192;
    c.receive = limits();
    c.lifetime_bounds = (10_000, 60_000);
    c
}

fn limits() -> ReceiveLimits {
    ReceiveLimits {
        max_chunk_count: 16,
        max_message_size: 64 << 10,
        max_partial_messages: 4,
    }
}
