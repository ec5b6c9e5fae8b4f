//! What a connection may make a server hold before it has said who it is:
//! no more than the largest valid Hello before the Acknowledge, and every
//! partly received frame counted against the server's shared ByteBudget
//! (idle and slowloris connections, OPC 10000-6 §7.1.2.3).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::pair::{identities, server_config};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::channel::{ByteBudget, ServerChannel, ServerConfig, ServerState};
use uasc::codec::DecodeLimits;
use uasc::uacp::{Hello, MAX_HELLO_SIZE, MAX_URL_LENGTH, UacpMessage};
use uasc::{Error, StatusCode};

fn server(config: &Arc<ServerConfig>, budget: &ByteBudget, seed: u64) -> ServerChannel {
    ServerChannel::with_rng(
        Arc::clone(config),
        budget.clone(),
        Box::new(StdRng::seed_from_u64(seed)),
        Instant::now(),
        SystemTime::now(),
    )
    .unwrap()
}

fn hello_frame(url_len: usize) -> Vec<u8> {
    let hello = Hello {
        protocol_version: 0,
        receive_buffer_size: 65_535,
        send_buffer_size: 65_535,
        max_message_size: 0,
        max_chunk_count: 0,
        endpoint_url: "u".repeat(url_len).into(),
    };
    let mut out = Vec::new();
    UacpMessage::Hello(hello).encode_frame(&mut out).unwrap();
    out
}

/// The ERR code a server queued, if any.
fn err_code(channel: &mut ServerChannel) -> Option<StatusCode> {
    let mut out = Vec::new();
    channel.poll_transmit(&mut out);
    match UacpMessage::decode_frame(&out, DecodeLimits::DEFAULT) {
        Ok(UacpMessage::Error(e)) => Some(e.error),
        _ => None,
    }
}

#[test]
fn the_largest_valid_hello_is_all_a_server_buffers_before_acknowledging() {
    let config = Arc::new(server_config(&identities()));
    let budget = ByteBudget::new(1 << 20);
    // The largest valid Hello is taken...
    let largest = hello_frame(MAX_URL_LENGTH);
    assert_eq!(largest.len(), MAX_HELLO_SIZE as usize);
    let mut channel = server(&config, &budget, 1);
    channel.handle_input(Instant::now(), &largest);
    assert_eq!(channel.state(), ServerState::AwaitOpen);
    // ... and a header announcing one byte more is refused from its 8 bytes,
    // long before 64 KiB (the receive buffer) could pile up.
    let mut channel = server(&config, &budget, 2);
    let mut header = b"HELF".to_vec();
    header.extend_from_slice(&(MAX_HELLO_SIZE + 1).to_le_bytes());
    channel.handle_input(Instant::now(), &header);
    assert_eq!(channel.state(), ServerState::Closed);
    assert_eq!(
        err_code(&mut channel),
        Some(StatusCode::BAD_TCP_MESSAGE_TOO_LARGE)
    );
    // Any other frame before the Hello is refused the same way when large.
    let mut channel = server(&config, &budget, 3);
    let mut header = b"OPNF".to_vec();
    header.extend_from_slice(&60_000u32.to_le_bytes());
    channel.handle_input(Instant::now(), &header);
    assert_eq!(
        err_code(&mut channel),
        Some(StatusCode::BAD_TCP_MESSAGE_TOO_LARGE)
    );
    assert_eq!(budget.used(), 0);
}

#[test]
fn partial_frames_before_the_hello_are_counted_against_the_budget() {
    // A slowloris: connections that send a frame header and then trickle.
    // Each holds the frame's size in the shared budget from its header on;
    // once the budget is used up, the next one is refused with
    // BadTcpNotEnoughResources, and closing or dropping gives bytes back.
    let config = Arc::new(server_config(&identities()));
    let full = hello_frame(MAX_URL_LENGTH);
    let per_connection = full.len();
    let budget = ByteBudget::new(10 * per_connection);
    let now = Instant::now();
    let mut idle: Vec<ServerChannel> = (0..10)
        .map(|i| {
            let mut c = server(&config, &budget, 10 + i);
            c.handle_input(now, &full[..9]);
            assert_eq!(c.state(), ServerState::AwaitHello);
            assert_eq!(c.buffered(), 9);
            c
        })
        .collect();
    assert_eq!(budget.used(), 10 * per_connection);

    let mut eleventh = server(&config, &budget, 99);
    eleventh.handle_input(now, &full[..9]);
    assert_eq!(eleventh.state(), ServerState::Closed);
    assert_eq!(
        err_code(&mut eleventh),
        Some(StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES)
    );
    assert_eq!(budget.used(), 10 * per_connection);

    // One finishes its Hello: its reservation ends with the frame.
    idle[0].handle_input(now, &full[9..]);
    assert_eq!(idle[0].state(), ServerState::AwaitOpen);
    assert_eq!(budget.used(), 9 * per_connection);
    // One times out: closed, it gives its bytes back at once.
    idle[1].handle_timeout(now + Duration::from_secs(3600));
    assert_eq!(idle[1].state(), ServerState::Closed);
    assert_eq!(budget.used(), 8 * per_connection);
    // One hangs up.
    idle[2].handle_eof(now);
    assert_eq!(budget.used(), 7 * per_connection);
    drop(idle);
    assert_eq!(budget.used(), 0);
}

#[test]
fn even_a_partial_frame_header_is_counted() {
    // Found by the server_channel fuzz target: 1 to 7 bytes of a header
    // were held but not yet counted. Now the header's 8 bytes are reserved
    // from its first byte, so what a channel holds never exceeds what the
    // budget counts.
    let config = Arc::new(server_config(&identities()));
    let budget = ByteBudget::new(1 << 20);
    let mut channel = server(&config, &budget, 7);
    for (n, byte) in b"HELF\x20\0\0".iter().enumerate() {
        channel.handle_input(Instant::now(), &[*byte]);
        assert_eq!(channel.buffered(), n + 1);
        assert!(channel.buffered() <= budget.used(), "{n}");
    }
    assert_eq!(budget.used(), 8);
    // A budget with fewer than 8 bytes left refuses the first byte.
    let tight = ByteBudget::new(7);
    let mut channel = server(&config, &tight, 8);
    channel.handle_input(Instant::now(), b"H");
    assert_eq!(channel.state(), ServerState::Closed);
    assert_eq!(
        err_code(&mut channel),
        Some(StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES)
    );
    assert_eq!(tight.used(), 0);
}

#[test]
fn a_thousand_idle_connections_hold_no_more_than_the_budget() {
    // The shape of a connection flood: every connection sends a frame
    // header announcing the largest Hello and stops. What the server holds
    // is bounded by its budget whatever the number of connections.
    let config = Arc::new(server_config(&identities()));
    let budget = ByteBudget::new(1 << 20);
    let now = Instant::now();
    let mut header = b"HELF".to_vec();
    header.extend_from_slice(&MAX_HELLO_SIZE.to_le_bytes());
    let mut accepted = 0;
    let mut refused = 0;
    let mut channels = Vec::new();
    for i in 0..1000 {
        let mut c = server(&config, &budget, 1000 + i);
        c.handle_input(now, &header);
        assert!(budget.used() <= budget.limit());
        match c.state() {
            ServerState::AwaitHello => accepted += 1,
            ServerState::Closed => {
                refused += 1;
                assert_eq!(c.buffered(), 0);
            }
            s => panic!("{s:?}"),
        }
        channels.push(c);
    }
    assert_eq!(accepted, (1 << 20) / MAX_HELLO_SIZE as usize);
    assert_eq!(refused, 1000 - accepted);
    let held: usize = channels.iter().map(|c| c.buffered()).sum();
    assert_eq!(held, 8 * accepted, "only the headers are in memory");
    let closed = channels
        .iter_mut()
        .find(|c| c.state() == ServerState::Closed)
        .unwrap();
    let mut events = Vec::new();
    while let Some(e) = closed.poll_event() {
        events.push(e);
    }
    assert_eq!(
        events.iter().find_map(|e| e.closed_code()),
        Some(StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES)
    );
    assert!(matches!(
        events.last(),
        Some(uasc::channel::Event::Closed {
            error: Some(Error::TcpNotEnoughResources(_))
        })
    ));
}
