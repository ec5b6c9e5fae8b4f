//! An open server channel (the configurations of `support`, seeded RNGs)
//! fed what a client sends, read from the input with `arbitrary`:
//!
//! * `Raw`: bytes, given to `handle_input` in pieces, so that framing is
//!   fuzzed too;
//! * `Script`: a channel in None, Sign or SignAndEncrypt (the fuzzing
//!   policy: real AES-CBC and HMAC-SHA256 chunks), whose legacy sequence
//!   numbers and TokenIds may start close to the wrap, and a list of
//!   operations: MSG chunks C, F and A, CLO, and OPN-typed chunks, each with
//!   a chosen RequestId, size, token (current, previous, wrong), channel and
//!   sequence number (next, repeat, skip, back, restart, any); whole
//!   messages of many chunks; OpenSecureChannel renewals (right, or with one
//!   field wrong); the queued bytes delivered whole or cut anywhere; time
//!   passing to a token's 75 % mark, just before or at its expiry or past
//!   it; closes and end of stream; and raw bytes or a changed byte among
//!   the chunks.
//!
//! The server must never panic, never hold more than its byte budget, and
//! say and send nothing once it reported `Closed` (after which it holds no
//! byte of the budget). While the script has only built chunks (no raw or
//! changed bytes), `support::receiver` says what must happen and the
//! server must do exactly that: the same events (each message exactly the
//! bytes of its chunks, each abort, each renewal with its TokenId, the
//! close after the first refused chunk and not before), an ERR exactly
//! when it ends on an error, the budget and `buffered` to the byte, the
//! next timeout, and its answers (each message echoed) opening with the
//! token it must send under, in sequence, carrying the echoed bytes.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use uasc::StatusCode;
use uasc::channel::{ByteBudget, ClientChannel, Event, ServerChannel, ServerState, TokenIds};
use uasc::chunk::{SequenceHeader, max_body_size, open_symmetric};
use uasc::codec::{ByteString, RequestHeader, Writer};
use uasc::messages::{
    CloseSecureChannelRequest, MessageSecurityMode, OpenSecureChannelRequest,
    OpenSecureChannelResponse, SecurityTokenRequestType, encode_message,
};
use uasc::policy::Role;

#[path = "server_channel/input.rs"]
mod input;
mod support;

use input::{Input, Op, RenewOp};
use support::script::{ChunkOp, MessageOp};

use support::queue::{Queue, Snapshot, check_events, next_id};
use support::receiver::{Arrival, Expect, ModelToken, Receiver};
use support::script::{
    ChannelChoice, Delivery, Kind, OpnHeader, RequestChoice, Sequence, Size, TokenChoice, Wait,
};
use support::wire::{self, TokenKeys};

/// The bytes all partial messages together may hold.
const BUDGET: usize = 96 << 10;

struct Harness {
    server: ServerChannel,
    budget: ByteBudget,
    now: Instant,
    mode: MessageSecurityMode,
    channel_id: u32,
    protocol_version: u32,
    /// The client's tokens, newest last.
    keys: Vec<TokenKeys>,
    generations: u32,
    next_sequence: u32,
    next_token_id: u32,
    /// RequestIds used so far (the last few).
    request_ids: Vec<u32>,
    tags: u32,
    model: Receiver,
    /// Whether the model still knows what the server has received.
    exact: bool,
    queue: Queue,
    /// The server's last sequence number and its answers under way.
    server_last: u32,
    answers: Vec<(u32, Vec<u8>)>,
    /// OPN responses read from the server.
    opened: Vec<(SequenceHeader, OpenSecureChannelResponse)>,
    closed: bool,
    err_expected: bool,
    out: Vec<u8>,
}

impl Harness {
    fn open(mode: MessageSecurityMode, first_sequence: u32, first_token: u32) -> Harness {
        let now = Instant::now();
        let budget = ByteBudget::new(BUDGET);
        let mut config = support::client_config(mode);
        config.first_sequence_number = first_sequence;
        let mut client = ClientChannel::with_rng(config, support::rng(1), now, support::utc())
            .expect("a valid client configuration");
        let mut server_config = support::server_config();
        server_config.token_ids = TokenIds::starting_at(first_token);
        let mut server = ServerChannel::with_rng(
            Arc::new(server_config),
            budget.clone(),
            support::rng(2),
            now,
            support::utc(),
        )
        .expect("a valid server configuration");
        let mut token_id = None;
        let mut server_last = None;
        for _ in 0..4 {
            let mut bytes = Vec::new();
            client.poll_transmit(&mut bytes);
            server.handle_input(now, &bytes);
            bytes.clear();
            server.poll_transmit(&mut bytes);
            for (tag, frame) in wire::frames(&bytes) {
                if tag == b"OPN" {
                    let (sequence, _) =
                        wire::read_open::<OpenSecureChannelResponse>(frame, mode, true)
                            .expect("the server's OPN response opens");
                    server_last = Some(sequence.sequence_number);
                }
            }
            client.handle_input(now, &bytes);
            while let Some(event) = server.poll_event() {
                if let Event::Opened { token_id: t, .. } = event {
                    token_id = Some(t);
                }
            }
            while client.poll_event().is_some() {}
        }
        assert_eq!(server.state(), ServerState::Open);
        let token_id = token_id.expect("the channel opened");
        let (ours, theirs) = match (client.local_nonce(), client.peer_nonce()) {
            (Some(ours), Some(theirs)) => (ours.to_vec(), theirs.to_vec()),
            _ => (Vec::new(), Vec::new()),
        };
        let derive = |side| wire::derive(mode, side, &ours, &theirs).expect("keys from the nonces");
        let info = server.token().expect("the server's token");
        let keys = TokenKeys {
            id: token_id,
            generation: 0,
            client: derive(Role::Client),
            server: derive(Role::Server),
            lifetime: info.revised_lifetime,
            created: info.created,
        };
        // One real request shows where the client's sequence numbers are,
        // and that the harness's keys are the client's.
        client.send_request(b"sync").expect("a request");
        let mut bytes = Vec::new();
        client.poll_transmit(&mut bytes);
        server.handle_input(now, &bytes);
        let (sequence, _) =
            open_symmetric(&mut bytes, &keys.client, mode, 0).expect("the keys open it");
        while server.poll_event().is_some() {}
        let mut ignored = Vec::new();
        server.poll_transmit(&mut ignored);
        let negotiated = server.negotiated().expect("negotiated");
        let model = Receiver::new(
            true,
            mode == MessageSecurityMode::None,
            wire::descriptor(mode).legacy_sequence_numbers,
            sequence.sequence_number,
            ModelToken {
                id: token_id,
                generation: 0,
                created: info.created,
                lifetime: info.revised_lifetime,
            },
            server.receive_limits(),
            negotiated.receive_buffer_size as usize,
            Some(BUDGET),
        );
        let next_token_id = next_id(token_id);
        let mut h = Harness {
            channel_id: server.channel_id(),
            protocol_version: negotiated.protocol_version,
            keys: vec![keys],
            generations: 1,
            next_sequence: sequence.sequence_number.wrapping_add(1),
            next_token_id,
            request_ids: Vec::new(),
            tags: 0,
            model,
            exact: true,
            queue: Queue::default(),
            server_last: server_last.expect("an OPN response"),
            answers: Vec::new(),
            opened: Vec::new(),
            closed: false,
            err_expected: false,
            out: Vec::new(),
            mode,
            server,
            budget,
            now,
        };
        // The harness's own chunk is what the client would send.
        h.chunk(&ChunkOp {
            kind: Kind::Final,
            request: RequestChoice::Few(0),
            token: TokenChoice::Current,
            channel: ChannelChoice::Right,
            sequence: Sequence::Next,
            size: Size::Small(5),
            code: 0,
            padding: 0,
        });
        h.deliver(&Delivery::Whole);
        assert!(h.exact && !h.closed, "the harness's chunk is accepted");
        h
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.model, false)
    }

    fn newest(&self) -> &TokenKeys {
        self.keys.last().expect("a token")
    }

    fn previous(&self) -> &TokenKeys {
        let n = self.keys.len();
        &self.keys[n.saturating_sub(2)]
    }

    fn tag(&mut self) -> u32 {
        self.tags += 1;
        self.tags
    }

    fn request_id(&mut self, choice: RequestChoice) -> u32 {
        let id = choice.get(&self.request_ids);
        if !self.request_ids.contains(&id) {
            if self.request_ids.len() == 8 {
                self.request_ids.remove(0);
            }
            self.request_ids.push(id);
        }
        id
    }

    /// Queues one symmetric chunk and what the model expects of it.
    fn chunk(&mut self, op: &ChunkOp) {
        let request_id = self.request_id(op.request);
        let (token_id, generation, index) = match op.token {
            TokenChoice::Current => (
                self.newest().id,
                self.newest().generation,
                self.keys.len() - 1,
            ),
            TokenChoice::Previous => (
                self.previous().id,
                self.previous().generation,
                self.keys.len().saturating_sub(2),
            ),
            TokenChoice::Wrong(id) => (id, self.newest().generation, self.keys.len() - 1),
        };
        let max = max_body_size(&self.keys[index].client, self.mode, self.model.frame_limit)
            .expect("room for a body");
        let len = op.size.get(max);
        let code = StatusCode::from_bits(op.code);
        let body = match op.kind {
            Kind::Abort => wire::abort_body(code, len.saturating_sub(8)),
            Kind::Close => {
                let mut body = Vec::new();
                encode_message(
                    &CloseSecureChannelRequest::default(),
                    &mut Writer::new(&mut body),
                )
                .expect("encodes");
                body
            }
            _ => {
                let tag = self.tag();
                wire::pattern(tag, len)
            }
        };
        let sequence = op.sequence.get(self.next_sequence);
        self.next_sequence = sequence.wrapping_add(1);
        let channel_id = op.channel.get(self.channel_id);
        let start = self.queue.bytes.len();
        let size = wire::symmetric(
            &mut self.queue.bytes,
            op.kind,
            channel_id,
            token_id,
            SequenceHeader {
                sequence_number: sequence,
                request_id,
            },
            &body,
            &self.keys[index].client,
            self.mode,
            op.padding,
        );
        let before = self.snapshot();
        let mut expect = Vec::new();
        let visible = match self.model.closed {
            true => size,
            false => match self.model.frame(size, &mut expect) {
                Some(at) => at,
                None => {
                    let arrival = Arrival {
                        kind: op.kind,
                        channel_ok: channel_id == self.channel_id,
                        token_id,
                        generation,
                        sequence,
                        request_id,
                        body: &body,
                        abort: Some(code),
                    };
                    self.model.symmetric(&arrival, self.now, &mut expect);
                    size
                }
            },
        };
        self.queued(start, size, visible, expect, before);
    }

    fn queued(
        &mut self,
        start: usize,
        size: usize,
        visible: usize,
        expect: Vec<Expect>,
        before: Snapshot,
    ) {
        if expect.contains(&Expect::Closed { orderly: false }) {
            self.err_expected = true;
        }
        let after = self.snapshot();
        self.queue
            .frame(start, size, visible, expect, before, after);
    }

    fn message(&mut self, op: &MessageOp) {
        let n = usize::from(op.chunks % 20) + 1;
        let request = RequestChoice::Known(0);
        let id = self.request_id(op.request);
        // The message's RequestId goes first in the known ones.
        self.request_ids.retain(|&r| r != id);
        self.request_ids.insert(0, id);
        for i in 0..n {
            self.chunk(&ChunkOp {
                kind: if i + 1 == n && op.finish.0 {
                    Kind::Final
                } else {
                    Kind::Intermediate
                },
                request,
                token: TokenChoice::Current,
                channel: ChannelChoice::Right,
                sequence: Sequence::Next,
                size: op.size,
                code: 0,
                padding: op.padding,
            });
        }
    }

    fn renew(&mut self, op: &RenewOp) {
        self.deliver(&Delivery::Whole);
        let mode = if op.same_mode.0 {
            self.mode
        } else {
            match self.mode {
                MessageSecurityMode::Sign => MessageSecurityMode::SignAndEncrypt,
                _ => MessageSecurityMode::Sign,
            }
        };
        let tag = self.tag();
        let nonce = op.nonce.get(wire::nonce_len(self.mode), tag);
        let request = OpenSecureChannelRequest {
            request_header: RequestHeader {
                request_handle: op.request_id,
                ..RequestHeader::default()
            },
            client_protocol_version: self.protocol_version,
            request_type: if op.renew.0 {
                SecurityTokenRequestType::Renew
            } else {
                SecurityTokenRequestType::Issue
            },
            security_mode: mode,
            client_nonce: ByteString::from(nonce.clone()),
            requested_lifetime: op.lifetime,
        };
        let sequence = op.sequence.get(self.next_sequence);
        self.next_sequence = sequence.wrapping_add(1);
        let channel_id = op.channel.get(self.channel_id);
        let start = self.queue.bytes.len();
        let size = wire::open(
            &mut self.queue.bytes,
            self.mode,
            true,
            op.header,
            channel_id,
            SequenceHeader {
                sequence_number: sequence,
                request_id: op.request_id,
            },
            &request,
        );
        let before = self.snapshot();
        let mut expect = Vec::new();
        let secured = self.mode != MessageSecurityMode::None;
        let lifetime = Duration::from_millis(u64::from(op.lifetime.clamp(10_000, 60_000)));
        let mut issued = None;
        if !self.model.closed && self.model.frame(size, &mut expect).is_none() {
            let header_ok =
                op.header == OpnHeader::Right || (!secured && op.header != OpnHeader::OtherPolicy);
            let ok = channel_id == self.channel_id
                && header_ok
                && op.renew.0
                && op.same_mode.0
                && (!secured || nonce.len() == wire::nonce_len(self.mode))
                && self.model.open_sequence(sequence);
            if ok {
                let token = ModelToken {
                    id: self.next_token_id,
                    generation: self.generations,
                    created: self.now,
                    lifetime,
                };
                self.next_token_id = next_id(token.id);
                self.model.server_add(token);
                expect.push(Expect::Renewed { token_id: token.id });
                issued = Some(token);
            } else {
                self.model.end(false, &mut expect);
            }
        }
        self.queued(start, size, size, expect, before);
        self.opened.clear();
        self.deliver(&Delivery::Whole);
        let opened = std::mem::take(&mut self.opened);
        if self.exact {
            assert_eq!(
                opened.len(),
                usize::from(issued.is_some()),
                "a response exactly to a renewal that is right"
            );
        }
        for (header, response) in opened {
            let token = response.security_token;
            if let Some(expected) = issued.filter(|_| self.exact) {
                assert_eq!(header.request_id, op.request_id, "the response's RequestId");
                assert_eq!(response.response_header.request_handle, op.request_id);
                assert_eq!(token.token_id, expected.id, "the TokenId issued");
                assert_eq!(token.channel_id, self.channel_id);
                assert_eq!(
                    Duration::from_millis(u64::from(token.revised_lifetime)),
                    expected.lifetime,
                    "the lifetime, clamped to the server's bounds"
                );
            }
            let theirs = response
                .server_nonce
                .as_bytes()
                .unwrap_or_default()
                .to_vec();
            let client = wire::derive(self.mode, Role::Client, &nonce, &theirs);
            let server = wire::derive(self.mode, Role::Server, &nonce, &theirs);
            if let (Some(client), Some(server)) = (client, server) {
                self.keys.push(TokenKeys {
                    id: token.token_id,
                    generation: self.generations,
                    client,
                    server,
                    lifetime: Duration::from_millis(u64::from(token.revised_lifetime)),
                    created: self.now,
                });
            }
        }
        self.generations += 1;
    }

    /// Gives the queued bytes to the server as `delivery` cuts them,
    /// checking after each piece.
    fn deliver(&mut self, delivery: &Delivery) {
        let mut queue = std::mem::take(&mut self.queue);
        queue.take(delivery, |piece| {
            self.server.handle_input(self.now, piece.bytes);
            self.drain(&piece.expect, piece.state, piece.partial);
        });
        self.queue = queue;
    }

    /// Takes the server's events and bytes and checks them: always the
    /// invariants, and while the model is exact, everything it predicts.
    fn drain(&mut self, expect: &[Expect], state: Option<Snapshot>, partial: (usize, usize)) {
        let was_closed = self.closed;
        let mut events = Vec::new();
        while let Some(event) = self.server.poll_event() {
            assert!(!self.closed, "an event after Closed: {event:?}");
            if let Event::Closed { .. } = event {
                self.closed = true;
            }
            events.push(event);
        }
        let state = state.filter(|_| self.exact);
        if state.is_some() {
            check_events(&events, expect);
        }
        let mut sent = Vec::new();
        for event in &events {
            if let Event::Message { request_id, body } = event {
                // Answer, so that the send path runs too; a response over
                // the client's limits is refused, not sent.
                if self.server.send_response(*request_id, body).is_ok() {
                    sent.push((*request_id, body.clone()));
                }
            }
        }
        self.out.clear();
        self.server.poll_transmit(&mut self.out);
        if was_closed {
            assert!(self.out.is_empty(), "bytes sent after Closed");
        }
        let out = std::mem::take(&mut self.out);
        let err = self.read_output(&out, state, &mut sent);
        self.out = out;
        if let Some(s) = state {
            assert!(sent.is_empty(), "answers not sent whole: {sent:?}");
            if self.closed && !was_closed {
                assert_eq!(err, self.err_expected, "an ERR exactly with an error");
            }
            assert_eq!(self.closed, s.closed, "closed exactly when the model says");
            assert_eq!(
                self.budget.used(),
                if s.closed { 0 } else { s.held + partial.1 },
                "the budget holds exactly the partial messages and frame"
            );
            assert_eq!(
                self.server.buffered(),
                if s.closed { 0 } else { s.held + partial.0 }
            );
            assert_eq!(self.server.poll_timeout(), s.deadline, "the next timeout");
        }
        if self.closed {
            assert!(
                !self.server.poll_transmit(&mut self.out),
                "bytes after Closed"
            );
            assert_eq!(self.server.poll_timeout(), None);
            assert_eq!(self.server.state(), ServerState::Closed);
            assert_eq!(self.budget.used(), 0, "a closed channel holds no budget");
        }
        assert!(self.budget.used() <= self.budget.limit());
        assert!(self.server.buffered() <= self.budget.used());
    }

    /// Reads what the server sent; with the model exact, checks that its
    /// MSG chunks open under the token it must send with, in sequence, and
    /// carry the answers in `sent`. Returns whether an ERR was among them.
    fn read_output(
        &mut self,
        out: &[u8],
        state: Option<Snapshot>,
        sent: &mut Vec<(u32, Vec<u8>)>,
    ) -> bool {
        let mut err = false;
        for (tag, frame) in wire::frames(out) {
            match tag {
                b"ERR" => err = true,
                b"OPN" => {
                    if let Some((header, response)) =
                        wire::read_open::<OpenSecureChannelResponse>(frame, self.mode, true)
                    {
                        if state.is_some() {
                            assert_eq!(header.sequence_number, self.server_last.wrapping_add(1));
                        }
                        self.server_last = header.sequence_number;
                        self.opened.push((header, response));
                    }
                }
                b"MSG" => {
                    let Some(s) = state else { continue };
                    let token = wire::token_id(frame);
                    let (id, generation) = s.sending.expect("a token to send under");
                    assert_eq!(token, Some(id), "the server sends under its current token");
                    let keys = self
                        .keys
                        .iter()
                        .find(|k| k.generation == generation)
                        .expect("the harness has the token's keys");
                    let mut chunk = frame.to_vec();
                    let expected = self.server_last.wrapping_add(1);
                    let (sequence, body) =
                        open_symmetric(&mut chunk, &keys.server, self.mode, expected)
                            .expect("the server's chunk opens");
                    assert_eq!(sequence.sequence_number, expected, "the server's sequence");
                    self.server_last = expected;
                    let id = sequence.request_id;
                    let piece = &chunk[body];
                    let at = match self.answers.iter().position(|(r, _)| *r == id) {
                        Some(at) => at,
                        None => {
                            self.answers.push((id, Vec::new()));
                            self.answers.len() - 1
                        }
                    };
                    self.answers[at].1.extend_from_slice(piece);
                    match wire::chunk_type(frame) {
                        b'C' => {}
                        b'F' => {
                            let (_, whole) = self.answers.swap_remove(at);
                            let i = sent
                                .iter()
                                .position(|(r, _)| *r == id)
                                .expect("an answer to a request");
                            assert_eq!(sent.remove(i).1, whole, "the answer is the echo");
                        }
                        other => panic!("the server sent an unexpected chunk type {other}"),
                    }
                }
                other => panic!("the server sent {other:?}"),
            }
        }
        err
    }

    fn wait(&mut self, wait: Wait, timeout: bool) {
        self.deliver(&Delivery::Whole);
        self.now = wait.until(self.now, self.newest(), self.previous());
        if timeout {
            let mut expect = Vec::new();
            self.server.handle_timeout(self.now);
            if !self.model.closed && !self.model.expire(self.now) {
                self.model.end(false, &mut expect);
                self.err_expected = true;
            }
            let state = self.snapshot();
            self.drain(&expect, Some(state), (0, 0));
        }
    }

    fn close(&mut self, bad: bool) {
        self.deliver(&Delivery::Whole);
        let mut expect = Vec::new();
        self.err_expected = bad && !self.model.closed;
        self.model.end(true, &mut expect);
        self.server.close(if bad {
            StatusCode::BAD_TIMEOUT
        } else {
            StatusCode::GOOD
        });
        let state = self.snapshot();
        self.drain(&expect, Some(state), (0, 0));
    }

    fn eof(&mut self) {
        self.deliver(&Delivery::Whole);
        let mut expect = Vec::new();
        self.err_expected = false;
        self.model.end(false, &mut expect);
        self.server.handle_eof(self.now);
        let state = self.snapshot();
        self.drain(&expect, Some(state), (0, 0));
    }
}

fuzz_target!(|input: Input| {
    let (mut h, ops) = match input {
        Input::Raw { mode, piece, bytes } => {
            let mut h = Harness::open(mode.get(), 1, 1);
            h.exact = false;
            for part in bytes.chunks(usize::from(piece).max(1)) {
                h.queue.bytes.extend_from_slice(part);
                h.deliver(&Delivery::Whole);
            }
            (h, Vec::new())
        }
        Input::Script {
            mode,
            first_sequence,
            first_token,
            ops,
        } => (
            Harness::open(mode.get(), first_sequence.get(), first_token.get()),
            ops,
        ),
    };
    for op in ops.iter().take(256) {
        match op {
            Op::Chunk(op) => h.chunk(op),
            Op::Message(op) => h.message(op),
            Op::Renew(op) => h.renew(op),
            Op::Send(delivery) => h.deliver(delivery),
            Op::Wait { wait, timeout } => h.wait(*wait, *timeout),
            Op::Raw(bytes) => {
                h.exact = false;
                h.queue.bytes.extend_from_slice(bytes);
            }
            Op::Flip { at, xor } => {
                if !h.queue.bytes.is_empty() && *xor != 0 {
                    h.exact = false;
                    let i = usize::from(*at) % h.queue.bytes.len();
                    h.queue.bytes[i] ^= xor;
                }
            }
            Op::Close { bad } => h.close(*bad),
            Op::Eof => h.eof(),
        }
    }
    h.deliver(&Delivery::Whole);
    let budget = h.budget.clone();
    drop(h);
    assert_eq!(
        budget.used(),
        0,
        "budget released when the channel is dropped"
    );
});
