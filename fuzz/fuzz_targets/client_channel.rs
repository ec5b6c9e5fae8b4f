//! The client channel fed what a server sends, after its Hello.
//!
//! The first byte chooses the channel's security (`byte / 2`: None, or
//! Sign or SignAndEncrypt under the fuzzing policy of `support`) and how
//! the rest is read:
//! * even: raw bytes, given to the client's `handle_input` in pieces whose
//!   size the second byte picks (a server that answers the Hello with
//!   anything at all);
//! * odd: a list of operations on a client and a real server (the
//!   configurations of `support`, seeded RNGs) that talk to
//!   each other: the server's bytes are delivered whole, in pieces, with a
//!   byte changed, or replaced by raw bytes; the client sends requests,
//!   renews and closes; the server answers, aborts and closes; time passes.
//!   So the ACK, the OPN responses, renewals, responses in many chunks,
//!   aborts and ERR are reached with well-formed bytes and near-misses.
//!
//! The client must never panic, and say and send nothing more once it
//! reported `Closed`.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use uasc::StatusCode;
use uasc::channel::{ByteBudget, ClientChannel, ClientState, Event, ServerChannel};
use uasc::messages::MessageSecurityMode;

mod support;

struct Harness {
    client: ClientChannel,
    server: ServerChannel,
    now: Instant,
    /// What the server sent that the client has not received yet.
    to_client: Vec<u8>,
    /// RequestIds the server received and may answer.
    requests: Vec<u32>,
    closed: bool,
    out: Vec<u8>,
}

impl Harness {
    fn new(mode: MessageSecurityMode) -> Harness {
        let now = Instant::now();
        let client = ClientChannel::with_rng(
            support::client_config(mode),
            support::rng(1),
            now,
            support::utc(),
        )
        .expect("a valid client configuration");
        let server = ServerChannel::with_rng(
            Arc::new(support::server_config()),
            ByteBudget::new(1 << 20),
            support::rng(2),
            now,
            support::utc(),
        )
        .expect("a valid server configuration");
        let mut h = Harness {
            client,
            server,
            now,
            to_client: Vec::new(),
            requests: Vec::new(),
            closed: false,
            out: Vec::new(),
        };
        h.drain_client();
        h
    }

    /// Takes the client's events and bytes (the bytes go to the server),
    /// checking the invariants.
    fn drain_client(&mut self) {
        let was_closed = self.closed;
        while let Some(event) = self.client.poll_event() {
            assert!(!self.closed, "an event after Closed: {event:?}");
            if let Event::Closed { .. } = event {
                self.closed = true;
            }
        }
        self.out.clear();
        self.client.poll_transmit(&mut self.out);
        if was_closed {
            assert!(self.out.is_empty(), "bytes sent after Closed");
        }
        if self.closed {
            assert!(
                !self.client.poll_transmit(&mut self.out),
                "bytes after Closed"
            );
            assert_eq!(self.client.poll_timeout(), None);
            assert_eq!(self.client.state(), ClientState::Closed);
        }
        if !self.out.is_empty() {
            let bytes = std::mem::take(&mut self.out);
            self.server.handle_input(self.now, &bytes);
            self.out = bytes;
            self.drain_server();
        }
    }

    /// Takes the server's events and bytes (the bytes wait in
    /// `to_client`).
    fn drain_server(&mut self) {
        while let Some(event) = self.server.poll_event() {
            if let Event::Message { request_id, .. } = event {
                if self.requests.len() < 64 {
                    self.requests.push(request_id);
                }
            }
        }
        self.server.poll_transmit(&mut self.to_client);
    }

    fn to_client(&mut self, bytes: &[u8]) {
        self.client.handle_input(self.now, bytes);
        self.drain_client();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut h = Harness::new(support::mode(mode / 2));
    if mode % 2 == 0 {
        let Some((&piece, rest)) = rest.split_first() else {
            return;
        };
        for part in rest.chunks(usize::from(piece).max(1)) {
            h.to_client(part);
        }
        return;
    }
    let mut ops = support::Ops(rest);
    while !ops.is_empty() {
        match ops.byte() % 9 {
            // The server's bytes, whole.
            0 => {
                let bytes = std::mem::take(&mut h.to_client);
                h.to_client(&bytes);
            }
            // The server's bytes in pieces.
            1 => {
                let bytes = std::mem::take(&mut h.to_client);
                let piece = usize::from(ops.byte()).max(1);
                for part in bytes.chunks(piece) {
                    h.to_client(part);
                }
            }
            // The server's bytes with one byte changed.
            2 => {
                let mut bytes = std::mem::take(&mut h.to_client);
                let at = usize::from(ops.u16());
                let xor = ops.byte();
                if let Some(len) = std::num::NonZeroUsize::new(bytes.len()) {
                    bytes[at % len.get()] ^= xor;
                }
                h.to_client(&bytes);
            }
            // Raw bytes instead of the server's.
            3 => {
                h.to_client.clear();
                let n = usize::from(ops.byte()) * 8;
                let bytes = ops.bytes(n).to_vec();
                h.to_client(&bytes);
            }
            // A request of up to 16 KiB (so, several chunks).
            4 => {
                let len = usize::from(ops.byte()) * 64;
                let _ = h.client.send_request(&vec![0x42; len]);
                h.drain_client();
            }
            // The server answers (or aborts) a request it received.
            5 => {
                let pick = usize::from(ops.byte());
                let len = usize::from(ops.byte()) * 64;
                let abort = ops.byte() % 4 == 0;
                if !h.requests.is_empty() {
                    let request_id = h.requests.swap_remove(pick % h.requests.len());
                    let _ = if abort {
                        h.server
                            .abort_response(request_id, StatusCode::BAD_RESPONSE_TOO_LARGE)
                    } else {
                        h.server.send_response(request_id, &vec![0x24; len])
                    };
                    h.drain_server();
                }
            }
            // Time passes, up to about 25 s a step, on both ends.
            6 => {
                h.now += Duration::from_millis(u64::from(ops.byte()) * 100);
                h.server.handle_timeout(h.now);
                h.drain_server();
                h.client.handle_timeout(h.now);
                h.drain_client();
            }
            // The client renews now.
            7 => {
                let _ = h.client.renew(h.now);
                h.drain_client();
            }
            // One end closes.
            _ => {
                if ops.byte() % 2 == 0 {
                    h.client.close(StatusCode::GOOD);
                    h.drain_client();
                } else {
                    h.server.close(StatusCode::BAD_TIMEOUT);
                    h.drain_server();
                }
            }
        }
    }
});
