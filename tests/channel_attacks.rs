//! A secure channel under attack, driven in memory on a virtual clock:
//! sequence numbers across the legacy wrap, replayed, reordered and dropped
//! chunks, abort chunks both ways, the server's OpenSecureChannel checks,
//! security requirements per endpoint, receive limits at their edges, chunk
//! floods against the shared byte budget, handshake and token timeouts, and
//! arbitrary bytes after a valid open.
//!
//! Chunks are forged by hand where the attack needs it: in mode None with
//! [`SymmetricKeys::none`], and in mode Sign with the client's own sending
//! keys, taken from a [`SecurityPolicy`] that wraps Basic256Sha256 and
//! keeps a handle on every key it derives.

mod common;

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::pair::{Identities, Pair, client_config, identities, server_config, shared};
use common::{captures, h};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use rand::SeedableRng;
use rand::rand_core::{TryCryptoRng, TryRng};
use rand::rngs::StdRng;
use uasc::cert::{CertificateValidator, ValidationContext, leaf, thumbprint};
use uasc::channel::{
    ByteBudget, ClientConfig, ClientState, Event, Identity, LEGACY_RESTART_BELOW,
    LEGACY_WRAP_ABOVE, ReceiveLimits, SecurityRequirement, ServerChannel, ServerConfig,
    ServerState,
};
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkType, MessageType, OpnChunk, SequenceHeader, SymmetricChunk,
    max_body_size, secure_asymmetric, secure_symmetric,
};
use uasc::codec::{ByteString, DecodeLimits, RequestHeader, Writer};
use uasc::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, SecurityTokenRequestType, encode_message,
};
use uasc::policy::{
    AES128_SHA256_RSA_OAEP, BASIC256_SHA256, BuiltinPolicy, ChainingSecret, ChunkContext,
    ChunkProtection, KeyExchange, NONE, PeerKey, PolicyDescriptor, Role, SecurityPolicy,
    SymmetricKeys, TokenKeys,
};
use uasc::uacp::UacpMessage;
use uasc::{Error, StatusCode};

const MODE_NONE: MessageSecurityMode = MessageSecurityMode::None;
const SIGN: MessageSecurityMode = MessageSecurityMode::Sign;
const SIGN_ENCRYPT: MessageSecurityMode = MessageSecurityMode::SignAndEncrypt;

/// MessageHeader (12) + TokenId (4) + SequenceHeader (8).
const SYMMETRIC_OVERHEAD: usize = 24;

// ---------------------------------------------------------------------------
// Building blocks: frames, ERR messages, forged chunks
// ---------------------------------------------------------------------------

/// A body of `len` bytes that says who sent it.
fn body(tag: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31) ^ tag).collect()
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Cuts a byte stream into its frames by the MessageSize at bytes 4..8.
fn frames(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 8, "a partial frame header");
        let size = u32_at(bytes, 4) as usize;
        assert!(size >= 8 && size <= bytes.len(), "a partial frame");
        out.push(bytes[..size].to_vec());
        bytes = &bytes[size..];
    }
    out
}

/// The code of the ERR message in a byte stream, if any.
fn err_code(bytes: &[u8]) -> Option<StatusCode> {
    frames(bytes).iter().find_map(
        |f| match UacpMessage::decode_frame(f, DecodeLimits::DEFAULT) {
            Ok(UacpMessage::Error(e)) => Some(e.error),
            _ => None,
        },
    )
}

fn closed_events(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Closed { .. }))
        .count()
}

/// The server ended with `local` and queued an ERR carrying `wire`; the
/// client, given that ERR, ends with `wire`.
fn assert_server_failed(pair: &mut Pair, local: StatusCode, wire: StatusCode, what: &str) {
    pair.collect();
    assert_eq!(pair.server.state(), ServerState::Closed, "{what}");
    assert_eq!(
        Pair::closed(&pair.server_events),
        Some(local),
        "{what}: {:?}",
        pair.server_events
    );
    assert_eq!(closed_events(&pair.server_events), 1, "{what}");
    assert_eq!(err_code(&pair.to_client), Some(wire), "{what}: ERR");
    assert_eq!(pair.server.poll_timeout(), None, "{what}");
    pair.deliver_to_client();
    assert_eq!(pair.client.state(), ClientState::Closed, "{what}");
    assert_eq!(
        Pair::closed(&pair.client_events),
        Some(wire),
        "{what}: {:?}",
        pair.client_events
    );
}

/// HEL → ACK, then the client's OPN to the server: the server has just
/// answered it (OPN response or ERR), undelivered.
fn handshake_to_server_answer(pair: &mut Pair) {
    pair.deliver_to_server();
    pair.deliver_to_client();
    pair.deliver_to_server();
}

/// A pair that opened, its open events cleared.
fn open_pair(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
    let mut pair = Pair::new(client, server, seed);
    pair.open();
    pair.client_events.clear();
    pair.server_events.clear();
    pair
}

/// A pair whose server holds `budget` instead of the default one.
fn pair_with_budget(
    client: ClientConfig,
    server: ServerConfig,
    budget: &ByteBudget,
    seed: u64,
) -> Pair {
    let mut pair = Pair::new(client, server.clone(), seed);
    pair.server = ServerChannel::with_rng(
        Arc::new(server),
        budget.clone(),
        Box::new(StdRng::seed_from_u64(seed ^ 0x5EED)),
        pair.start,
        pair.utc,
    )
    .unwrap();
    pair.budget = budget.clone();
    pair.open();
    pair.client_events.clear();
    pair.server_events.clear();
    pair
}

/// Policy None, mode None on both ends, the server allowing it.
fn none_configs(ids: &Identities) -> (ClientConfig, ServerConfig) {
    (client_config(ids, &NONE, MODE_NONE), server_config(ids))
}

/// An abort chunk's body: Error (StatusCode) and Reason (String).
fn abort_body(code: StatusCode, reason: &str) -> Vec<u8> {
    let mut b = code.bits().to_le_bytes().to_vec();
    b.extend_from_slice(&(reason.len() as i32).to_le_bytes());
    b.extend_from_slice(reason.as_bytes());
    b
}

/// An abort chunk in place of `final_chunk` (mode None): same channel,
/// token, sequence number and RequestId.
fn abort_in_place_of(final_chunk: &[u8], code: StatusCode) -> Vec<u8> {
    assert_eq!(&final_chunk[..4], b"MSGF");
    let chunk = SymmetricChunk {
        message_type: MessageType::Message,
        chunk_type: ChunkType::Abort,
        secure_channel_id: u32_at(final_chunk, 8),
        token_id: u32_at(final_chunk, 12),
        sequence: SequenceHeader {
            sequence_number: u32_at(final_chunk, 16),
            request_id: u32_at(final_chunk, 20),
        },
    };
    let mut out = Vec::new();
    secure_symmetric(
        &mut out,
        &chunk,
        &abort_body(code, "given up"),
        &none_keys(),
        MODE_NONE,
    )
    .unwrap();
    out
}

fn none_keys() -> SymmetricKeys {
    SymmetricKeys::none(NONE.descriptor()).unwrap()
}

/// Makes client MSG chunks by hand, continuing the client's sequence
/// numbers. Modes None and Sign only (the headers it reads must be clear).
struct Forge {
    channel_id: u32,
    token_id: u32,
    next_sequence: u32,
    keys: Arc<dyn ChunkProtection>,
    mode: MessageSecurityMode,
}

impl Forge {
    /// The client sends one request, which is delivered; the forger goes
    /// on right after its chunk, with `keys` (the client's sending keys).
    fn after_request(
        pair: &mut Pair,
        keys: Arc<dyn ChunkProtection>,
        mode: MessageSecurityMode,
    ) -> Forge {
        let id = pair.client.send_request(b"sync").unwrap();
        pair.collect();
        let bytes = std::mem::take(&mut pair.to_server);
        let chunks = frames(&bytes);
        assert_eq!(chunks.len(), 1);
        let chunk = &chunks[0];
        let forge = Forge {
            channel_id: u32_at(chunk, 8),
            token_id: u32_at(chunk, 12),
            next_sequence: u32_at(chunk, 16).wrapping_add(1),
            keys,
            mode,
        };
        pair.server.handle_input(pair.now, &bytes);
        pair.collect();
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(id, b"sync".to_vec())]
        );
        pair.server_events.clear();
        forge
    }

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
        secure_symmetric(&mut out, &chunk, body, &*self.keys, self.mode).unwrap();
        self.next_sequence = self.next_sequence.wrapping_add(1);
        out
    }
}

// A policy that is Basic256Sha256 in every respect, except that it keeps a
// handle on the sending keys of every token it derives.

#[derive(Debug)]
struct Tapped {
    inner: Arc<dyn SecurityPolicy>,
    sending: Arc<Mutex<Vec<Arc<dyn ChunkProtection>>>>,
}

#[derive(Debug)]
struct TappedExchange {
    inner: Box<dyn KeyExchange>,
    sending: Arc<Mutex<Vec<Arc<dyn ChunkProtection>>>>,
}

#[derive(Debug)]
struct SharedKeys(Arc<dyn ChunkProtection>);

impl SecurityPolicy for Tapped {
    fn descriptor(&self) -> &PolicyDescriptor {
        self.inner.descriptor()
    }

    fn start_key_exchange(
        &self,
        mode: uasc::messages::MessageSecurityMode,
        rng: &mut dyn rand::CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> uasc::Result<Box<dyn KeyExchange>> {
        Ok(Box::new(TappedExchange {
            inner: self.inner.start_key_exchange(mode, rng, previous)?,
            sending: Arc::clone(&self.sending),
        }))
    }

    fn peer_key(&self, certificate_der: &[u8]) -> uasc::Result<Box<dyn PeerKey>> {
        self.inner.peer_key(certificate_der)
    }
}

impl KeyExchange for TappedExchange {
    fn local_nonce(&self) -> &[u8] {
        self.inner.local_nonce()
    }

    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> uasc::Result<TokenKeys> {
        let mut keys = self.inner.complete(role, peer_nonce)?;
        let sending: Arc<dyn ChunkProtection> = Arc::from(keys.sending);
        self.sending.lock().unwrap().push(Arc::clone(&sending));
        keys.sending = Box::new(SharedKeys(sending));
        Ok(keys)
    }
}

impl ChunkProtection for SharedKeys {
    fn signature_len(&self) -> usize {
        self.0.signature_len()
    }

    fn padding_block_size(&self) -> usize {
        self.0.padding_block_size()
    }

    fn seal(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        encrypt: bool,
        context: ChunkContext,
    ) -> uasc::Result<()> {
        self.0.seal(chunk, header_len, encrypt, context)
    }

    fn open(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        decrypt: bool,
        context: ChunkContext,
    ) -> uasc::Result<()> {
        self.0.open(chunk, header_len, decrypt, context)
    }
}

type KeySlot = Arc<Mutex<Vec<Arc<dyn ChunkProtection>>>>;

/// A Basic256Sha256 Sign client whose sending keys the test can use.
fn tapped_sign_client(ids: &Identities) -> (ClientConfig, KeySlot) {
    let slot: KeySlot = Arc::default();
    let mut client = client_config(ids, &BASIC256_SHA256, SIGN);
    client.policy = Arc::new(Tapped {
        inner: shared(&BASIC256_SHA256),
        sending: Arc::clone(&slot),
    });
    (client, slot)
}

fn latest_keys(slot: &KeySlot) -> Arc<dyn ChunkProtection> {
    Arc::clone(slot.lock().unwrap().last().expect("a token was derived"))
}

/// An open pair and a forger of client chunks: policy None, or
/// Basic256Sha256 Sign with the client's real keys.
fn forging_pair(
    ids: &Identities,
    sign: bool,
    server: ServerConfig,
    budget: &ByteBudget,
    seed: u64,
) -> (Pair, Forge) {
    if sign {
        let (client, slot) = tapped_sign_client(ids);
        let mut pair = pair_with_budget(client, server, budget, seed);
        let forge = Forge::after_request(&mut pair, latest_keys(&slot), SIGN);
        (pair, forge)
    } else {
        let client = client_config(ids, &NONE, MODE_NONE);
        let mut pair = pair_with_budget(client, server, budget, seed);
        let forge = Forge::after_request(&mut pair, Arc::new(none_keys()), MODE_NONE);
        (pair, forge)
    }
}

// ---------------------------------------------------------------------------
// 1. Sequence numbers
// ---------------------------------------------------------------------------

#[test]
fn legacy_sequence_numbers_cross_the_wrap_in_both_directions() {
    let ids = identities();
    let first = u32::MAX - 3;
    for (policy, mode) in [(&NONE, MODE_NONE), (&BASIC256_SHA256, SIGN)] {
        let name = format!("{} {mode:?}", policy.descriptor().name);
        assert!(policy.descriptor().legacy_sequence_numbers, "{name}");
        let mut client = client_config(&ids, policy, mode);
        client.first_sequence_number = first;
        let mut server = server_config(&ids);
        server.first_sequence_number = first;
        let mut pair = open_pair(client, server, 7);

        let (mut up, mut down) = (Vec::new(), Vec::new());
        let (mut requests, mut responses) = (Vec::new(), Vec::new());
        let sizes = [10usize, 70_000, 5, 140_000, 1, 0, 3_000, 65_600, 200_000, 7];
        for (i, len) in sizes.into_iter().enumerate() {
            let request = body(i as u8, len);
            let id = pair.client.send_request(&request).unwrap();
            pair.collect();
            up.extend(frames(&pair.to_server).iter().map(|f| u32_at(f, 16)));
            pair.deliver_to_server();
            let response = body(!(i as u8), len + 11);
            pair.server.send_response(id, &response).unwrap();
            pair.collect();
            down.extend(frames(&pair.to_client).iter().map(|f| u32_at(f, 16)));
            pair.deliver_to_client();
            requests.push((id, request));
            responses.push((id, response));
        }
        assert_eq!(Pair::messages(&pair.server_events), requests, "{name}");
        assert_eq!(Pair::messages(&pair.client_events), responses, "{name}");
        assert_eq!(Pair::closed(&pair.server_events), None, "{name}");
        assert_eq!(Pair::closed(&pair.client_events), None, "{name}");
        for (side, seqs) in [("client", &up), ("server", &down)] {
            // The OPN took `first`; MSG chunks follow it one by one, through
            // u32::MAX and on from 0.
            assert_eq!(seqs[0], first.wrapping_add(1), "{name} {side}");
            for w in seqs.windows(2) {
                assert_eq!(w[1], w[0].wrapping_add(1), "{name} {side}");
            }
            assert!(
                seqs.contains(&u32::MAX) && seqs.contains(&0),
                "{name} {side}"
            );
            assert!(seqs.len() > 10, "{name} {side}");
        }
    }
}

#[test]
fn the_legacy_restart_window_is_no_wider_than_the_rule() {
    let ids = identities();
    let open_at = |first: u32, seed: u64| {
        let (mut client, mut server) = none_configs(&ids);
        client.first_sequence_number = first;
        server.first_sequence_number = first;
        let budget = ByteBudget::default();
        let mut pair = pair_with_budget(client, server, &budget, seed);
        let forge = Forge::after_request(&mut pair, Arc::new(none_keys()), MODE_NONE);
        (pair, forge)
    };
    let code = StatusCode::BAD_SEQUENCE_NUMBER_INVALID;

    // The last number is the threshold itself: no restart yet.
    let (mut pair, mut forge) = open_at(LEGACY_WRAP_ABOVE - 1, 26);
    assert_eq!(forge.next_sequence, LEGACY_WRAP_ABOVE + 1);
    forge.next_sequence = 0;
    let c = forge.chunk(ChunkType::Final, 7, b"early restart");
    pair.server.handle_input(pair.now, &c);
    assert_server_failed(&mut pair, code, code, "restart at the threshold");

    // Above it: a restart below 1024 is taken, one at 1024 is not.
    for (restart, taken) in [
        (LEGACY_RESTART_BELOW - 1, true),
        (LEGACY_RESTART_BELOW, false),
    ] {
        let (mut pair, mut forge) = open_at(LEGACY_WRAP_ABOVE, 27);
        assert!(forge.next_sequence > LEGACY_WRAP_ABOVE + 1);
        forge.next_sequence = restart;
        let c = forge.chunk(ChunkType::Final, 7, b"restart");
        pair.server.handle_input(pair.now, &c);
        if taken {
            let c = forge.chunk(ChunkType::Final, 8, b"next");
            pair.server.handle_input(pair.now, &c);
            pair.collect();
            assert_eq!(
                Pair::messages(&pair.server_events),
                vec![(7, b"restart".to_vec()), (8, b"next".to_vec())]
            );
            assert_eq!(pair.server.state(), ServerState::Open);
        } else {
            assert_server_failed(&mut pair, code, code, "restart at 1024");
        }
    }
}

fn sequence_policies() -> [(&'static BuiltinPolicy, MessageSecurityMode); 2] {
    [(&NONE, MODE_NONE), (&BASIC256_SHA256, SIGN)]
}

#[test]
fn a_replayed_chunk_closes_the_server() {
    let ids = identities();
    for (policy, mode) in sequence_policies() {
        let name = format!("{} {mode:?}", policy.descriptor().name);
        // Replayed at once.
        let mut pair = open_pair(client_config(&ids, policy, mode), server_config(&ids), 1);
        let a = pair.client.send_request(b"first").unwrap();
        pair.collect();
        let bytes = std::mem::take(&mut pair.to_server);
        pair.server.handle_input(pair.now, &bytes);
        pair.server.handle_input(pair.now, &bytes);
        pair.collect();
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(a, b"first".to_vec())]
        );
        let code = StatusCode::BAD_SEQUENCE_NUMBER_INVALID;
        assert_server_failed(&mut pair, code, code, &format!("{name} replay"));

        // Replayed after a newer chunk.
        let mut pair = open_pair(client_config(&ids, policy, mode), server_config(&ids), 2);
        pair.client.send_request(b"old").unwrap();
        pair.collect();
        let old = std::mem::take(&mut pair.to_server);
        pair.server.handle_input(pair.now, &old);
        pair.client.send_request(b"new").unwrap();
        pair.deliver_to_server();
        assert_eq!(Pair::messages(&pair.server_events).len(), 2, "{name}");
        pair.server.handle_input(pair.now, &old);
        assert_server_failed(&mut pair, code, code, &format!("{name} old replay"));
        assert_eq!(Pair::messages(&pair.server_events).len(), 2, "{name}");
    }
}

#[test]
fn reordered_chunks_close_the_server() {
    let ids = identities();
    for (policy, mode) in sequence_policies() {
        let name = format!("{} {mode:?} reordered", policy.descriptor().name);
        let mut pair = open_pair(client_config(&ids, policy, mode), server_config(&ids), 3);
        pair.client.send_request(b"one").unwrap();
        pair.client.send_request(b"two").unwrap();
        pair.collect();
        let chunks = frames(&std::mem::take(&mut pair.to_server));
        assert_eq!(chunks.len(), 2);
        pair.server.handle_input(pair.now, &chunks[1]);
        pair.server.handle_input(pair.now, &chunks[0]);
        let code = StatusCode::BAD_SEQUENCE_NUMBER_INVALID;
        assert_server_failed(&mut pair, code, code, &name);
        assert!(Pair::messages(&pair.server_events).is_empty(), "{name}");
    }
}

#[test]
fn a_dropped_chunk_closes_the_server() {
    let ids = identities();
    for (policy, mode) in sequence_policies() {
        let name = format!("{} {mode:?} dropped", policy.descriptor().name);
        let mut pair = open_pair(client_config(&ids, policy, mode), server_config(&ids), 4);
        let one = pair.client.send_request(b"one").unwrap();
        pair.client.send_request(b"two").unwrap();
        pair.client.send_request(b"three").unwrap();
        pair.collect();
        let chunks = frames(&std::mem::take(&mut pair.to_server));
        assert_eq!(chunks.len(), 3);
        pair.server.handle_input(pair.now, &chunks[0]);
        pair.server.handle_input(pair.now, &chunks[2]);
        let code = StatusCode::BAD_SEQUENCE_NUMBER_INVALID;
        assert_server_failed(&mut pair, code, code, &name);
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(one, b"one".to_vec())],
            "{name}"
        );
    }
}

#[test]
fn a_tampered_chunk_closes_the_server() {
    let ids = identities();
    for mode in [SIGN, SIGN_ENCRYPT] {
        // The last byte (signature) and a byte of the secured part.
        for from_end in [1usize, 40] {
            let name = format!("{mode:?} byte {from_end} from the end");
            let client = client_config(&ids, &BASIC256_SHA256, mode);
            let mut pair = open_pair(client, server_config(&ids), 9);
            pair.client.send_request(&body(5, 100)).unwrap();
            pair.collect();
            let mut bytes = std::mem::take(&mut pair.to_server);
            let at = bytes.len() - from_end;
            bytes[at] ^= 0x01;
            pair.server.handle_input(pair.now, &bytes);
            let code = StatusCode::BAD_SECURITY_CHECKS_FAILED;
            assert_server_failed(&mut pair, code, code, &name);
            assert!(Pair::messages(&pair.server_events).is_empty(), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Abort chunks
// ---------------------------------------------------------------------------

#[test]
fn an_abort_chunk_from_the_client_drops_the_partial_request() {
    let ids = identities();
    let (client, server) = none_configs(&ids);
    let mut pair = open_pair(client, server, 5);
    let id = pair.client.send_request(&body(1, 150_000)).unwrap();
    pair.collect();
    let chunks = frames(&std::mem::take(&mut pair.to_server));
    assert_eq!(chunks.len(), 3);
    for c in &chunks[..2] {
        assert_eq!(&c[..4], b"MSGC");
        pair.server.handle_input(pair.now, c);
    }
    let held = chunks[0].len() + chunks[1].len() - 2 * SYMMETRIC_OVERHEAD;
    assert_eq!(pair.server.buffered(), held);
    assert_eq!(pair.budget.used(), held);

    let code = StatusCode::BAD_REQUEST_TOO_LARGE;
    pair.server
        .handle_input(pair.now, &abort_in_place_of(&chunks[2], code));
    pair.collect();
    assert_eq!(
        pair.server_events,
        vec![Event::Aborted {
            request_id: id,
            code
        }]
    );
    assert_eq!(pair.server.buffered(), 0);
    assert_eq!(pair.budget.used(), 0);
    assert_eq!(pair.server.state(), ServerState::Open);
    assert!(pair.to_client.is_empty(), "nothing sent back for an abort");

    // The channel goes on.
    pair.server_events.clear();
    let next = pair.client.send_request(b"after").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.server_events),
        vec![(next, b"after".to_vec())]
    );
    pair.server.send_response(next, b"answer").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.client_events),
        vec![(next, b"answer".to_vec())]
    );
    assert_eq!(Pair::closed(&pair.server_events), None);
}

#[test]
fn an_abort_chunk_from_the_server_drops_the_partial_response() {
    let ids = identities();
    let (client, server) = none_configs(&ids);
    let mut pair = open_pair(client, server, 6);
    let id = pair.client.send_request(b"big please").unwrap();
    pair.drive();
    pair.server.send_response(id, &body(2, 150_000)).unwrap();
    pair.collect();
    let chunks = frames(&std::mem::take(&mut pair.to_client));
    assert_eq!(chunks.len(), 3);
    for c in &chunks[..2] {
        pair.client.handle_input(pair.now, c);
    }
    let code = StatusCode::BAD_RESPONSE_TOO_LARGE;
    pair.client
        .handle_input(pair.now, &abort_in_place_of(&chunks[2], code));
    pair.collect();
    assert_eq!(
        pair.client_events,
        vec![Event::Aborted {
            request_id: id,
            code
        }]
    );
    assert_eq!(pair.client.state(), ClientState::Open);

    pair.client_events.clear();
    let next = pair.client.send_request(b"again").unwrap();
    pair.drive();
    pair.server.send_response(next, b"small").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.client_events),
        vec![(next, b"small".to_vec())]
    );
    assert_eq!(Pair::closed(&pair.client_events), None);
}

#[test]
fn abort_request_and_abort_response_reach_the_other_side() {
    let ids = identities();
    for (policy, mode) in sequence_policies() {
        let name = format!("{} {mode:?}", policy.descriptor().name);
        let mut pair = open_pair(client_config(&ids, policy, mode), server_config(&ids), 8);
        let id = pair.client.send_request(b"slow").unwrap();
        pair.drive();
        pair.client
            .abort_request(id, StatusCode::BAD_TIMEOUT)
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.server_events,
            vec![
                Event::Message {
                    request_id: id,
                    body: b"slow".to_vec()
                },
                Event::Aborted {
                    request_id: id,
                    code: StatusCode::BAD_TIMEOUT
                }
            ],
            "{name}"
        );
        pair.server
            .abort_response(id, StatusCode::BAD_RESPONSE_TOO_LARGE)
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.client_events,
            vec![Event::Aborted {
                request_id: id,
                code: StatusCode::BAD_RESPONSE_TOO_LARGE
            }],
            "{name}"
        );
        // Both sides stay open and keep their sequence numbers.
        let next = pair.client.send_request(b"next").unwrap();
        pair.drive();
        pair.server.send_response(next, b"done").unwrap();
        pair.drive();
        assert_eq!(
            Pair::messages(&pair.client_events),
            vec![(next, b"done".to_vec())],
            "{name}"
        );
        assert_eq!(pair.server.state(), ServerState::Open, "{name}");
        assert_eq!(pair.client.state(), ClientState::Open, "{name}");
        assert_eq!(pair.budget.used(), 0, "{name}");
    }
}

// ---------------------------------------------------------------------------
// 3. The server's checks of OpenSecureChannel and MSG headers
// ---------------------------------------------------------------------------

#[test]
fn an_opn_for_another_certificate_is_refused() {
    let ids = identities();
    let other: Arc<[u8]> = captures()
        .iter()
        .map(|(_, v)| h(v, "server_certificate_der_hex"))
        .find(|c| c[..] != ids.server.certificate[..])
        .expect("a second server certificate among the captures")
        .into();
    let mut client = client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT);
    client.server_certificate = Some(other);
    let mut pair = Pair::new(client, server_config(&ids), 10);
    handshake_to_server_answer(&mut pair);
    assert_server_failed(
        &mut pair,
        StatusCode::BAD_CERTIFICATE_INVALID,
        StatusCode::BAD_SECURITY_CHECKS_FAILED,
        "receiver thumbprint of another certificate",
    );
    assert!(
        !pair
            .server_events
            .iter()
            .any(|e| matches!(e, Event::Opened { .. }))
    );
}

/// An OpenSecureChannel (Issue, Basic256Sha256 SignAndEncrypt) built by
/// hand: sent by `sender`, for the server of `ids`.
fn hand_built_opn(ids: &Identities, sender: &Identity) -> Vec<u8> {
    let descriptor = BASIC256_SHA256.descriptor();
    let request = OpenSecureChannelRequest {
        request_header: RequestHeader {
            request_handle: 1,
            ..RequestHeader::default()
        },
        client_protocol_version: 0,
        request_type: SecurityTokenRequestType::Issue,
        security_mode: SIGN_ENCRYPT,
        client_nonce: ByteString::from(&[7u8; 32][..]),
        requested_lifetime: 60_000,
    };
    let mut body = Vec::new();
    encode_message(&request, &mut Writer::new(&mut body)).unwrap();
    let server_leaf = leaf(&ids.server.certificate).unwrap();
    let receiver = thumbprint(server_leaf);
    let server_key = BASIC256_SHA256.peer_key(server_leaf).unwrap();
    let chunk = OpnChunk {
        secure_channel_id: 0,
        security_header: AsymmetricSecurityHeader {
            security_policy_uri: Some(descriptor.uri),
            sender_certificate: Some(&sender.certificate),
            receiver_certificate_thumbprint: Some(&receiver),
        },
        sequence: SequenceHeader {
            sequence_number: 1,
            request_id: 1,
        },
    };
    let mut out = Vec::new();
    secure_asymmetric(
        &mut out,
        &chunk,
        &body,
        descriptor,
        Some((&*sender.key, &*server_key)),
        65_535,
        &mut StdRng::seed_from_u64(3),
    )
    .unwrap();
    out
}

#[test]
fn the_servers_own_certificate_as_the_client_is_refused() {
    let ids = identities();
    // The same hand-built request from the client's identity opens: the
    // request itself is sound.
    let mut pair = Pair::new(
        client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT),
        server_config(&ids),
        11,
    );
    pair.deliver_to_server();
    pair.server
        .handle_input(pair.now, &hand_built_opn(&ids, &ids.client));
    pair.collect();
    assert!(
        matches!(pair.server_events.first(), Some(Event::Opened { .. })),
        "{:?}",
        pair.server_events
    );
    assert_eq!(pair.server.state(), ServerState::Open);

    // From the server's own identity: a reflection, refused.
    let mut pair = Pair::new(
        client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT),
        server_config(&ids),
        11,
    );
    pair.deliver_to_server();
    pair.server
        .handle_input(pair.now, &hand_built_opn(&ids, &ids.server));
    let code = StatusCode::BAD_SECURITY_CHECKS_FAILED;
    assert_server_failed(&mut pair, code, code, "reflection");
    assert!(
        !pair
            .server_events
            .iter()
            .any(|e| matches!(e, Event::Opened { .. }))
    );
}

#[test]
fn a_replayed_issue_opn_on_an_open_channel_is_refused() {
    let ids = identities();
    let client = client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT);
    let mut pair = Pair::new(client, server_config(&ids), 18);
    pair.deliver_to_server();
    pair.deliver_to_client();
    let issue = pair.to_server.clone();
    assert_eq!(&issue[..4], b"OPNF");
    pair.drive();
    assert_eq!(pair.server.state(), ServerState::Open);
    pair.server.handle_input(pair.now, &issue);
    let code = StatusCode::BAD_TCP_SECURE_CHANNEL_UNKNOWN;
    assert_server_failed(&mut pair, code, code, "Issue OPN replayed");
    assert_eq!(
        pair.server_events
            .iter()
            .filter(|e| matches!(e, Event::Opened { .. } | Event::TokenRenewed { .. }))
            .count(),
        1
    );
}

/// A client identity from the captures other than the one `identities`
/// gives.
fn another_client_identity(ids: &Identities) -> Identity {
    captures()
        .iter()
        .map(|(_, v)| v)
        .find(|v| h(v, "client_certificate_der_hex")[..] != ids.client.certificate[..])
        .map(|v| Identity {
            certificate: h(v, "client_certificate_der_hex").into(),
            key: Arc::new(
                uasc::key::RsaPrivateKey::from_pkcs8_pem(common::s(v, "client_private_key_pem"))
                    .unwrap(),
            ),
        })
        .expect("a second client identity among the captures")
}

#[test]
fn a_renewal_from_another_certificate_is_refused() {
    let ids = identities();
    // Two connections whose servers draw the same SecureChannelId; the
    // second client has another certificate. Its renewal, sent to the first
    // server, passes the channel and thumbprint checks and must fail on the
    // certificate.
    let mut client = client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT);
    client.requested_lifetime = 60_000;
    let mut other = client.clone();
    other.identity = Some(another_client_identity(&ids));
    let mut victim = open_pair(client, server_config(&ids), 19);
    let mut intruder = open_pair(other, server_config(&ids), 19);
    assert_eq!(victim.server.channel_id(), intruder.server.channel_id());

    let due = intruder.client.poll_timeout().expect("renewal timer");
    intruder.advance_to(due);
    let renew = std::mem::take(&mut intruder.to_server);
    assert_eq!(&renew[..4], b"OPNF");
    victim.now = due;
    victim.server.handle_input(victim.now, &renew);
    let code = StatusCode::BAD_SECURITY_CHECKS_FAILED;
    assert_server_failed(&mut victim, code, code, "renewal from another certificate");
    assert!(
        !victim
            .server_events
            .iter()
            .any(|e| matches!(e, Event::TokenRenewed { .. }))
    );
}

/// Refuses every certificate with one code, and records what it was shown.
#[derive(Debug)]
struct Refuse {
    code: StatusCode,
    seen: Mutex<Vec<(Vec<u8>, Role)>>,
}

impl CertificateValidator for Refuse {
    fn validate(&self, chain: &[u8], context: &ValidationContext<'_>) -> uasc::Result<()> {
        self.seen
            .lock()
            .unwrap()
            .push((chain.to_vec(), context.peer_role));
        Err(Error::Certificate(self.code))
    }
}

#[test]
fn certificate_refusals_leak_only_what_opc_10000_4_allows() {
    let ids = identities();
    let checks_failed = StatusCode::BAD_SECURITY_CHECKS_FAILED;
    for (code, wire) in [
        (StatusCode::BAD_CERTIFICATE_UNTRUSTED, checks_failed),
        (StatusCode::BAD_CERTIFICATE_REVOKED, checks_failed),
        (StatusCode::BAD_CERTIFICATE_INVALID, checks_failed),
        (
            StatusCode::BAD_CERTIFICATE_TIME_INVALID,
            StatusCode::BAD_CERTIFICATE_TIME_INVALID,
        ),
        (
            StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED,
            StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED,
        ),
        (
            StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN,
            StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN,
        ),
    ] {
        let validator = Arc::new(Refuse {
            code,
            seen: Mutex::default(),
        });
        let mut server = server_config(&ids);
        server.validator = validator.clone();
        let client = client_config(&ids, &BASIC256_SHA256, SIGN_ENCRYPT);
        let mut pair = Pair::new(client, server, 12);
        handshake_to_server_answer(&mut pair);
        assert_server_failed(&mut pair, code, wire, &format!("{code}"));
        let seen = validator.seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "{code}");
        assert_eq!(seen[0].0[..], ids.client.certificate[..], "{code}");
        assert_eq!(seen[0].1, Role::Client, "{code}");
    }
}

#[test]
fn an_unknown_token_id_closes_the_server() {
    let ids = identities();
    let (client, server) = none_configs(&ids);
    let mut pair = open_pair(client, server, 13);
    pair.client.send_request(b"x").unwrap();
    pair.collect();
    let mut bytes = std::mem::take(&mut pair.to_server);
    let token = u32_at(&bytes, 12);
    put_u32(&mut bytes, 12, token.wrapping_add(1000));
    pair.server.handle_input(pair.now, &bytes);
    let code = StatusCode::BAD_SECURE_CHANNEL_TOKEN_UNKNOWN;
    assert_server_failed(&mut pair, code, code, "unknown TokenId");
    assert!(Pair::messages(&pair.server_events).is_empty());
}

#[test]
fn a_wrong_secure_channel_id_closes_the_server() {
    let ids = identities();
    let (client, server) = none_configs(&ids);
    let mut pair = open_pair(client, server, 14);
    pair.client.send_request(b"x").unwrap();
    pair.collect();
    let mut bytes = std::mem::take(&mut pair.to_server);
    let channel = u32_at(&bytes, 8);
    assert_eq!(channel, pair.server.channel_id());
    put_u32(&mut bytes, 8, channel ^ 0x5A5A_0001);
    pair.server.handle_input(pair.now, &bytes);
    let code = StatusCode::BAD_TCP_SECURE_CHANNEL_UNKNOWN;
    assert_server_failed(&mut pair, code, code, "wrong SecureChannelId");
    assert!(Pair::messages(&pair.server_events).is_empty());
}

/// A CryptoRng that yields `zeros` zero words, then `value` for ever.
struct ZerosThen {
    zeros: u32,
    value: u32,
}

impl TryRng for ZerosThen {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        if self.zeros > 0 {
            self.zeros -= 1;
            return Ok(0);
        }
        Ok(self.value)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(u64::from(self.try_next_u32()?))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = self.try_next_u32()? as u8;
        }
        Ok(())
    }
}

impl TryCryptoRng for ZerosThen {}

#[test]
fn secure_channel_ids_come_from_the_rng_and_are_never_zero() {
    let ids = identities();
    let config = Arc::new(server_config(&ids));
    let (now, utc) = (Instant::now(), SystemTime::now());
    let new = |rng: Box<dyn rand::CryptoRng + Send>| {
        ServerChannel::with_rng(Arc::clone(&config), ByteBudget::default(), rng, now, utc)
            .unwrap()
            .channel_id()
    };
    let channel_ids: Vec<u32> = (0..256)
        .map(|seed| new(Box::new(StdRng::seed_from_u64(seed))))
        .collect();
    assert!(channel_ids.iter().all(|&id| id != 0));
    assert_eq!(channel_ids.iter().collect::<HashSet<_>>().len(), 256);
    // An RNG that starts with zeros: they are skipped, not used.
    assert_eq!(
        new(Box::new(ZerosThen {
            zeros: 3,
            value: 0xC0FF_EE01
        })),
        0xC0FF_EE01
    );
}

// ---------------------------------------------------------------------------
// 4. Security requirement per endpoint
// ---------------------------------------------------------------------------

#[test]
fn security_requirements_accept_and_refuse_modes() {
    let ids = identities();
    let refused = [
        StatusCode::BAD_SECURITY_MODE_REJECTED,
        StatusCode::BAD_SECURITY_POLICY_REJECTED,
    ];
    for requirement in [
        SecurityRequirement::Disabled,
        SecurityRequirement::Optional,
        SecurityRequirement::Mandatory,
    ] {
        for (policy, mode) in [
            (&NONE, MODE_NONE),
            (&BASIC256_SHA256, SIGN),
            (&BASIC256_SHA256, SIGN_ENCRYPT),
        ] {
            let name = format!("{requirement:?} {} {mode:?}", policy.descriptor().name);
            let mut server = server_config(&ids);
            server.security = requirement;
            let mut pair = Pair::new(client_config(&ids, policy, mode), server, 15);
            handshake_to_server_answer(&mut pair);
            let accepted = match requirement {
                SecurityRequirement::Disabled => mode == MODE_NONE,
                SecurityRequirement::Optional => true,
                SecurityRequirement::Mandatory => mode == SIGN_ENCRYPT,
            };
            if accepted {
                pair.drive();
                assert_eq!(pair.server.state(), ServerState::Open, "{name}");
                assert_eq!(pair.client.state(), ClientState::Open, "{name}");
                assert!(
                    matches!(pair.server_events.first(), Some(Event::Opened { .. })),
                    "{name}"
                );
            } else {
                pair.collect();
                let code = Pair::closed(&pair.server_events);
                assert!(
                    code.is_some_and(|c| refused.contains(&c)),
                    "{name}: {code:?}"
                );
                assert_server_failed(&mut pair, code.unwrap(), code.unwrap(), &name);
                assert!(
                    !pair
                        .server_events
                        .iter()
                        .any(|e| matches!(e, Event::Opened { .. })),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn a_policy_the_server_does_not_offer_is_refused() {
    let ids = identities();
    let code = StatusCode::BAD_SECURITY_POLICY_REJECTED;
    // An RSA policy missing from the list.
    let mut server = server_config(&ids);
    server.policies = vec![shared(&NONE), shared(&BASIC256_SHA256)];
    let client = client_config(&ids, &AES128_SHA256_RSA_OAEP, SIGN);
    let mut pair = Pair::new(client, server, 16);
    handshake_to_server_answer(&mut pair);
    assert_server_failed(&mut pair, code, code, "Aes128_Sha256_RsaOaep not offered");
    // None missing from the list, although the requirement would allow it.
    let mut server = server_config(&ids);
    server.policies = vec![shared(&BASIC256_SHA256)];
    let mut pair = Pair::new(client_config(&ids, &NONE, MODE_NONE), server, 17);
    handshake_to_server_answer(&mut pair);
    assert_server_failed(&mut pair, code, code, "None not offered");
}

// ---------------------------------------------------------------------------
// 5. Receive limits at their edges
// ---------------------------------------------------------------------------

/// Policy None with 8192-byte chunks from the client, the server announcing
/// no message limits (so the client sends whatever it is asked to) but
/// enforcing `receive`.
fn limited_configs(ids: &Identities, receive: ReceiveLimits) -> (ClientConfig, ServerConfig) {
    let (mut client, mut server) = none_configs(ids);
    client.connection.send_buffer_size = 8192;
    server.connection.receive_buffer_size = 8192;
    server.connection.max_message_size = 0;
    server.connection.max_chunk_count = 0;
    server.receive = receive;
    (client, server)
}

/// Opens a pair whose client never learns the server's message limits: the
/// Acknowledge is rewritten in flight to announce none (MaxMessageSize and
/// MaxChunkCount 0), so that what the client sends tests the server's own
/// enforcement, not the client's restraint.
fn open_pair_unaware(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
    let mut pair = Pair::new(client, server, seed);
    pair.deliver_to_server();
    assert_eq!(&pair.to_client[..3], b"ACK");
    put_u32(&mut pair.to_client, 20, 0);
    put_u32(&mut pair.to_client, 24, 0);
    pair.open();
    pair.client_events.clear();
    pair.server_events.clear();
    pair
}

#[test]
fn the_acknowledge_announces_what_the_server_enforces() {
    // The server's ReceiveLimits are tighter than its ConnectionLimits (or
    // the ConnectionLimits say "no limit"): the ACK announces the lower
    // value, so a client that honours it is never disconnected for a
    // message the ACK allowed, and refuses a larger one itself.
    let ids = identities();
    let per_chunk = per_chunk_8192();
    for (connection, receive) in [((0, 0), (20_000, 3)), ((10_000, 100), (1 << 20, 256))] {
        let (client, mut server) = limited_configs(
            &ids,
            ReceiveLimits {
                max_chunk_count: receive.1,
                max_message_size: receive.0,
                max_partial_messages: 16,
            },
        );
        (
            server.connection.max_message_size,
            server.connection.max_chunk_count,
        ) = connection;
        let mut pair = Pair::new(client, server, 26);
        pair.deliver_to_server();
        let ack = pair.to_client.clone();
        let lower = |a: u32, b: usize| if a == 0 { b as u32 } else { a.min(b as u32) };
        assert_eq!(
            u32_at(&ack, 20),
            lower(connection.0, receive.0),
            "MaxMessageSize"
        );
        assert_eq!(
            u32_at(&ack, 24),
            lower(connection.1, receive.1),
            "MaxChunkCount"
        );
        pair.open();
        assert_eq!(
            pair.client.negotiated().unwrap().peer_max_message_size,
            u32_at(&ack, 20)
        );
        let max = (u32_at(&ack, 20) as usize).min(u32_at(&ack, 24) as usize * per_chunk);
        // The largest message the ACK allows goes through...
        let id = pair.client.send_request(&body(1, max)).unwrap();
        pair.drive();
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(id, body(1, max))]
        );
        // ... and one byte more is refused by the client, which stays open.
        let e = pair.client.send_request(&body(1, max + 1)).unwrap_err();
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST_TOO_LARGE);
        assert_eq!(pair.client.state(), ClientState::Open);
        assert_eq!(pair.server.state(), ServerState::Open);
    }
    // The client announces its own receive limits in its Hello the same way.
    let (mut client, server) = none_configs(&ids);
    client.connection.max_message_size = 0;
    client.receive.max_chunk_count = 7;
    let mut pair = Pair::new(client, server, 27);
    pair.collect();
    let hello = pair.to_server.clone();
    assert_eq!(&hello[..3], b"HEL");
    assert_eq!(
        u32_at(&hello, 20),
        ReceiveLimits::DEFAULT.max_message_size as u32
    );
    assert_eq!(u32_at(&hello, 24), 7);
}

fn per_chunk_8192() -> usize {
    let n = max_body_size(&none_keys(), MODE_NONE, 8192).unwrap();
    assert_eq!(n, 8192 - SYMMETRIC_OVERHEAD);
    n
}

#[test]
fn max_chunk_count_holds_exactly_at_the_edge() {
    let ids = identities();
    let per_chunk = per_chunk_8192();
    let receive = ReceiveLimits {
        max_chunk_count: 4,
        max_message_size: 1 << 20,
        max_partial_messages: 16,
    };
    let (client, server) = limited_configs(&ids, receive);
    let mut pair = open_pair_unaware(client, server, 20);

    let exact = body(1, 4 * per_chunk);
    let id = pair.client.send_request(&exact).unwrap();
    pair.collect();
    assert_eq!(frames(&pair.to_server).len(), 4);
    pair.deliver_to_server();
    assert_eq!(Pair::messages(&pair.server_events), vec![(id, exact)]);
    assert_eq!(pair.server.buffered(), 0);

    pair.client
        .send_request(&body(2, 4 * per_chunk + 1))
        .unwrap();
    pair.collect();
    assert_eq!(frames(&pair.to_server).len(), 5);
    pair.deliver_to_server();
    let code = StatusCode::BAD_ENCODING_LIMITS_EXCEEDED;
    assert_server_failed(&mut pair, code, code, "one chunk over MaxChunkCount");
    assert_eq!(Pair::messages(&pair.server_events).len(), 1);
    assert!(pair.budget.used() <= 4 * per_chunk);
}

#[test]
fn a_chunk_over_the_receive_buffer_size_is_refused_from_its_header() {
    let ids = identities();
    let (client, server) = limited_configs(&ids, ReceiveLimits::DEFAULT);
    let mut pair = open_pair(client, server, 25);
    // A chunk of exactly the receive buffer size is taken.
    let request = body(6, per_chunk_8192() + 1);
    let id = pair.client.send_request(&request).unwrap();
    pair.collect();
    assert_eq!(frames(&pair.to_server)[0].len(), 8192);
    pair.deliver_to_server();
    assert_eq!(Pair::messages(&pair.server_events), vec![(id, request)]);
    // A header announcing one byte more is refused before anything else
    // arrives.
    let mut header = b"MSGC".to_vec();
    header.extend_from_slice(&8193u32.to_le_bytes());
    header.extend_from_slice(&pair.server.channel_id().to_le_bytes());
    pair.server.handle_input(pair.now, &header);
    let code = StatusCode::BAD_TCP_MESSAGE_TOO_LARGE;
    assert_server_failed(&mut pair, code, code, "8193-byte chunk");
    assert_eq!(pair.budget.used(), 0);
}

#[test]
fn max_message_size_holds_exactly_at_the_edge() {
    let ids = identities();
    let per_chunk = per_chunk_8192();
    // One chunk (the Final chunk alone), and three chunks.
    for size in [5_000usize, 20_000] {
        let receive = ReceiveLimits {
            max_chunk_count: 256,
            max_message_size: size,
            max_partial_messages: 16,
        };
        let (client, server) = limited_configs(&ids, receive);
        let mut pair = open_pair_unaware(client, server, 21);

        let exact = body(3, size);
        let id = pair.client.send_request(&exact).unwrap();
        pair.collect();
        assert_eq!(frames(&pair.to_server).len(), size.div_ceil(per_chunk));
        pair.deliver_to_server();
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(id, exact)],
            "{size}"
        );

        pair.client.send_request(&body(4, size + 1)).unwrap();
        pair.deliver_to_server();
        let code = StatusCode::BAD_TCP_MESSAGE_TOO_LARGE;
        assert_server_failed(&mut pair, code, code, &format!("{size} + 1 bytes"));
        assert_eq!(Pair::messages(&pair.server_events).len(), 1, "{size}");
        assert!(pair.budget.used() <= size, "{size}");
    }
}

#[test]
fn too_many_partial_messages_close_the_server() {
    let ids = identities();
    for sign in [false, true] {
        let receive = ReceiveLimits {
            max_chunk_count: 256,
            max_message_size: 1 << 20,
            max_partial_messages: 3,
        };
        let mut server = server_config(&ids);
        server.receive = receive;
        let budget = ByteBudget::new(1 << 20);
        let (mut pair, mut forge) = forging_pair(&ids, sign, server, &budget, 22);
        let name = if sign { "Sign" } else { "None" };

        for id in [100, 101, 102] {
            let c = forge.chunk(ChunkType::Intermediate, id, &[id as u8; 100]);
            pair.server.handle_input(pair.now, &c);
        }
        // More of a message already open is fine.
        let c = forge.chunk(ChunkType::Intermediate, 101, &[7; 100]);
        pair.server.handle_input(pair.now, &c);
        assert_eq!(pair.server.buffered(), 400, "{name}");
        assert_eq!(pair.budget.used(), 400, "{name}");
        // Finishing one frees its place.
        let c = forge.chunk(ChunkType::Final, 100, b"end");
        pair.server.handle_input(pair.now, &c);
        pair.collect();
        let mut whole = vec![100u8; 100];
        whole.extend_from_slice(b"end");
        assert_eq!(
            Pair::messages(&pair.server_events),
            vec![(100, whole)],
            "{name}"
        );
        assert_eq!(pair.server.buffered(), 300, "{name}");
        let c = forge.chunk(ChunkType::Intermediate, 103, &[3; 10]);
        pair.server.handle_input(pair.now, &c);
        assert_eq!(pair.server.state(), ServerState::Open, "{name}");
        // A fourth partial message at once.
        let c = forge.chunk(ChunkType::Intermediate, 104, &[4; 10]);
        pair.server.handle_input(pair.now, &c);
        let code = StatusCode::BAD_ENCODING_LIMITS_EXCEEDED;
        assert_server_failed(&mut pair, code, code, name);
        assert!(pair.server.buffered() <= 310, "{name}");
        drop(pair);
        assert_eq!(
            budget.used(),
            0,
            "{name}: released when the channel is dropped"
        );
    }
}

#[test]
fn a_shared_byte_budget_binds_across_channels() {
    let ids = identities();
    let budget = ByteBudget::new(20_000);
    let mut server = server_config(&ids);
    server.receive = ReceiveLimits::DEFAULT;
    let (mut first, mut first_forge) = forging_pair(&ids, false, server.clone(), &budget, 23);
    let (mut second, mut second_forge) = forging_pair(&ids, false, server, &budget, 24);
    assert_ne!(first.server.channel_id(), second.server.channel_id());

    for _ in 0..2 {
        let c = first_forge.chunk(ChunkType::Intermediate, 1, &[1; 8_000]);
        first.server.handle_input(first.now, &c);
        assert!(budget.used() <= budget.limit());
    }
    assert_eq!(budget.used(), 16_000);
    assert_eq!(first.server.buffered(), 16_000);

    // 4 000 bytes are left: the second channel may take a chunk of 4 000
    // bytes (the whole frame is reserved while it arrives, its body once
    // buffered), no more.
    let c = second_forge.chunk(ChunkType::Intermediate, 1, &[2; 4_000 - SYMMETRIC_OVERHEAD]);
    assert_eq!(c.len(), 4_000);
    second.server.handle_input(second.now, &c[..100]);
    assert_eq!(budget.used(), 20_000, "the frame's size, from its header");
    second.server.handle_input(second.now, &c[100..]);
    assert_eq!(budget.used(), 20_000 - SYMMETRIC_OVERHEAD);
    assert_eq!(second.server.state(), ServerState::Open);
    let c = second_forge.chunk(ChunkType::Intermediate, 2, &[2; 1]);
    second.server.handle_input(second.now, &c);
    assert!(budget.used() <= budget.limit());
    let code = StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES;
    assert_server_failed(&mut second, code, code, "second channel over the budget");
    // A closed channel gives its bytes back at once, not when dropped.
    assert_eq!(budget.used(), 16_000);
    assert_eq!(second.server.buffered(), 0);

    // The first channel is unaffected and completes its message.
    let c = first_forge.chunk(ChunkType::Final, 1, b"!");
    first.server.handle_input(first.now, &c);
    first.collect();
    assert_eq!(Pair::messages(&first.server_events)[0].1.len(), 16_001);
    assert_eq!(first.server.state(), ServerState::Open);
    assert_eq!(budget.used(), 0);
}

// ---------------------------------------------------------------------------
// 6. Chunk floods
// ---------------------------------------------------------------------------

/// Feeds endless intermediate chunks of `chunk_body` bytes, round-robin over
/// `ids` RequestIds, until the server closes; checks the budget and the
/// buffered bytes after every chunk. Returns the code and chunks sent.
fn flood(
    pair: &mut Pair,
    forge: &mut Forge,
    ids: u32,
    chunk_body: usize,
    bound: usize,
) -> (StatusCode, usize) {
    let payload = vec![0xAB; chunk_body];
    for n in 0..100_000usize {
        let request_id = 1_000 + (n as u32 % ids);
        let c = forge.chunk(ChunkType::Intermediate, request_id, &payload);
        pair.server.handle_input(pair.now, &c);
        let used = pair.budget.used();
        assert!(used <= pair.budget.limit(), "chunk {n}: {used} used");
        assert!(pair.server.buffered() <= bound, "chunk {n}");
        assert!(pair.server.buffered() <= used, "chunk {n}");
        if pair.server.state() == ServerState::Closed {
            pair.collect();
            let code = Pair::closed(&pair.server_events).expect("a Closed event");
            assert_eq!(err_code(&pair.to_client), Some(code));
            return (code, n + 1);
        }
    }
    panic!("the flood never ended");
}

#[test]
fn a_chunk_flood_ends_at_the_binding_limit() {
    let ids = identities();
    let full = 65_535 - SYMMETRIC_OVERHEAD;
    struct Case {
        name: &'static str,
        limits: ReceiveLimits,
        budget: usize,
        ids: u32,
        expected: StatusCode,
    }
    let cases = [
        // Defaults, a 4 MiB budget, 16 interleaved RequestIds: the budget
        // binds before any message reaches its own limits.
        Case {
            name: "budget",
            limits: ReceiveLimits::DEFAULT,
            budget: 4 << 20,
            ids: 16,
            expected: StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES,
        },
        // Eight chunks a message: the ninth chunk of the first RequestId.
        Case {
            name: "chunk count",
            limits: ReceiveLimits {
                max_chunk_count: 8,
                ..ReceiveLimits::DEFAULT
            },
            budget: 64 << 20,
            ids: 16,
            expected: StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        },
        // 100 000 bytes a message: the second chunk of the first RequestId.
        Case {
            name: "message size",
            limits: ReceiveLimits {
                max_message_size: 100_000,
                ..ReceiveLimits::DEFAULT
            },
            budget: 64 << 20,
            ids: 16,
            expected: StatusCode::BAD_TCP_MESSAGE_TOO_LARGE,
        },
        // A new RequestId for every chunk: the seventeenth.
        Case {
            name: "partial messages",
            limits: ReceiveLimits::DEFAULT,
            budget: 64 << 20,
            ids: 1_000_000,
            expected: StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
        },
    ];
    for sign in [false, true] {
        for case in &cases {
            let name = format!("{} {}", if sign { "Sign" } else { "None" }, case.name);
            let mut server = server_config(&ids);
            server.receive = case.limits;
            let budget = ByteBudget::new(case.budget);
            let (mut pair, mut forge) = forging_pair(&ids, sign, server, &budget, 30);
            let per_chunk = if sign {
                full - forge.keys.signature_len()
            } else {
                full
            };
            let bound = case.limits.max_partial_messages * case.limits.max_message_size;
            let (code, sent) = flood(&mut pair, &mut forge, case.ids, per_chunk, bound);
            assert_eq!(code, case.expected, "{name} after {sent} chunks");
            match case.name {
                "budget" => assert_eq!(sent, case.budget / per_chunk + 1, "{name}"),
                "chunk count" => assert_eq!(sent, 8 * 16 + 1, "{name}"),
                "message size" => assert_eq!(sent, 16 + 1, "{name}"),
                _ => assert_eq!(sent, 16 + 1, "{name}"),
            }
            drop(pair);
            assert_eq!(budget.used(), 0, "{name}");
        }
    }
}

#[test]
fn a_flood_from_the_real_client_in_sign_mode_ends_at_max_chunk_count() {
    // The client sends one 20 MiB request whose chunks the server takes one
    // by one: the 257th chunk is over a MaxChunkCount of 256.
    let ids = identities();
    let mut server = server_config(&ids);
    server.receive.max_chunk_count = 256;
    let mut pair = open_pair_unaware(client_config(&ids, &BASIC256_SHA256, SIGN), server, 31);
    pair.client.send_request(&body(9, 20 << 20)).unwrap();
    pair.collect();
    let bytes = std::mem::take(&mut pair.to_server);
    let chunks = frames(&bytes);
    assert!(chunks.len() > 256);
    for (n, c) in chunks.iter().enumerate() {
        pair.server.handle_input(pair.now, c);
        assert!(pair.budget.used() <= pair.budget.limit());
        assert!(pair.server.buffered() <= ReceiveLimits::DEFAULT.max_message_size);
        if pair.server.state() == ServerState::Closed {
            assert_eq!(n, 256, "closed at chunk {n}");
            break;
        }
    }
    let code = StatusCode::BAD_ENCODING_LIMITS_EXCEEDED;
    assert_server_failed(&mut pair, code, code, "20 MiB request");
}

// ---------------------------------------------------------------------------
// 7. Timeouts
// ---------------------------------------------------------------------------

#[test]
fn a_handshake_that_never_completes_times_out_exactly() {
    let ids = identities();
    let server_timeout = Duration::from_secs(5);
    let client_timeout = Duration::from_secs(7);
    // Nothing delivered; the Hello only; Hello and Acknowledge, the OPN lost.
    for stage in 0..3 {
        let (mut client, mut server) = none_configs(&ids);
        client.timeouts.handshake = client_timeout;
        server.timeouts.handshake = server_timeout;
        let mut pair = Pair::new(client, server, 40);
        if stage >= 1 {
            pair.deliver_to_server();
        }
        if stage >= 2 {
            pair.deliver_to_client();
        }
        pair.to_server.clear();
        let server_deadline = pair.start + server_timeout;
        let client_deadline = pair.start + client_timeout;
        assert_eq!(pair.server.poll_timeout(), Some(server_deadline), "{stage}");
        assert_eq!(pair.client.poll_timeout(), Some(client_deadline), "{stage}");

        pair.advance_to(server_deadline - Duration::from_nanos(1));
        let waiting = if stage == 0 {
            ServerState::AwaitHello
        } else {
            ServerState::AwaitOpen
        };
        assert_eq!(pair.server.state(), waiting, "{stage}");
        assert_eq!(Pair::closed(&pair.server_events), None, "{stage}");
        pair.advance_to(server_deadline);
        assert_eq!(
            Pair::closed(&pair.server_events),
            Some(StatusCode::BAD_TIMEOUT),
            "{stage}"
        );
        assert_eq!(pair.server.state(), ServerState::Closed);
        assert_eq!(err_code(&pair.to_client), Some(StatusCode::BAD_TIMEOUT));
        assert_eq!(pair.server.poll_timeout(), None);

        pair.advance_to(client_deadline - Duration::from_nanos(1));
        assert_eq!(Pair::closed(&pair.client_events), None, "{stage}");
        pair.advance_to(client_deadline);
        assert_eq!(
            Pair::closed(&pair.client_events),
            Some(StatusCode::BAD_TIMEOUT),
            "{stage}"
        );
        assert_eq!(pair.client.state(), ClientState::Closed);
        assert_eq!(pair.client.poll_timeout(), None);
        assert_eq!(closed_events(&pair.server_events), 1);
        assert_eq!(closed_events(&pair.client_events), 1);
    }
}

#[test]
fn a_server_whose_client_never_renews_closes_when_the_token_is_over() {
    let ids = identities();
    let (mut client, server) = none_configs(&ids);
    client.requested_lifetime = 10_000;
    let mut pair = open_pair(client, server, 41);
    let lifetime = Duration::from_secs(10);
    let expires = pair.start + lifetime;

    // Traffic under the token goes on until it expires.
    let id = pair.client.send_request(b"before").unwrap();
    pair.now = expires - Duration::from_millis(1);
    pair.server.handle_timeout(pair.now);
    pair.deliver_to_server();
    assert_eq!(
        Pair::messages(&pair.server_events),
        vec![(id, b"before".to_vec())]
    );

    // The client's renewal (due at 7.5 s) is never sent: only the server's
    // timers fire.
    let due = pair.server.poll_timeout().expect("a token timer");
    assert_eq!(
        due,
        expires,
        "the server allows no grace: {:?}",
        due - pair.start
    );
    pair.server.handle_timeout(due - Duration::from_nanos(1));
    pair.collect();
    assert_eq!(pair.server.state(), ServerState::Open);
    pair.server.handle_timeout(due);
    pair.collect();
    assert_eq!(
        Pair::closed(&pair.server_events),
        Some(StatusCode::BAD_TIMEOUT)
    );
    assert_eq!(pair.server.state(), ServerState::Closed);
    assert_eq!(err_code(&pair.to_client), Some(StatusCode::BAD_TIMEOUT));
    // Whatever the client still sends is not looked at.
    let events = pair.server_events.len();
    pair.client.send_request(b"late").unwrap();
    pair.to_client.clear();
    pair.deliver_to_server();
    assert_eq!(pair.server_events.len(), events);
    assert!(pair.to_client.is_empty());
}

// ---------------------------------------------------------------------------
// 8. Arbitrary bytes after a valid open
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Piece {
    /// Any bytes.
    Raw(Vec<u8>),
    /// A plausible 8-byte header (the size right or any), optionally the
    /// right SecureChannelId and TokenId, then any bytes.
    Framed {
        tag: [u8; 4],
        size: Option<u32>,
        ids: bool,
        rest: Vec<u8>,
    },
    /// A MSG chunk secured as the client would, of any chunk type (0: C,
    /// 1: A with any body, 2: A with a well-formed body, else F).
    Valid {
        chunk_type: u8,
        request_id: u32,
        body: Vec<u8>,
    },
    /// Time passes.
    Tick(u32),
}

fn piece() -> impl Strategy<Value = Piece> {
    let tags = vec![
        *b"MSGF", *b"MSGC", *b"MSGA", *b"OPNF", *b"CLOF", *b"HELF", *b"ERRF", *b"MSGX",
    ];
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..4096).prop_map(Piece::Raw),
        1 => (
            proptest::sample::select(tags),
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 0..3000),
        )
            .prop_map(|(tag, size, ids, rest)| Piece::Framed {
                tag,
                size,
                ids,
                rest
            }),
        3 => (
            0u8..5,
            0u32..6,
            proptest::collection::vec(any::<u8>(), 0..2000)
        )
            .prop_map(|(chunk_type, request_id, body)| Piece::Valid {
                chunk_type,
                request_id,
                body
            }),
        1 => (0u32..20_000).prop_map(Piece::Tick),
    ]
}

#[test]
fn arbitrary_bytes_after_an_open_never_panic_and_closed_stays_closed() {
    let ids = identities();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let strategy = (
        any::<bool>(),
        1usize..700,
        proptest::collection::vec(piece(), 1..10),
    );
    runner
        .run(&strategy, |(sign, split, pieces)| {
            let budget = ByteBudget::new(1 << 20);
            let (mut pair, mut forge) = forging_pair(&ids, sign, server_config(&ids), &budget, 50);
            let channel_id = pair.server.channel_id();
            let token_id = forge.token_id;
            let mut closed = false;
            for piece in pieces {
                let bytes = match piece {
                    Piece::Raw(b) => b,
                    Piece::Framed {
                        tag,
                        size,
                        ids,
                        rest,
                    } => {
                        let mut b = tag.to_vec();
                        let len = (8 + rest.len()) as u32;
                        b.extend_from_slice(&size.unwrap_or(len).to_le_bytes());
                        b.extend_from_slice(&rest);
                        if ids && b.len() >= 16 {
                            put_u32(&mut b, 8, channel_id);
                            put_u32(&mut b, 12, token_id);
                        }
                        b
                    }
                    Piece::Valid {
                        chunk_type,
                        request_id,
                        body,
                    } => {
                        match chunk_type {
                            0 => forge.chunk(ChunkType::Intermediate, request_id, &body),
                            1 => forge.chunk(ChunkType::Abort, request_id, &body),
                            2 => {
                                // A well-formed abort body.
                                let code = StatusCode::from_bits(
                                    body.iter().fold(0x8000_0000, |c, &b| c ^ u32::from(b)),
                                );
                                let abort = abort_body(code, "reason");
                                forge.chunk(ChunkType::Abort, request_id, &abort)
                            }
                            _ => forge.chunk(ChunkType::Final, request_id, &body),
                        }
                    }
                    Piece::Tick(ms) => {
                        pair.now += Duration::from_millis(u64::from(ms));
                        pair.server.handle_timeout(pair.now);
                        Vec::new()
                    }
                };
                for part in bytes.chunks(split) {
                    pair.server.handle_input(pair.now, part);
                }
                let before = pair.server_events.len();
                pair.to_client.clear();
                pair.collect();
                let new = &pair.server_events[before..];
                prop_assert!(budget.used() <= budget.limit());
                prop_assert!(pair.server.buffered() <= budget.used());
                if closed {
                    prop_assert!(new.is_empty(), "events after Closed: {:?}", new);
                    prop_assert!(pair.to_client.is_empty(), "bytes sent after Closed");
                }
                if let Some(i) = new.iter().position(|e| matches!(e, Event::Closed { .. })) {
                    prop_assert!(!closed);
                    prop_assert_eq!(i, new.len() - 1, "events after Closed: {:?}", new);
                    closed = true;
                }
                prop_assert_eq!(pair.server.state() == ServerState::Closed, closed);
                if closed {
                    prop_assert_eq!(pair.server.poll_timeout(), None);
                }
            }
            prop_assert!(closed_events(&pair.server_events) <= 1);
            drop(pair);
            prop_assert_eq!(budget.used(), 0);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
