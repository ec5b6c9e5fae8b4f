//! A client channel (the configurations of `support`, seeded RNGs) fed
//! what a server sends, read from the input with `arbitrary`:
//!
//! * `Raw`: a client after its Hello given bytes in pieces (a server that
//!   answers with anything at all), so that framing is fuzzed too;
//! * `Script`: a client in None, Sign or SignAndEncrypt (the fuzzing
//!   policy) opened by a real server whose sequence numbers and TokenIds
//!   may start close to the wrap and whose handshake bytes may be changed;
//!   then the harness plays the server: MSG chunks C, F and A, CLO and
//!   OPN-typed chunks, each with a chosen RequestId (often one the client
//!   sent), size, token (current, previous, wrong), channel and sequence
//!   number; responses of many chunks; answers to the client's renewals
//!   (right, or with one field wrong: RequestId, TokenId, lifetime, nonce,
//!   channel, result, a ServiceFault, the security header); ERR; the
//!   queued bytes delivered whole or cut anywhere; time passing to the
//!   75 % mark (where the client renews by itself), expiry and the end of
//!   the grace period; the client's own requests, aborts, renewals and
//!   close; end of stream; and raw bytes or a changed byte.
//!
//! The client must never panic, and say and send nothing once it reported
//! `Closed`. While the script has only built well-formed bytes,
//! `support::receiver` says what must happen and the client must do
//! exactly that: the same events (each response exactly the bytes of its
//! chunks, each abort, each renewal with its TokenId, the close after the
//! first refused chunk), `buffered` to the byte and the next timeout; and
//! what it sends must be right: each request whole under its current
//! token and in sequence, a Renew request exactly when a renewal is due or
//! asked for, a CloseSecureChannel when it closes, nothing else.
#![no_main]

use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use uasc::StatusCode;
use uasc::channel::{ByteBudget, ClientChannel, ClientState, Event, ServerChannel, TokenIds};
use uasc::chunk::{SequenceHeader, max_body_size, open_symmetric};
use uasc::codec::{ByteString, DateTime, ResponseHeader};
use uasc::messages::{
    ChannelSecurityToken, MessageSecurityMode, OpenSecureChannelRequest, OpenSecureChannelResponse,
    SecurityTokenRequestType, ServiceFault,
};
use uasc::policy::Role;
use uasc::uacp::{ErrorMessage, UacpMessage};

#[path = "client_channel/input.rs"]
mod input;
mod support;

use input::{AnswerOp, Handshake, Input, NewToken, Op};
use support::script::{ChunkOp, MessageOp};

use support::queue::{Queue, Snapshot, check_events, next_id};
use support::receiver::{Arrival, Expect, ModelToken, Receiver};
use support::script::{
    ChannelChoice, Delivery, Kind, OpnHeader, RequestChoice, Sequence, TokenChoice, Wait,
};
use support::wire::{self, TokenKeys};

struct Harness {
    client: ClientChannel,
    now: Instant,
    started: Instant,
    mode: MessageSecurityMode,
    channel_id: u32,
    protocol_version: u32,
    /// The tokens the harness issued, newest last.
    keys: Vec<TokenKeys>,
    generations: u32,
    next_sequence: u32,
    next_token_id: u32,
    /// The client's renewal on its way: its RequestId and nonce.
    pending: Option<(u32, Vec<u8>)>,
    /// RequestIds the client used.
    request_ids: Vec<u32>,
    tags: u32,
    model: Receiver,
    /// The model's view: a renewal on its way, and one that must be sent.
    renewing: bool,
    renewal_due: bool,
    /// A CloseSecureChannel must be sent, under this token.
    close_due: Option<(u32, u32)>,
    exact: bool,
    queue: Queue,
    /// The client's last sequence number and its requests under way.
    client_last: u32,
    partial_requests: Vec<(u32, Vec<u8>)>,
    closed: bool,
    out: Vec<u8>,
}

impl Harness {
    /// A client opened by a real server, whose bytes `flips` change.
    fn open(
        mode: MessageSecurityMode,
        first_sequence: u32,
        first_token: u32,
        flips: &[u8],
    ) -> Harness {
        let now = Instant::now();
        let mut client = ClientChannel::with_rng(
            support::client_config(mode),
            support::rng(1),
            now,
            support::utc(),
        )
        .expect("a valid client configuration");
        let mut config = support::server_config();
        config.first_sequence_number = first_sequence;
        config.token_ids = TokenIds::starting_at(first_token);
        let mut server = ServerChannel::with_rng(
            Arc::new(config),
            ByteBudget::new(1 << 20),
            support::rng(2),
            now,
            support::utc(),
        )
        .expect("a valid server configuration");
        let mut server_last = first_sequence;
        let mut client_last = 1;
        for _ in 0..4 {
            let mut bytes = Vec::new();
            client.poll_transmit(&mut bytes);
            if let Some((tag, frame)) = wire::frames(&bytes).first()
                && *tag == b"OPN"
                && let Some((header, _)) =
                    wire::read_open::<OpenSecureChannelRequest>(frame, mode, false)
            {
                client_last = header.sequence_number;
            }
            server.handle_input(now, &bytes);
            bytes.clear();
            server.poll_transmit(&mut bytes);
            if !bytes.is_empty() {
                support::flip(&mut bytes, flips);
            }
            if let Some((tag, frame)) = wire::frames_lossy(&bytes).last()
                && *tag == b"OPN"
                && let Some((header, _)) =
                    wire::read_open::<OpenSecureChannelResponse>(frame, mode, true)
            {
                server_last = header.sequence_number;
            }
            client.handle_input(now, &bytes);
            while server.poll_event().is_some() {}
            while client.poll_event().is_some() {}
        }
        let open = client.state() == ClientState::Open;
        let (ours, theirs) = match (client.local_nonce(), client.peer_nonce()) {
            (Some(ours), Some(theirs)) => (ours.to_vec(), theirs.to_vec()),
            _ => (Vec::new(), Vec::new()),
        };
        let none = || wire::derive(MessageSecurityMode::None, Role::Client, &[], &[]);
        let derive = |side| wire::derive(mode, side, &ours, &theirs).or_else(none);
        let info = client.token();
        let token = ModelToken {
            id: info.map_or(0, |t| t.id),
            generation: 0,
            created: info.map_or(now, |t| t.created),
            lifetime: info.map_or(Duration::from_secs(10), |t| t.revised_lifetime),
        };
        let keys = TokenKeys {
            id: token.id,
            generation: 0,
            client: derive(Role::Client).expect("keys"),
            server: derive(Role::Server).expect("keys"),
            lifetime: token.lifetime,
            created: token.created,
        };
        let negotiated = client.negotiated();
        let model = Receiver::new(
            false,
            mode == MessageSecurityMode::None,
            wire::descriptor(mode).legacy_sequence_numbers,
            server_last,
            token,
            client.receive_limits(),
            negotiated.map_or(8192, |n| n.receive_buffer_size as usize),
            None,
        );
        let mut h = Harness {
            channel_id: client.channel_id(),
            protocol_version: negotiated.map_or(0, |n| n.protocol_version),
            keys: vec![keys],
            generations: 1,
            next_sequence: server_last.wrapping_add(1),
            next_token_id: next_id(token.id),
            pending: None,
            request_ids: Vec::new(),
            tags: 0,
            model,
            renewing: false,
            renewal_due: false,
            close_due: None,
            exact: open && flips.len() < 3,
            queue: Queue::default(),
            client_last,
            partial_requests: Vec::new(),
            closed: false,
            out: Vec::new(),
            mode,
            client,
            now,
            started: now,
        };
        h.drain(&[], Some(h.snapshot()), (0, 0), &mut Vec::new());
        h
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.model, self.renewing)
    }

    fn newest(&self) -> &TokenKeys {
        self.keys.last().expect("a token")
    }

    fn previous_index(&self) -> usize {
        self.keys.len().saturating_sub(2)
    }

    fn tag(&mut self) -> u32 {
        self.tags += 1;
        self.tags
    }

    fn chunk(&mut self, op: &ChunkOp) {
        let request_id = op.request.get(&self.request_ids);
        let newest = self.keys.len() - 1;
        let (token_id, index) = match op.token {
            TokenChoice::Current => (self.newest().id, newest),
            TokenChoice::Previous => (self.keys[self.previous_index()].id, self.previous_index()),
            TokenChoice::Wrong(id) => (id, newest),
        };
        let generation = self.keys[index].generation;
        let max = max_body_size(&self.keys[index].server, self.mode, self.model.frame_limit)
            .expect("room for a body");
        let len = op.size.get(max);
        let code = StatusCode::from_bits(op.code);
        let body = match op.kind {
            Kind::Abort => wire::abort_body(code, len.saturating_sub(8)),
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
            &self.keys[index].server,
            self.mode,
            op.padding,
        );
        let before = self.snapshot();
        let mut expect = Vec::new();
        let visible = if self.model.closed {
            size
        } else if let Some(at) = self.model.frame(size, &mut expect) {
            at
        } else {
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
        };
        let after = self.snapshot();
        self.queue
            .frame(start, size, visible, expect, before, after);
    }

    fn response(&mut self, op: &MessageOp) {
        let n = usize::from(op.chunks % 20) + 1;
        let id = op.request.get(&self.request_ids);
        for i in 0..n {
            self.chunk(&ChunkOp {
                kind: if i + 1 == n && op.finish.0 {
                    Kind::Final
                } else {
                    Kind::Intermediate
                },
                request: RequestChoice::Any(id),
                token: TokenChoice::Current,
                channel: ChannelChoice::Right,
                sequence: Sequence::Next,
                size: op.size,
                code: 0,
                padding: op.padding,
            });
        }
    }

    /// Queues the answer to the client's renewal, which it is first asked
    /// for if none is on its way (a wrong RequestId then answers none).
    fn answer(&mut self, op: &AnswerOp) {
        if self.pending.is_none() && op.right_request.0 {
            self.renew();
        }
        let (request_id, client_nonce) = self.pending.take().unwrap_or((0, Vec::new()));
        let request_id = if op.right_request.0 {
            request_id
        } else {
            request_id.wrapping_add(1)
        };
        let token_id = match op.token {
            NewToken::Fresh => {
                let id = self.next_token_id;
                self.next_token_id = next_id(id);
                id
            }
            NewToken::Current => self.newest().id,
            NewToken::Any(id) => id,
        };
        let tag = self.tag();
        let server_nonce = op.nonce.get(wire::nonce_len(self.mode), tag);
        let lifetime = op.lifetime.get();
        let header_channel = op.header_channel.get(self.channel_id);
        let token_channel = op.token_channel.get(self.channel_id);
        let created_at = DateTime::from_system_time(
            support::utc() + self.now.saturating_duration_since(self.started),
        );
        let result = if op.good.0 {
            StatusCode::GOOD
        } else {
            StatusCode::BAD_TIMEOUT
        };
        let response_header = ResponseHeader {
            timestamp: created_at,
            request_handle: request_id,
            service_result: result,
            ..ResponseHeader::default()
        };
        let sequence = op.sequence.get(self.next_sequence);
        self.next_sequence = sequence.wrapping_add(1);
        let chunk_sequence = SequenceHeader {
            sequence_number: sequence,
            request_id,
        };
        let start = self.queue.bytes.len();
        let size = if op.not_fault.0 {
            let response = OpenSecureChannelResponse {
                response_header,
                server_protocol_version: if op.right_version.0 {
                    self.protocol_version
                } else {
                    self.protocol_version + 1
                },
                security_token: ChannelSecurityToken {
                    channel_id: token_channel,
                    token_id,
                    created_at,
                    revised_lifetime: lifetime,
                },
                server_nonce: ByteString::from(server_nonce.clone()),
            };
            wire::open(
                &mut self.queue.bytes,
                self.mode,
                false,
                op.header,
                header_channel,
                chunk_sequence,
                &response,
            )
        } else {
            let fault = ServiceFault {
                response_header: ResponseHeader {
                    service_result: StatusCode::BAD_TIMEOUT,
                    ..response_header
                },
            };
            wire::open(
                &mut self.queue.bytes,
                self.mode,
                false,
                op.header,
                header_channel,
                chunk_sequence,
                &fault,
            )
        };
        let before = self.snapshot();
        let mut expect = Vec::new();
        let secured = self.mode != MessageSecurityMode::None;
        if !self.model.closed && self.model.frame(size, &mut expect).is_none() {
            let header_ok =
                op.header == OpnHeader::Right || (!secured && op.header != OpnHeader::OtherPolicy);
            let ok = self.renewing
                && op.right_request.0
                && header_ok
                && self.model.open_sequence(sequence)
                && op.not_fault.0
                && op.right_version.0
                && op.good.0
                && token_channel == header_channel
                && header_channel == self.channel_id
                && lifetime != 0
                && (!secured || server_nonce.len() == wire::nonce_len(self.mode));
            if ok {
                let token = ModelToken {
                    id: token_id,
                    generation: self.generations,
                    created: self.now,
                    lifetime: Duration::from_millis(u64::from(lifetime)),
                };
                self.model.client_activate(token);
                expect.push(Expect::Renewed { token_id });
            } else {
                self.model.end(false, &mut expect);
            }
            self.renewing = false;
        }
        let after = self.snapshot();
        self.queue.frame(start, size, size, expect, before, after);
        let client = wire::derive(self.mode, Role::Client, &client_nonce, &server_nonce);
        let server = wire::derive(self.mode, Role::Server, &client_nonce, &server_nonce);
        if let (Some(client), Some(server)) = (client, server) {
            self.keys.push(TokenKeys {
                id: token_id,
                generation: self.generations,
                client,
                server,
                lifetime: Duration::from_millis(u64::from(lifetime)),
                created: self.now,
            });
        }
        self.generations += 1;
    }

    fn deliver(&mut self, delivery: &Delivery) {
        let mut queue = std::mem::take(&mut self.queue);
        queue.take(delivery, |piece| {
            self.client.handle_input(self.now, piece.bytes);
            self.drain(&piece.expect, piece.state, piece.partial, &mut Vec::new());
        });
        self.queue = queue;
    }

    /// Takes the client's events and bytes and checks them: always the
    /// invariants, and while the model is exact, everything it predicts;
    /// `sent` are the requests the client was given since the last drain.
    fn drain(
        &mut self,
        expect: &[Expect],
        state: Option<Snapshot>,
        partial: (usize, usize),
        sent: &mut Vec<(u32, Vec<u8>)>,
    ) {
        let was_closed = self.closed;
        let mut events = Vec::new();
        while let Some(event) = self.client.poll_event() {
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
        self.out.clear();
        self.client.poll_transmit(&mut self.out);
        if was_closed {
            assert!(self.out.is_empty(), "bytes sent after Closed");
        }
        let out = std::mem::take(&mut self.out);
        self.read_output(&out, state, sent);
        self.out = out;
        if let Some(s) = state {
            assert!(sent.is_empty(), "requests not sent whole: {sent:?}");
            assert!(!self.renewal_due, "a renewal was due and not sent");
            assert!(
                self.close_due.is_none(),
                "a CloseSecureChannel was due and not sent"
            );
            assert_eq!(self.closed, s.closed, "closed exactly when the model says");
            assert_eq!(
                self.client.buffered(),
                if s.closed { 0 } else { s.held + partial.0 }
            );
            assert_eq!(self.client.poll_timeout(), s.deadline, "the next timeout");
        }
        self.renewal_due = false;
        self.close_due = None;
        if self.closed {
            assert!(
                !self.client.poll_transmit(&mut self.out),
                "bytes after Closed"
            );
            assert_eq!(self.client.poll_timeout(), None);
            assert_eq!(self.client.state(), ClientState::Closed);
        }
    }

    /// Reads what the client sent; with the model exact, checks it.
    fn read_output(&mut self, out: &[u8], state: Option<Snapshot>, sent: &mut Vec<(u32, Vec<u8>)>) {
        for (tag, frame) in wire::frames(out) {
            if tag == b"OPN" {
                let read = wire::read_open::<OpenSecureChannelRequest>(frame, self.mode, false);
                if let Some((header, request)) = &read {
                    self.pending = Some((
                        header.request_id,
                        request.client_nonce.as_bytes().unwrap_or_default().to_vec(),
                    ));
                }
                if state.is_some() {
                    let (header, request) = read.expect("the client's renewal opens");
                    assert!(self.renewal_due, "a renewal only when due");
                    self.renewal_due = false;
                    assert_eq!(request.request_type, SecurityTokenRequestType::Renew);
                    assert_eq!(request.security_mode, self.mode);
                    let nonce = request.client_nonce.as_bytes().unwrap_or_default();
                    assert_eq!(nonce.len(), wire::nonce_len(self.mode));
                    assert_eq!(header.sequence_number, self.client_last.wrapping_add(1));
                    self.client_last = header.sequence_number;
                }
                continue;
            }
            let Some(s) = state else { continue };
            assert!(tag == b"MSG" || tag == b"CLO", "the client sent {tag:?}");
            let sending = if tag == b"CLO" {
                self.close_due.take()
            } else {
                s.sending
            };
            let (id, generation) = sending.expect("a token to send under");
            assert_eq!(
                wire::token_id(frame),
                Some(id),
                "the client's current token"
            );
            let keys = self
                .keys
                .iter()
                .find(|k| k.generation == generation)
                .expect("the harness has the token's keys");
            let mut chunk = frame.to_vec();
            let expected = self.client_last.wrapping_add(1);
            let (sequence, body) = open_symmetric(&mut chunk, &keys.client, self.mode, expected)
                .expect("the client's chunk opens");
            assert_eq!(sequence.sequence_number, expected, "the client's sequence");
            self.client_last = expected;
            if tag == b"CLO" {
                continue;
            }
            let request_id = sequence.request_id;
            let at = match self
                .partial_requests
                .iter()
                .position(|(r, _)| *r == request_id)
            {
                Some(at) => at,
                None => {
                    self.partial_requests.push((request_id, Vec::new()));
                    self.partial_requests.len() - 1
                }
            };
            self.partial_requests[at].1.extend_from_slice(&chunk[body]);
            match wire::chunk_type(frame) {
                b'C' => {}
                b'F' => {
                    let (_, whole) = self.partial_requests.swap_remove(at);
                    let i = sent
                        .iter()
                        .position(|(r, _)| *r == request_id)
                        .expect("a request the client was given");
                    assert_eq!(sent.remove(i).1, whole, "the request as given");
                }
                b'A' => {
                    self.partial_requests.swap_remove(at);
                }
                other => panic!("the client sent chunk type {other}"),
            }
        }
    }

    fn request(&mut self, size: u8) {
        self.deliver(&Delivery::Whole);
        let tag = self.tag();
        let body = wire::pattern(tag, usize::from(size) * 300);
        let mut sent = Vec::new();
        match self.client.send_request(&body) {
            Ok(id) => {
                assert!(
                    !self.exact || !self.model.closed,
                    "a request on a closed channel"
                );
                self.request_ids.retain(|&r| r != id);
                self.request_ids.insert(0, id);
                self.request_ids.truncate(8);
                sent.push((id, body));
            }
            Err(_) => assert!(
                !self.exact || self.model.closed || body.len() > 60_000,
                "a request within the limits refused"
            ),
        }
        let state = Some(self.snapshot());
        self.drain(&[], state, (0, 0), &mut sent);
    }

    fn abort_request(&mut self, pick: u8) {
        self.deliver(&Delivery::Whole);
        if let Some(&id) = self
            .request_ids
            .get(usize::from(pick) % self.request_ids.len().max(1))
        {
            let _ = self.client.abort_request(id, StatusCode::BAD_TIMEOUT);
        }
        let state = Some(self.snapshot());
        self.drain(&[], state, (0, 0), &mut Vec::new());
    }

    fn renew(&mut self) {
        self.deliver(&Delivery::Whole);
        let result = self.client.renew(self.now);
        if self.exact {
            assert_eq!(result.is_ok(), !self.model.closed);
        }
        if !self.model.closed && !self.renewing {
            self.renewing = true;
            self.renewal_due = true;
        }
        let state = Some(self.snapshot());
        self.drain(&[], state, (0, 0), &mut Vec::new());
    }

    fn wait(&mut self, wait: Wait, timeout: bool) {
        self.deliver(&Delivery::Whole);
        self.now = wait.until(self.now, self.newest(), &self.keys[self.previous_index()]);
        if !timeout {
            return;
        }
        let mut expect = Vec::new();
        self.client.handle_timeout(self.now);
        if !self.model.closed {
            if !self.model.expire(self.now) {
                self.model.end(false, &mut expect);
            } else if !self.renewing && self.model.current.is_some_and(|t| self.now >= t.renew_at())
            {
                self.renewing = true;
                self.renewal_due = true;
            }
        }
        let state = Some(self.snapshot());
        self.drain(&expect, state, (0, 0), &mut Vec::new());
    }

    fn close(&mut self) {
        self.deliver(&Delivery::Whole);
        let mut expect = Vec::new();
        self.close_due = self
            .model
            .sending()
            .filter(|_| !self.model.closed)
            .map(|t| (t.id, t.generation));
        self.model.end(true, &mut expect);
        self.client.close(StatusCode::GOOD);
        let state = Some(self.snapshot());
        self.drain(&expect, state, (0, 0), &mut Vec::new());
    }

    fn eof(&mut self) {
        self.deliver(&Delivery::Whole);
        let mut expect = Vec::new();
        self.model.end(false, &mut expect);
        self.client.handle_eof(self.now);
        let state = Some(self.snapshot());
        self.drain(&expect, state, (0, 0), &mut Vec::new());
    }

    /// Queues an ERR message: the client ends.
    fn error(&mut self, code: u32) {
        let start = self.queue.bytes.len();
        UacpMessage::Error(ErrorMessage {
            error: StatusCode::from_bits(code),
            reason: "fuzz".into(),
        })
        .encode_frame(&mut self.queue.bytes)
        .expect("an ERR encodes");
        let size = self.queue.bytes.len() - start;
        let before = self.snapshot();
        let mut expect = Vec::new();
        if !self.model.closed && self.model.frame(size, &mut expect).is_none() {
            self.model.end(false, &mut expect);
        }
        let after = self.snapshot();
        self.queue.frame(start, size, size, expect, before, after);
    }
}

fuzz_target!(|input: Input| {
    let (mut h, ops) = match input {
        Input::Raw { mode, piece, bytes } => {
            // A client after its Hello, given anything at all.
            let now = Instant::now();
            let mut client = ClientChannel::with_rng(
                support::client_config(mode.get()),
                support::rng(1),
                now,
                support::utc(),
            )
            .expect("a valid client configuration");
            let mut out = Vec::new();
            client.poll_transmit(&mut out);
            let mut closed = false;
            for part in bytes.chunks(usize::from(piece).max(1)) {
                let was_closed = closed;
                client.handle_input(now, part);
                while let Some(event) = client.poll_event() {
                    assert!(!closed, "an event after Closed: {event:?}");
                    closed |= matches!(event, Event::Closed { .. });
                }
                out.clear();
                client.poll_transmit(&mut out);
                assert!(!was_closed || out.is_empty(), "bytes sent after Closed");
            }
            return;
        }
        Input::Script {
            mode,
            first_sequence,
            first_token,
            handshake,
            ops,
        } => {
            let flips = match &handshake {
                Handshake::Clean => &[][..],
                Handshake::Changed(flips) => &flips[..],
            };
            (
                Harness::open(mode.get(), first_sequence.get(), first_token.get(), flips),
                ops,
            )
        }
    };
    for op in ops.iter().take(256) {
        match op {
            Op::Request { size } => h.request(*size),
            Op::Chunk(op) => h.chunk(op),
            Op::Response(op) => h.response(op),
            Op::Answer(op) => h.answer(op),
            Op::Renew => h.renew(),
            Op::Send(delivery) => h.deliver(delivery),
            Op::Wait { wait, timeout } => h.wait(*wait, *timeout),
            Op::AbortRequest { pick } => h.abort_request(*pick),
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
            Op::Error { code } => h.error(*code),
            Op::Close => h.close(),
            Op::Eof => h.eof(),
        }
    }
    h.deliver(&Delivery::Whole);
});
