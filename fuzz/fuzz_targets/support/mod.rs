//! What the targets share: a client and a server configuration with small
//! limits, so that the limits are reached, for policy None or for the
//! fuzzing policy of `fuzz_policy` (signed or encrypted chunks with no RSA
//! work per input), and seeded RNGs, so that every input replays exactly;
//! for the channel targets, the choices of their scripts (`script`), a
//! model of what a receiving end must do (`receiver`) and the making and
//! reading of chunks (`wire`).

#![allow(dead_code)]

pub mod fuzz_policy;
pub mod queue;
pub mod receiver;
pub mod script;
pub mod wire;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::InsecureAcceptAnyCertificate;
use uasc::channel::{ClientConfig, ReceiveLimits, SecurityRequirement, ServerConfig};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{NONE, SecurityPolicy};

use fuzz_policy::{FuzzPolicy, identity};

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

/// Changes `bytes` (not empty) by `flips`: `offset (u16) ‖ xor (u8)`
/// triples, the offset taken modulo the length.
pub fn flip(bytes: &mut [u8], flips: &[u8]) {
    for f in flips.chunks_exact(3) {
        let at = usize::from(u16::from_le_bytes([f[0], f[1]])) % bytes.len();
        bytes[at] ^= f[2];
    }
}

/// The input of the targets that open what a peer sent (`chunk_open`,
/// `secret`): the first byte chooses one of three kinds; `0..=2` give the
/// rest to `raw` as it is (and return `None`), `3..=5` return the kind, a
/// payload (its length first) to make a real one from, and the flips that
/// follow it.
pub fn open_input<'a>(
    data: &'a [u8],
    raw: impl FnOnce(u8, &'a [u8]),
) -> Option<(u8, &'a [u8], &'a [u8])> {
    let (&which, rest) = data.split_first()?;
    let kind = which % 3;
    if which % 6 < 3 {
        raw(kind, rest);
        return None;
    }
    let (&len, rest) = rest.split_first()?;
    let (payload, flips) = rest.split_at(usize::from(len).min(rest.len()));
    Some((kind, payload, flips))
}
