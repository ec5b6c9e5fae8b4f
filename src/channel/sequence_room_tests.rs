//! AEAD nonces at the wrap of the sequence numbers: the client renews
//! before its token's numbers come back, and neither end ever seals two
//! chunks with the same key and nonce.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use rand_core::SeedableRng;

use super::token::RENEW_MARGIN;
use super::{
    ByteBudget, ClientChannel, ClientConfig, Event, Identity, ReceiveSequence, SecurityRequirement,
    SendSequence, ServerChannel, ServerConfig,
};
use crate::StatusCode;
use crate::cert::{CertificateParams, GeneratedCertificate, InsecureAcceptAnyCertificate};
use crate::key::KeyKind;
use crate::messages::MessageSecurityMode;
use crate::policy::{ECC_NIST_P256_AES_GCM, ECC_NIST_P256_CHACHA_POLY, SecurityPolicy};

/// A deterministic RNG (a ChaCha of the `rand` dev-dependency).
fn rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

fn identity(name: &str, seed: u64) -> Identity {
    let params = CertificateParams::application(name, "urn:uasc:test", &["127.0.0.1"], 1);
    GeneratedCertificate::generate(KeyKind::P256, &params, None, &mut rng(seed))
        .unwrap()
        .into()
}

struct Link {
    now: Instant,
    client: ClientChannel,
    server: ServerChannel,
    client_events: Vec<Event>,
    server_events: Vec<Event>,
    /// Every (TokenId, SequenceNumber) of a MSG chunk each end sent.
    sealed: [HashSet<(u32, u32)>; 2],
}

impl Link {
    fn new(policy: Arc<dyn SecurityPolicy>) -> Link {
        let (client_id, server_id) = (identity("client", 1), identity("server", 2));
        let validator = Arc::new(InsecureAcceptAnyCertificate);
        let mode = MessageSecurityMode::Sign;
        let mut c = ClientConfig::new(
            "opc.tcp://127.0.0.1:4840",
            Arc::clone(&policy),
            mode,
            validator.clone(),
        );
        c.identity = Some(client_id);
        c.server_certificate = Some(server_id.certificate.clone());
        let mut s = ServerConfig::new(vec![policy], Some(server_id), validator);
        s.security = SecurityRequirement::Optional;
        let (now, utc) = (Instant::now(), SystemTime::now());
        let client = ClientChannel::with_rng(c, Box::new(rng(3)), now, utc).unwrap();
        let server = ServerChannel::with_rng(
            Arc::new(s),
            ByteBudget::default(),
            Box::new(rng(4)),
            now,
            utc,
        )
        .unwrap();
        let mut link = Link {
            now,
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            sealed: [HashSet::new(), HashSet::new()],
        };
        link.drive();
        assert!(matches!(
            link.client_events.first(),
            Some(Event::Opened { .. })
        ));
        link
    }

    /// Records the MSG chunks in `bytes` (mode Sign: TokenId and
    /// SequenceNumber in clear); a pair seen before is a repeated nonce.
    fn record(sealed: &mut HashSet<(u32, u32)>, mut bytes: &[u8]) {
        while bytes.len() >= 8 {
            let size = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            let (frame, rest) = bytes.split_at(size);
            if &frame[..3] == b"MSG" {
                let token = u32::from_le_bytes(frame[12..16].try_into().unwrap());
                let seq = u32::from_le_bytes(frame[16..20].try_into().unwrap());
                assert!(sealed.insert((token, seq)), "nonce repeated: {token} {seq}");
            }
            bytes = rest;
        }
    }

    fn drive(&mut self) {
        loop {
            let (mut up, mut down) = (Vec::new(), Vec::new());
            self.client.poll_transmit(&mut up);
            self.server.poll_transmit(&mut down);
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            while let Some(e) = self.server.poll_event() {
                self.server_events.push(e);
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
            Self::record(&mut self.sealed[0], &up);
            Self::record(&mut self.sealed[1], &down);
            self.server.handle_input(self.now, &up);
            self.client.handle_input(self.now, &down);
        }
    }

    fn messages(events: &[Event]) -> Vec<(u32, Vec<u8>)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message { request_id, body } => Some((*request_id, body.clone())),
                _ => None,
            })
            .collect()
    }

    /// Puts both directions just below the wrap: the client sends from
    /// `client_next`, the server from `server_next`.
    fn near_the_wrap(&mut self, client_next: u32, server_next: u32) {
        self.client.common_mut().send_sequence = SendSequence::new(client_next);
        self.server.common_mut().receive_sequence =
            ReceiveSequence::after(false, client_next.wrapping_sub(1));
        self.server.common_mut().send_sequence = SendSequence::new(server_next);
        self.client.common_mut().receive_sequence =
            ReceiveSequence::after(false, server_next.wrapping_sub(1));
    }

    /// Pretends the current token of `end` has `room` numbers left, as if
    /// it had sent 2³² − `room` chunks.
    fn set_room(&mut self, client: bool, room: u64) {
        let common = if client {
            self.client.common_mut()
        } else {
            self.server.common_mut()
        };
        common.tokens.current.as_mut().unwrap().sequence_room = room;
    }
}

#[test]
fn the_client_renews_before_its_sequence_numbers_come_back() {
    for policy in [&ECC_NIST_P256_AES_GCM, &ECC_NIST_P256_CHACHA_POLY] {
        let name = policy.descriptor().name;
        let mut link = Link::new(Arc::new(*policy));
        let first_token = link.client.token().unwrap().id;
        link.near_the_wrap(u32::MAX - 2, u32::MAX - 1);
        link.set_room(true, RENEW_MARGIN + 3);
        link.set_room(false, 3);

        // Four requests cross the wrap (…, 4294967295, 0): each opens, the
        // nonce of the one numbered 0 holds 4294967295.
        let mut ids = Vec::new();
        for i in 0..4u8 {
            ids.push(link.client.send_request(&[i; 10]).unwrap());
            if i < 3 {
                // Not yet below the margin: no renewal due.
                assert!(
                    link.client.poll_timeout().is_none_or(|t| t > link.now),
                    "{name}"
                );
            }
        }
        link.drive();
        let received = Link::messages(&link.server_events);
        assert_eq!(received.len(), 4, "{name}");
        assert_eq!(link.server.common_mut().receive_sequence.expected(), 1);

        // The server has room for three responses under its token: the
        // fourth is refused, and the channel stays open.
        for id in &ids[..3] {
            link.server.send_response(*id, b"answer").unwrap();
        }
        let refused = link.server.send_response(ids[3], b"answer").unwrap_err();
        assert_eq!(
            refused.status_code(),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            "{name}"
        );
        link.drive();
        assert_eq!(Link::messages(&link.client_events).len(), 3, "{name}");
        assert!(
            !link.server.is_closed() && !link.client.is_closed(),
            "{name}"
        );

        // The client is below the margin: a renewal is due at once.
        let due = link.client.poll_timeout().unwrap();
        assert!(due <= link.now, "{name}");
        // Its last number under this token: one more chunk would come back
        // to where the token started.
        link.set_room(true, 1);
        link.client.send_request(b"last").unwrap();
        let e = link.client.send_request(b"one too many").unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            "{name}"
        );
        link.client.handle_timeout(due);
        link.drive();
        let renewed = |events: &[Event]| {
            events
                .iter()
                .filter(|e| matches!(e, Event::TokenRenewed { .. }))
                .count()
        };
        assert_eq!(renewed(&link.client_events), 1, "{name}");
        assert_eq!(renewed(&link.server_events), 1, "{name}");
        assert_ne!(link.client.token().unwrap().id, first_token, "{name}");
        // No further renewal is due: the new token has all its numbers.
        assert!(
            link.client.poll_timeout().is_none_or(|t| t > link.now),
            "{name}"
        );

        // Under the new token both ends send again, the server as soon as
        // the client used it.
        let id = link.client.send_request(b"renewed").unwrap();
        link.drive();
        link.server.send_response(ids[3], b"answer").unwrap();
        link.server.send_response(id, b"renewed").unwrap();
        link.drive();
        let answers = Link::messages(&link.client_events);
        assert_eq!(answers.len(), 5, "{name}");
        assert_eq!(answers.last(), Some(&(id, b"renewed".to_vec())), "{name}");
        assert!(
            link.sealed[0].len() >= 6 && link.sealed[1].len() >= 5,
            "{name}"
        );
    }
}

#[test]
fn a_message_that_does_not_fit_the_room_left_is_refused_whole() {
    let mut link = Link::new(Arc::new(ECC_NIST_P256_AES_GCM));
    link.set_room(true, 2);
    // Four chunks of the 64 KiB buffers: more than the two numbers left.
    let e = link.client.send_request(&vec![7; 200_000]).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_ENCODING_LIMITS_EXCEEDED);
    let mut out = Vec::new();
    assert!(!link.client.poll_transmit(&mut out), "nothing was queued");
    // Two chunks fit.
    link.client.send_request(&vec![7; 100_000]).unwrap();
    link.drive();
    assert_eq!(Link::messages(&link.server_events).len(), 1);
    // CBC policies take no such count: their IV is fixed per token anyway.
    let mut cbc = Link::new(Arc::new(crate::policy::ECC_NIST_P256));
    cbc.set_room(true, 0);
    cbc.client.send_request(b"cbc").unwrap();
}
