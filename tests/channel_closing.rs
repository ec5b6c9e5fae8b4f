//! How a channel ends, and what its `Closed` event says: an orderly close
//! from either end, a handshake timeout, an expired token, the peer hanging
//! up, the peer's ERR (with a Reason too long to keep), and a refused
//! certificate are told apart by the `Error` they carry.

mod common;

use std::time::Duration;

use common::pair::{Pair, client_config, identities, server_config};
use uasc::cert::{CertificateValidator, ValidationContext};
use uasc::channel::{ClientState, Event, ServerState};
use uasc::codec::{DecodeLimits, UaString};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BASIC256_SHA256, NONE};
use uasc::uacp::{ErrorMessage, UacpMessage};
use uasc::{Error, StatusCode};

fn none_pair(seed: u64) -> Pair {
    let ids = identities();
    let client = client_config(&ids, &NONE, MessageSecurityMode::None);
    Pair::new(client, server_config(&ids), seed)
}

fn closed_once(events: &[Event]) -> Option<Error> {
    let closed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Closed { error } => Some(error.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), 1, "one Closed event: {events:?}");
    closed.into_iter().next().unwrap()
}

#[test]
fn an_orderly_close_carries_no_error_on_either_end() {
    let mut pair = none_pair(1);
    pair.open();
    pair.client.close(StatusCode::GOOD);
    pair.collect();
    assert_eq!(&pair.to_server[..3], b"CLO");
    pair.drive();
    assert_eq!(closed_once(&pair.client_events), None);
    assert_eq!(closed_once(&pair.server_events), None);
    // The peer hanging up after the close changes nothing.
    pair.server.handle_eof(pair.now);
    pair.collect();
    assert_eq!(closed_once(&pair.server_events), None);
    assert!(pair.client.is_closed() && pair.server.is_closed());
}

#[test]
fn a_server_close_tells_the_client_its_code_unless_good() {
    for code in [StatusCode::GOOD, StatusCode::BAD_SERVER_TOO_BUSY] {
        let mut pair = none_pair(2);
        pair.open();
        pair.server.close(code);
        pair.collect();
        assert_eq!(pair.server.state(), ServerState::Closed);
        assert_eq!(closed_once(&pair.server_events), None);
        if code.is_good() {
            assert!(pair.to_client.is_empty(), "nothing sent");
            pair.client.handle_eof(pair.now);
            pair.collect();
            assert_eq!(
                closed_once(&pair.client_events),
                Some(Error::ConnectionClosed)
            );
        } else {
            pair.deliver_to_client();
            let error = closed_once(&pair.client_events).unwrap();
            assert_eq!(error.status_code(), code);
            assert!(matches!(error, Error::Peer { .. }), "{error:?}");
        }
        assert_eq!(pair.client.state(), ClientState::Closed);
    }
}

#[test]
fn a_handshake_timeout_and_an_expired_token_are_told_apart() {
    let mut pair = none_pair(3);
    pair.collect();
    let deadline = pair.client.poll_timeout().unwrap();
    pair.advance_to(deadline);
    assert_eq!(
        closed_once(&pair.client_events),
        Some(Error::Timeout("handshake"))
    );

    let ids = identities();
    let mut client = client_config(&ids, &NONE, MessageSecurityMode::None);
    client.requested_lifetime = 10_000;
    let mut pair = Pair::new(client, server_config(&ids), 4);
    pair.open();
    // Only the server's timers fire: the client never renews.
    pair.now += Duration::from_secs(10);
    pair.server.handle_timeout(pair.now);
    pair.collect();
    assert_eq!(
        closed_once(&pair.server_events),
        Some(Error::Timeout("security token expired"))
    );
}

#[test]
fn the_peer_hanging_up_is_connection_closed() {
    let mut pair = none_pair(5);
    pair.open();
    pair.client.handle_eof(pair.now);
    pair.server.handle_eof(pair.now);
    pair.collect();
    assert_eq!(
        closed_once(&pair.client_events),
        Some(Error::ConnectionClosed)
    );
    assert_eq!(
        closed_once(&pair.server_events),
        Some(Error::ConnectionClosed)
    );
    assert_eq!(
        Error::ConnectionClosed.status_code(),
        StatusCode::BAD_CONNECTION_CLOSED
    );
    // Nothing is sent to a peer that is gone.
    assert!(pair.to_client.is_empty() && pair.to_server.is_empty());
    assert_eq!(
        pair.client.send_request(b"x"),
        Err(Error::SecureChannelClosed)
    );
}

#[test]
fn an_err_with_an_overlong_reason_keeps_its_code() {
    // "A Client shall ignore strings that are longer than this": the Reason
    // goes, the Error arrives.
    for (len, kept) in [(4096, true), (5000, false)] {
        let mut pair = none_pair(6);
        pair.open();
        let reason = "r".repeat(len);
        let mut err = Vec::new();
        // Encoded by hand: our own encoder refuses a Reason over 4096 bytes.
        err.extend_from_slice(b"ERRF");
        err.extend_from_slice(&(16 + len as u32).to_le_bytes());
        err.extend_from_slice(&StatusCode::BAD_TCP_SERVER_TOO_BUSY.bits().to_le_bytes());
        err.extend_from_slice(&(len as i32).to_le_bytes());
        err.extend_from_slice(reason.as_bytes());
        assert_eq!(
            UacpMessage::decode_frame(&err, DecodeLimits::DEFAULT).unwrap(),
            UacpMessage::Error(ErrorMessage {
                error: StatusCode::BAD_TCP_SERVER_TOO_BUSY,
                reason: if kept {
                    UaString::from(reason.as_str())
                } else {
                    UaString::NULL
                },
            })
        );
        pair.client.handle_input(pair.now, &err);
        pair.collect();
        let expected = Error::Peer {
            code: StatusCode::BAD_TCP_SERVER_TOO_BUSY,
            reason: if kept { reason } else { String::new() },
        };
        assert_eq!(closed_once(&pair.client_events), Some(expected), "{len}");
    }
}

#[derive(Debug)]
struct Refuse(StatusCode);

impl CertificateValidator for Refuse {
    fn validate(&self, _: &[u8], _: &ValidationContext<'_>) -> uasc::Result<()> {
        Err(Error::Certificate(self.0))
    }
}

#[test]
fn a_refused_certificate_says_which_check_refused_it() {
    let ids = identities();
    let mode = MessageSecurityMode::SignAndEncrypt;
    let mut server = server_config(&ids);
    server.validator = std::sync::Arc::new(Refuse(StatusCode::BAD_CERTIFICATE_REVOKED));
    let mut pair = Pair::new(client_config(&ids, &BASIC256_SHA256, mode), server, 7);
    pair.drive();
    // The server knows why; the client is told only what may leak.
    assert_eq!(
        closed_once(&pair.server_events),
        Some(Error::Certificate(StatusCode::BAD_CERTIFICATE_REVOKED))
    );
    let told = uasc::cert::wire_status_code(StatusCode::BAD_CERTIFICATE_REVOKED);
    assert_eq!(told, StatusCode::BAD_SECURITY_CHECKS_FAILED);
    assert_eq!(
        closed_once(&pair.client_events).map(|e| e.status_code()),
        Some(told)
    );
    // A client refusing the server's certificate does so before sending.
    let mut client = client_config(&ids, &BASIC256_SHA256, mode);
    client.validator = std::sync::Arc::new(Refuse(StatusCode::BAD_CERTIFICATE_UNTRUSTED));
    let e = uasc::channel::ClientChannel::new(
        client,
        std::time::Instant::now(),
        std::time::SystemTime::now(),
    )
    .unwrap_err();
    assert_eq!(e, Error::Certificate(StatusCode::BAD_CERTIFICATE_UNTRUSTED));
    assert!(e.to_string().contains("BadCertificateUntrusted"), "{e}");
}
