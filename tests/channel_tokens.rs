//! SecurityTokens over a channel's life, in memory on a virtual clock: how
//! long each end accepts a token (OPC 10000-4 §5.6.2.1), the lifetimes a
//! server grants and a client takes, TokenIds across a server's channels,
//! and what a session layer can read about the current token.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::opn;
use common::pair::{Pair, client_config, identities, server_config};
use uasc::channel::{ByteBudget, ClientState, ServerChannel, ServerState};
use uasc::messages::{MessageSecurityMode, OpenSecureChannelResponse};
use uasc::policy::{BASIC256_SHA256, NONE};
use uasc::{Error, StatusCode};

const LIFETIME: Duration = Duration::from_secs(10);

/// A pair with policy None and a 10 s token, open.
fn open_none_pair(seed: u64) -> Pair {
    let ids = identities();
    let mut client = client_config(&ids, &NONE, MessageSecurityMode::None);
    client.requested_lifetime = LIFETIME.as_millis() as u32;
    let mut pair = Pair::new(client, server_config(&ids), seed);
    pair.open();
    pair.client_events.clear();
    pair.server_events.clear();
    pair
}

#[test]
fn the_server_refuses_its_own_token_from_the_instant_it_expires() {
    // "If a SecureChannel is not renewed, then all Messages sent using the
    // current SecurityTokens shall be rejected by the receiver": the 25 %
    // grace is the client's, not the server's.
    let mut pair = open_none_pair(1);
    let expires = pair.start + LIFETIME;
    // The client's renewal (due at 7.5 s) is never sent: its timers do not
    // fire. The server's next deadline is the expiry itself.
    assert_eq!(pair.server.poll_timeout(), Some(expires));

    // A chunk one millisecond before expiry is taken...
    let before = pair.client.send_request(b"before").unwrap();
    pair.now = expires - Duration::from_millis(1);
    pair.deliver_to_server();
    assert_eq!(
        Pair::messages(&pair.server_events),
        vec![(before, b"before".to_vec())]
    );
    // ... one at the instant of expiry is refused, even if the caller has
    // not fired the server's timer yet.
    pair.client.send_request(b"at expiry").unwrap();
    pair.now = expires;
    pair.deliver_to_server();
    assert_eq!(pair.server.state(), ServerState::Closed);
    assert_eq!(
        Pair::closed(&pair.server_events),
        Some(StatusCode::BAD_SECURE_CHANNEL_TOKEN_UNKNOWN)
    );
    assert_eq!(Pair::messages(&pair.server_events).len(), 1);
}

#[test]
fn an_unrenewed_channel_ends_at_expiry_with_bad_timeout() {
    let mut pair = open_none_pair(2);
    let expires = pair.start + LIFETIME;
    pair.server
        .handle_timeout(expires - Duration::from_nanos(1));
    assert_eq!(pair.server.state(), ServerState::Open);
    pair.server.handle_timeout(expires);
    pair.collect();
    assert_eq!(pair.server.state(), ServerState::Closed);
    assert_eq!(
        Pair::closed_error(&pair.server_events),
        Some(Some(Error::Timeout("security token expired")))
    );
}

#[test]
fn the_client_still_accepts_the_servers_token_for_a_quarter_of_its_lifetime() {
    // The server keeps answering under the old token while the client's
    // renewal is under way: the client takes those answers until 25 % of
    // the lifetime past expiry.
    let mut pair = open_none_pair(3);
    let expires = pair.start + LIFETIME;
    let grace_end = expires + LIFETIME / 4;
    let id = pair.client.send_request(b"q").unwrap();
    pair.deliver_to_server();
    pair.server.send_response(id, b"late answer").unwrap();
    pair.collect();
    pair.now = grace_end - Duration::from_millis(1);
    pair.deliver_to_client();
    assert_eq!(
        Pair::messages(&pair.client_events),
        vec![(id, b"late answer".to_vec())]
    );
    // At the end of the grace period, no more.
    pair.server.send_response(id, b"too late").unwrap();
    pair.collect();
    pair.now = grace_end;
    pair.deliver_to_client();
    assert_eq!(pair.client.state(), ClientState::Closed);
    assert_eq!(
        Pair::closed(&pair.client_events),
        Some(StatusCode::BAD_SECURE_CHANNEL_TOKEN_UNKNOWN)
    );
}

#[test]
fn a_revised_lifetime_of_zero_is_refused_by_the_client() {
    // A token that expires at once would be renewed in a loop.
    let ids = identities();
    for renew in [false, true] {
        let client = client_config(&ids, &NONE, MessageSecurityMode::None);
        let mut pair = Pair::new(client, server_config(&ids), 4);
        if renew {
            pair.open();
            pair.client.renew(pair.now).unwrap();
        } else {
            // HEL → ACK, and the client's OPN request follows.
            pair.deliver_to_server();
            pair.deliver_to_client();
        }
        // The OPN request in, the server's response out, undelivered.
        pair.deliver_to_server();
        let frame = std::mem::take(&mut pair.to_client);
        assert_eq!(&frame[..3], b"OPN");
        pair.to_client = opn::rewrite(&frame, |_, r: &mut OpenSecureChannelResponse| {
            r.security_token.revised_lifetime = 0;
        });
        pair.deliver_to_client();
        assert_eq!(pair.client.state(), ClientState::Closed, "renew {renew}");
        assert_eq!(
            Pair::closed_error(&pair.client_events),
            Some(Some(Error::Decoding("RevisedLifetime of 0"))),
            "renew {renew}"
        );
        assert_eq!(pair.client.poll_timeout(), None);
    }
}

#[test]
fn a_server_configuration_granting_zero_lifetimes_is_refused() {
    let ids = identities();
    for (bounds, ok) in [
        ((0, 60_000), false),
        ((20_000, 10_000), false),
        ((1, 1), true),
        ((10_000, 3_600_000), true),
    ] {
        let mut config = server_config(&ids);
        config.lifetime_bounds = bounds;
        assert_eq!(config.validate().is_ok(), ok, "{bounds:?}");
        let made = ServerChannel::new(
            Arc::new(config),
            ByteBudget::default(),
            std::time::Instant::now(),
            std::time::SystemTime::now(),
        );
        match made {
            Ok(_) => assert!(ok, "{bounds:?}"),
            Err(e) => {
                assert!(!ok, "{bounds:?}");
                assert_eq!(e.status_code(), StatusCode::BAD_CONFIGURATION_ERROR);
            }
        }
    }
}

#[test]
fn token_ids_are_unique_across_a_servers_channels() {
    // One configuration (and clones of it) for every channel of a server:
    // TokenIds never repeat across them, renewals included.
    let ids = identities();
    let server = server_config(&ids);
    let mut seen = HashSet::new();
    let mut pairs: Vec<Pair> = (0..5)
        .map(|seed| {
            let client = client_config(&ids, &NONE, MessageSecurityMode::None);
            let mut pair = Pair::new(client, server.clone(), 10 + seed);
            pair.open();
            pair
        })
        .collect();
    for round in 0..3 {
        for pair in &mut pairs {
            if round > 0 {
                pair.client.renew(pair.now).unwrap();
                pair.drive();
                // The server sends under the new token once the client used
                // it.
                pair.client.send_request(b"x").unwrap();
                pair.drive();
            }
            let id = pair.server.token().unwrap().id;
            assert_eq!(pair.client.token().unwrap().id, id);
            assert!(seen.insert(id), "TokenId {id} issued twice");
        }
    }
    assert_eq!(seen.len(), 15);
    assert!(!seen.contains(&0));
}

#[test]
fn both_ends_report_the_current_token_and_its_nonces() {
    let ids = identities();
    let mode = MessageSecurityMode::SignAndEncrypt;
    let mut client = client_config(&ids, &BASIC256_SHA256, mode);
    client.requested_lifetime = 20_000;
    let mut pair = Pair::new(client, server_config(&ids), 5);
    assert_eq!(pair.client.token(), None);
    assert_eq!(pair.client.local_nonce(), None);
    pair.open();
    let (c, s) = (pair.client.token().unwrap(), pair.server.token().unwrap());
    assert_eq!((c.id, c.revised_lifetime), (s.id, Duration::from_secs(20)));
    assert_eq!(c.created_at, s.created_at);
    assert_eq!(c.created, pair.start);
    // 32-byte nonces, each end's own one the other's peer nonce.
    let client_nonce = pair.client.local_nonce().unwrap().to_vec();
    let server_nonce = pair.client.peer_nonce().unwrap().to_vec();
    assert_eq!((client_nonce.len(), server_nonce.len()), (32, 32));
    assert_ne!(client_nonce, server_nonce);
    assert_eq!(pair.server.peer_nonce(), Some(&client_nonce[..]));
    assert_eq!(pair.server.local_nonce(), Some(&server_nonce[..]));

    // After a renewal both ends report the new token and fresh nonces.
    pair.now += Duration::from_secs(1);
    pair.client.renew(pair.now).unwrap();
    pair.drive();
    let id = pair.client.send_request(b"x").unwrap();
    pair.drive();
    pair.server.send_response(id, b"y").unwrap();
    pair.drive();
    let renewed = pair.client.token().unwrap();
    assert_ne!(renewed.id, c.id);
    assert_eq!(renewed.created, pair.now);
    assert_eq!(pair.server.token().unwrap().id, renewed.id);
    assert_ne!(pair.client.local_nonce().unwrap(), &client_nonce[..]);
    assert_eq!(pair.server.peer_nonce(), pair.client.local_nonce());
    // Nonces are key material: Debug never shows them.
    let shown = format!("{:?} {:?}", pair.client, pair.server);
    assert!(!shown.contains(&format!("{:?}", &client_nonce[..4])));
}

#[test]
fn renew_starts_a_renewal_now_and_only_one_at_a_time() {
    let mut pair = open_none_pair(6);
    pair.now += Duration::from_secs(1);
    pair.client.renew(pair.now).unwrap();
    pair.client.renew(pair.now).unwrap();
    pair.collect();
    let frames = pair.to_server.clone();
    assert_eq!(&frames[..3], b"OPN");
    assert_eq!(
        u32::from_le_bytes(frames[4..8].try_into().unwrap()) as usize,
        frames.len(),
        "one OPN request, not two"
    );
    pair.drive();
    assert!(
        pair.client_events
            .iter()
            .any(|e| matches!(e, uasc::channel::Event::TokenRenewed { .. }))
    );
    pair.client.close(StatusCode::GOOD);
    assert_eq!(pair.client.renew(pair.now), Err(Error::SecureChannelClosed));
}
