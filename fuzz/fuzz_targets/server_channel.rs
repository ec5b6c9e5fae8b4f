//! Opens a channel in memory (the configurations of `support`, seeded
//! RNGs), then feeds the input to the server channel.
//!
//! The first byte chooses the channel's security (`byte / 2`: None, or
//! Sign or SignAndEncrypt under the fuzzing policy, whose chunks carry real
//! AES-CBC and HMAC-SHA256, so padding and MAC checks run) and how the
//! rest is read:
//! * even: raw bytes, given to `handle_input` in pieces whose size the
//!   second byte picks;
//! * odd: a list of operations, some of which build MSG chunks secured as
//!   the client would (right channel, token and sequence number), so that
//!   reassembly, abort chunks, limits and the byte budget are reached.
//!
//! The server must never panic, never hold more than its byte budget, and
//! say and send nothing more once it reported `Closed`.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use uasc::StatusCode;
use uasc::channel::{ByteBudget, ClientChannel, Event, ServerChannel, ServerState};
use uasc::chunk::{
    ChunkType, MessageType, SequenceHeader, SymmetricChunk, open_symmetric, secure_symmetric,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BASIC256_SHA256, NONE, Role, SymmetricKeys};

mod support;

/// The bytes all partial messages together may hold.
const BUDGET: usize = 96 << 10;

/// An open server channel, and what a client's next chunk must carry.
struct Harness {
    server: ServerChannel,
    budget: ByteBudget,
    now: Instant,
    channel_id: u32,
    token_id: u32,
    next_sequence: u32,
    keys: SymmetricKeys,
    mode: MessageSecurityMode,
    closed: bool,
    out: Vec<u8>,
}

impl Harness {
    fn open(mode: MessageSecurityMode) -> Harness {
        let now = Instant::now();
        let budget = ByteBudget::new(BUDGET);
        let mut client = ClientChannel::with_rng(
            support::client_config(mode),
            support::rng(1),
            now,
            support::utc(),
        )
        .expect("a valid client configuration");
        let mut server = ServerChannel::with_rng(
            Arc::new(support::server_config()),
            budget.clone(),
            support::rng(2),
            now,
            support::utc(),
        )
        .expect("a valid server configuration");
        let mut token_id = None;
        for _ in 0..4 {
            let mut bytes = Vec::new();
            client.poll_transmit(&mut bytes);
            server.handle_input(now, &bytes);
            bytes.clear();
            server.poll_transmit(&mut bytes);
            client.handle_input(now, &bytes);
            while let Some(event) = server.poll_event() {
                if let Event::Opened { token_id: t, .. } = event {
                    token_id = Some(t);
                }
            }
            while client.poll_event().is_some() {}
        }
        assert_eq!(server.state(), ServerState::Open);
        // The client's sending keys, from the nonces (the fuzzing policy
        // derives them as Basic256Sha256 does).
        let keys = match (client.local_nonce(), client.peer_nonce()) {
            (Some(ours), Some(theirs)) if mode != MessageSecurityMode::None => BASIC256_SHA256
                .derive_keys(Role::Client, ours, theirs)
                .expect("keys from the nonces"),
            _ => SymmetricKeys::none(NONE.descriptor()).expect("None keys"),
        };
        // One real request shows where the client's sequence numbers are.
        client.send_request(b"sync").expect("a request");
        let mut bytes = Vec::new();
        client.poll_transmit(&mut bytes);
        server.handle_input(now, &bytes);
        let (sequence, _) = open_symmetric(&mut bytes, &keys, mode, 0).expect("the keys open it");
        while server.poll_event().is_some() {}
        let mut ignored = Vec::new();
        server.poll_transmit(&mut ignored);
        let mut h = Harness {
            channel_id: server.channel_id(),
            token_id: token_id.expect("the channel opened"),
            next_sequence: sequence.sequence_number.wrapping_add(1),
            keys,
            mode,
            server,
            budget,
            now,
            closed: false,
            out: Vec::new(),
        };
        // The harness's own chunks are what the client would send.
        let chunk = h.chunk(ChunkType::Final, 1, b"check");
        h.server.handle_input(now, &chunk);
        assert!(
            matches!(h.server.poll_event(), Some(Event::Message { .. })),
            "the harness's chunk is delivered"
        );
        h.server.poll_transmit(&mut ignored);
        h
    }

    /// A MSG chunk as the client would send it next.
    fn chunk(&mut self, chunk_type: ChunkType, request_id: u32, body: &[u8]) -> Vec<u8> {
        let chunk = SymmetricChunk {
            message_type: MessageType::Message,
            chunk_type,
            secure_channel_id: self.channel_id,
            token_id: self.token_id,
            sequence: SequenceHeader {
                sequence_number: self.next_sequence,
                request_id,
            },
        };
        let mut out = Vec::new();
        secure_symmetric(&mut out, &chunk, body, &self.keys, self.mode)
            .expect("a chunk within the limits");
        self.next_sequence = self.next_sequence.wrapping_add(1);
        out
    }

    /// Takes the server's events and bytes and checks the invariants.
    fn drain(&mut self) {
        while let Some(event) = self.server.poll_event() {
            assert!(!self.closed, "an event after Closed: {event:?}");
            match event {
                Event::Closed { .. } => self.closed = true,
                Event::Message { request_id, body } => {
                    // Answer, so that the send path runs too; a response
                    // over the client's limits is refused, not sent.
                    let _ = self.server.send_response(request_id, &body);
                }
                _ => {}
            }
        }
        self.out.clear();
        self.server.poll_transmit(&mut self.out);
        if self.closed {
            // The ERR that went with the close was taken above, at the
            // latest; nothing follows it.
            let again = self.server.poll_transmit(&mut self.out);
            assert!(!again, "bytes sent after Closed");
            assert_eq!(self.server.poll_timeout(), None);
            assert_eq!(self.server.state(), ServerState::Closed);
        }
        assert!(self.budget.used() <= self.budget.limit());
        assert!(self.server.buffered() <= self.budget.used());
    }

    fn input(&mut self, bytes: &[u8]) {
        let was_closed = self.closed;
        self.server.handle_input(self.now, bytes);
        self.drain();
        if was_closed {
            assert!(self.out.is_empty(), "bytes sent after Closed");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut h = Harness::open(support::mode(mode / 2));
    if mode % 2 == 0 {
        let Some((&piece, rest)) = rest.split_first() else {
            return;
        };
        for part in rest.chunks(usize::from(piece).max(1)) {
            h.input(part);
        }
    } else {
        let mut ops = support::Ops(rest);
        while !ops.is_empty() {
            let op = ops.byte();
            match op % 6 {
                // Raw bytes.
                0 => {
                    let n = usize::from(ops.byte()) * 8;
                    let bytes = ops.bytes(n).to_vec();
                    h.input(&bytes);
                }
                // A well-formed chunk: C, F or A (with a valid abort body),
                // for one of eight RequestIds, of up to 8 160 bytes of body
                // (the rest of the input, repeated).
                1..=3 => {
                    let request_id = u32::from(ops.byte() % 8);
                    let len = usize::from(ops.byte()) * 32;
                    let seed = ops.bytes(16);
                    let body: Vec<u8> = if seed.is_empty() {
                        vec![0; len]
                    } else {
                        seed.iter().copied().cycle().take(len).collect()
                    };
                    let chunk = match op % 6 {
                        1 => h.chunk(ChunkType::Intermediate, request_id, &body),
                        2 => h.chunk(ChunkType::Final, request_id, &body),
                        _ => {
                            let code = StatusCode::from_bits(
                                0x8000_0000 | (u32::from(seed.first().copied().unwrap_or(0)) << 16),
                            );
                            let mut abort = code.bits().to_le_bytes().to_vec();
                            let reason = &body[..body.len().min(64)];
                            abort.extend_from_slice(&(reason.len() as i32).to_le_bytes());
                            abort.extend(reason.iter().map(|b| b'a' + b % 26));
                            h.chunk(ChunkType::Abort, request_id, &abort)
                        }
                    };
                    h.input(&chunk);
                }
                // A well-formed chunk with a patched header field: the
                // sequence number, token, channel, type or size.
                4 => {
                    let request_id = u32::from(ops.byte() % 8);
                    let field = ops.byte();
                    let value = ops.bytes(4);
                    let mut chunk = h.chunk(ChunkType::Intermediate, request_id, b"patched");
                    let at = [3usize, 4, 8, 12, 16, 20][usize::from(field % 6)];
                    for (i, &b) in value.iter().enumerate() {
                        if let Some(slot) = chunk.get_mut(at + i) {
                            *slot = b;
                        }
                    }
                    h.input(&chunk);
                }
                // Time passes, up to about 25 s a step.
                _ => {
                    let ms = u64::from(ops.byte()) * 100;
                    h.now += Duration::from_millis(ms);
                    let was_closed = h.closed;
                    h.server.handle_timeout(h.now);
                    h.drain();
                    if was_closed {
                        assert!(h.out.is_empty(), "bytes sent after Closed");
                    }
                }
            }
        }
    }
    let budget = h.budget.clone();
    drop(h);
    assert_eq!(
        budget.used(),
        0,
        "budget released when the channel is dropped"
    );
});
