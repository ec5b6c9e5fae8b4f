//! Client and server channels in memory on a virtual clock: the whole life
//! of a channel for every policy and mode, renewals with traffic in flight,
//! sequence numbers, and closing.

mod common;

use std::time::Duration;

use common::pair::{Pair, client_config, identities, identities_for, policy_modes, server_config};
use uasc::StatusCode;
use uasc::channel::{ClientState, Event, ServerState};

/// A request or response body of `len` bytes that says who sent it.
fn body(tag: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31) ^ tag).collect()
}

#[test]
fn every_policy_and_mode_opens_exchanges_renews_and_closes() {
    for (policy, mode) in policy_modes() {
        let ids = identities_for(policy);
        let name = format!("{} {mode:?}", policy.descriptor().name);
        let mut client = client_config(&ids, policy, mode);
        client.requested_lifetime = 10_000;
        let mut pair = Pair::new(client, server_config(&ids), 1);
        pair.open();
        assert_eq!(pair.client.state(), ClientState::Open, "{name}");
        assert_eq!(pair.server.state(), ServerState::Open, "{name}");
        assert_eq!(pair.client.channel_id(), pair.server.channel_id());

        // Requests of several sizes, some over many chunks, answered.
        let mut expected = Vec::new();
        for (i, len) in [0usize, 1, 100, 70_000, 200_000].into_iter().enumerate() {
            let id = pair.client.send_request(&body(i as u8, len)).unwrap();
            expected.push((id, body(i as u8, len)));
        }
        pair.drive();
        assert_eq!(Pair::messages(&pair.server_events), expected, "{name}");
        for (id, b) in &expected {
            pair.server.send_response(*id, &b.repeat(2)).unwrap();
        }
        pair.drive();
        let responses: Vec<_> = expected.iter().map(|(id, b)| (*id, b.repeat(2))).collect();
        assert_eq!(Pair::messages(&pair.client_events), responses, "{name}");

        // Renewals at 75 % of the lifetime, each with traffic in flight in
        // both directions around it.
        pair.client_events.clear();
        pair.server_events.clear();
        let renewals = 21;
        let mut sent = 0;
        let mut token_start = pair.start;
        for round in 0..renewals {
            // Fire timers (old tokens' grace periods end on the way) until
            // the client sends its renewal: at 75 % of the lifetime.
            for _ in 0..3 {
                if !pair.to_server.is_empty() {
                    break;
                }
                let due = pair.client.poll_timeout().expect("renewal timer");
                pair.advance_to(due);
            }
            assert!(!pair.to_server.is_empty(), "{name} {round}: no renewal");
            assert_eq!(
                pair.now - token_start,
                Duration::from_millis(7_500),
                "{name} {round}"
            );
            token_start = pair.now;
            // The renew request is queued; a request under the old token
            // follows it before anything is delivered.
            let before = pair.client.send_request(&body(1, 3000)).unwrap();
            pair.deliver_to_server();
            // The server answers under the old token: the client has not
            // used the new one yet.
            pair.server.send_response(before, &body(2, 3000)).unwrap();
            pair.deliver_to_client();
            // Now under the new token, both ways.
            let after = pair.client.send_request(&body(3, 20_000)).unwrap();
            pair.deliver_to_server();
            pair.server.send_response(after, &body(4, 20_000)).unwrap();
            pair.drive();
            sent += 2;
        }
        let renewed = |events: &[Event]| {
            events
                .iter()
                .filter(|e| matches!(e, Event::TokenRenewed { .. }))
                .count()
        };
        assert_eq!(renewed(&pair.client_events), renewals, "{name}");
        assert_eq!(renewed(&pair.server_events), renewals, "{name}");
        assert_eq!(Pair::messages(&pair.server_events).len(), sent, "{name}");
        assert_eq!(Pair::messages(&pair.client_events).len(), sent, "{name}");
        assert_eq!(Pair::closed(&pair.client_events), None, "{name}");
        assert_eq!(Pair::closed(&pair.server_events), None, "{name}");

        pair.client.close(StatusCode::GOOD);
        pair.drive();
        assert_eq!(Pair::closed(&pair.client_events), Some(StatusCode::GOOD));
        assert_eq!(
            Pair::closed(&pair.server_events),
            Some(StatusCode::GOOD),
            "{name}"
        );
        assert_eq!(pair.server.state(), ServerState::Closed);
        assert_eq!(pair.budget.used(), 0);
    }
}

#[test]
fn reverse_connect_starts_with_the_servers_reverse_hello() {
    use rand::SeedableRng;
    use std::sync::Arc;
    use uasc::channel::{ByteBudget, ClientChannel, ServerChannel};
    use uasc::uacp::ReverseHello;

    let ids = identities();
    let policy = &uasc::policy::BASIC256_SHA256;
    let mode = uasc::messages::MessageSecurityMode::SignAndEncrypt;
    for (url, expect_open) in [
        ("opc.tcp://127.0.0.1:4840", true),
        ("opc.tcp://elsewhere:4840", false),
    ] {
        let mut pair = Pair::new(client_config(&ids, policy, mode), server_config(&ids), 3);
        let rng = |seed| Box::new(rand::rngs::StdRng::seed_from_u64(seed));
        pair.client = ClientChannel::reverse_with_rng(
            client_config(&ids, policy, mode),
            rng(5),
            pair.now,
            pair.utc,
        )
        .unwrap();
        let rhe = ReverseHello {
            server_uri: "urn:test:server".into(),
            endpoint_url: url.into(),
        };
        pair.server = ServerChannel::reverse_with_rng(
            Arc::new(server_config(&ids)),
            ByteBudget::new(1 << 20),
            rng(6),
            pair.now,
            pair.utc,
            &rhe,
        )
        .unwrap();
        // The client says nothing before the ReverseHello.
        pair.collect();
        assert!(pair.to_server.is_empty());
        assert_eq!(pair.client.state(), ClientState::AwaitReverseHello);
        pair.drive();
        if expect_open {
            assert_eq!(pair.client.state(), ClientState::Open);
            assert_eq!(pair.server.state(), ServerState::Open);
            assert_eq!(
                pair.client.reverse_hello().unwrap().server_uri.as_str(),
                Some("urn:test:server")
            );
        } else {
            assert_eq!(
                Pair::closed(&pair.client_events),
                Some(StatusCode::BAD_TCP_ENDPOINT_URL_INVALID)
            );
        }
    }
}

#[test]
fn a_client_refuses_a_server_holding_its_own_certificate() {
    use rand::SeedableRng;
    let ids = identities();
    let mode = uasc::messages::MessageSecurityMode::SignAndEncrypt;
    let mut config = client_config(&ids, &uasc::policy::BASIC256_SHA256, mode);
    config.server_certificate = Some(ids.client.certificate.clone());
    let e = uasc::channel::ClientChannel::with_rng(
        config,
        Box::new(rand::rngs::StdRng::seed_from_u64(1)),
        std::time::Instant::now(),
        std::time::SystemTime::now(),
    )
    .unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
}

/// A validator whose verdict can change while channels run, as a trust
/// list or a CRL does.
#[derive(Debug, Default)]
struct Switch(std::sync::atomic::AtomicBool);

impl uasc::cert::CertificateValidator for Switch {
    fn validate(&self, _: &[u8], _: &uasc::cert::ValidationContext<'_>) -> uasc::Result<()> {
        if self.0.load(std::sync::atomic::Ordering::SeqCst) {
            Err(uasc::Error::Certificate(
                StatusCode::BAD_CERTIFICATE_REVOKED,
            ))
        } else {
            Ok(())
        }
    }
}

#[test]
fn a_certificate_refused_later_ends_the_channel_at_its_next_renewal() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let ids = identities();
    let mode = uasc::messages::MessageSecurityMode::SignAndEncrypt;
    for server_side in [true, false] {
        let switch = Arc::new(Switch::default());
        let mut client = client_config(&ids, &uasc::policy::BASIC256_SHA256, mode);
        client.requested_lifetime = 10_000;
        let mut server = server_config(&ids);
        if server_side {
            server.validator = switch.clone();
        } else {
            client.validator = switch.clone();
        }
        let mut pair = Pair::new(client, server, 8);
        pair.open();
        // Refused from now on: the open token keeps working...
        switch.0.store(true, Ordering::SeqCst);
        let id = pair.client.send_request(b"still open").unwrap();
        pair.drive();
        assert_eq!(
            Pair::messages(&pair.server_events),
            [(id, b"still open".to_vec())]
        );
        // ...until the renewal, which the refusing side ends.
        let due = pair.client.poll_timeout().unwrap();
        pair.advance_to(due);
        pair.drive();
        let (refusing, other) = if server_side {
            (&pair.server_events, &pair.client_events)
        } else {
            (&pair.client_events, &pair.server_events)
        };
        assert_eq!(
            Pair::closed(refusing),
            Some(StatusCode::BAD_CERTIFICATE_REVOKED),
            "server side: {server_side}"
        );
        if server_side {
            // The client is told only what OPC 10000-4 lets pass.
            assert_eq!(
                Pair::closed(other),
                Some(StatusCode::BAD_SECURITY_CHECKS_FAILED)
            );
        }
        assert!(
            !refusing
                .iter()
                .any(|e| matches!(e, Event::TokenRenewed { .. }))
        );
    }
}
