//! UA Connection Protocol messages and negotiation (OPC 10000-6 §7.1.2).

use proptest::prelude::*;
use uasc::codec::{DecodeLimits, UaString, decode_exact, encode_to_vec};
use uasc::uacp::{
    Acknowledge, ConnectionLimits, ErrorMessage, Hello, MAX_REASON_LENGTH, MAX_URL_LENGTH,
    MIN_BUFFER_SIZE, MIN_BUFFER_SIZE_ECC, ReverseHello, UacpMessage, acknowledge,
    check_acknowledge, min_buffer_size,
};
use uasc::{Error, StatusCode};

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn frame(tag: &[u8; 3], chunk: u8, body: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.push(chunk);
    out.extend_from_slice(&u32::try_from(body.len() + 8).unwrap().to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn ua_string_body(len_prefix: i32, bytes: &[u8]) -> Vec<u8> {
    let mut out = len_prefix.to_le_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

fn hello_body(url: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0u32, 65_535, 65_535, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(ua_string_body(i32::try_from(url.len()).unwrap(), url));
    out
}

fn decode(frame: &[u8]) -> Result<UacpMessage, Error> {
    UacpMessage::decode_frame(frame, DecodeLimits::default())
}

fn frame_round_trip(m: &UacpMessage) -> UacpMessage {
    let mut out = vec![0xAA, 0xBB]; // encode_frame appends
    m.encode_frame(&mut out).unwrap();
    assert_eq!(&out[..2], &[0xAA, 0xBB]);
    let f = &out[2..];
    assert_eq!(&f[..3], &m.message_type().tag());
    assert_eq!(f[3], b'F');
    assert_eq!(
        u32::from_le_bytes(f[4..8].try_into().unwrap()) as usize,
        f.len()
    );
    decode(f).unwrap()
}

// ---------------------------------------------------------------- strategies

fn url() -> impl Strategy<Value = UaString> {
    prop_oneof![
        Just(UaString::NULL),
        ".{0,64}".prop_map(UaString::from),
        (0usize..=MAX_URL_LENGTH).prop_map(|n| UaString::from("u".repeat(n))),
    ]
}

fn reason() -> impl Strategy<Value = UaString> {
    prop_oneof![
        Just(UaString::NULL),
        ".{0,64}".prop_map(UaString::from),
        (0usize..=MAX_REASON_LENGTH).prop_map(|n| UaString::from("r".repeat(n))),
    ]
}

prop_compose! {
    fn hello()(v in any::<[u32; 5]>(), endpoint_url in url()) -> Hello {
        Hello {
            protocol_version: v[0],
            receive_buffer_size: v[1],
            send_buffer_size: v[2],
            max_message_size: v[3],
            max_chunk_count: v[4],
            endpoint_url,
        }
    }
}

prop_compose! {
    fn ack()(v in any::<[u32; 5]>()) -> Acknowledge {
        Acknowledge {
            protocol_version: v[0],
            receive_buffer_size: v[1],
            send_buffer_size: v[2],
            max_message_size: v[3],
            max_chunk_count: v[4],
        }
    }
}

prop_compose! {
    fn err()(code in any::<u32>(), reason in reason()) -> ErrorMessage {
        ErrorMessage { error: StatusCode::from_bits(code), reason }
    }
}

prop_compose! {
    fn rhe()(server_uri in url(), endpoint_url in url()) -> ReverseHello {
        ReverseHello { server_uri, endpoint_url }
    }
}

proptest! {
    #[test]
    fn hello_round_trips(h in hello()) {
        let bytes = encode_to_vec(&h).unwrap();
        prop_assert_eq!(decode_exact::<Hello>(&bytes, DecodeLimits::default()).unwrap(), h.clone());
        prop_assert_eq!(frame_round_trip(&UacpMessage::Hello(h.clone())), UacpMessage::Hello(h));
    }

    #[test]
    fn acknowledge_round_trips(a in ack()) {
        let bytes = encode_to_vec(&a).unwrap();
        prop_assert_eq!(bytes.len(), 20);
        prop_assert_eq!(decode_exact::<Acknowledge>(&bytes, DecodeLimits::default()).unwrap(), a.clone());
        prop_assert_eq!(frame_round_trip(&a.clone().into()), UacpMessage::Acknowledge(a));
    }

    #[test]
    fn error_round_trips(e in err()) {
        let bytes = encode_to_vec(&e).unwrap();
        prop_assert_eq!(decode_exact::<ErrorMessage>(&bytes, DecodeLimits::default()).unwrap(), e.clone());
        prop_assert_eq!(frame_round_trip(&e.clone().into()), UacpMessage::Error(e));
    }

    #[test]
    fn reverse_hello_round_trips(r in rhe()) {
        let bytes = encode_to_vec(&r).unwrap();
        prop_assert_eq!(decode_exact::<ReverseHello>(&bytes, DecodeLimits::default()).unwrap(), r.clone());
        prop_assert_eq!(frame_round_trip(&r.clone().into()), UacpMessage::ReverseHello(r));
    }

    /// Arbitrary input never panics and fails only with the codes UACP uses.
    #[test]
    fn arbitrary_frames_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Err(e) = decode(&bytes) {
            prop_assert!([
                StatusCode::BAD_DECODING_ERROR,
                StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
                StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
                StatusCode::BAD_ENCODING_LIMITS_EXCEEDED,
            ].contains(&e.status_code()));
        }
    }

    /// The server's answer to any acceptable Hello passes the client's check,
    /// and both sides agree on who sends what.
    #[test]
    fn negotiation_is_consistent(
        h in hello(),
        own_recv in MIN_BUFFER_SIZE_ECC..200_000u32,
        own_send in MIN_BUFFER_SIZE_ECC..200_000u32,
        own_version in 0u32..3,
        ecc in any::<bool>(),
    ) {
        let own = ConnectionLimits {
            protocol_version: own_version,
            receive_buffer_size: own_recv,
            send_buffer_size: own_send,
            ..ConnectionLimits::default()
        };
        match acknowledge(&own, &h, ecc) {
            Ok((a, server)) => {
                let client = check_acknowledge(&h, &a).unwrap();
                prop_assert_eq!(client.send_buffer_size, server.receive_buffer_size);
                prop_assert_eq!(client.receive_buffer_size, server.send_buffer_size);
                prop_assert_eq!(client.peer_max_message_size, server.local_max_message_size);
                prop_assert_eq!(server.peer_max_message_size, client.local_max_message_size);
                prop_assert_eq!(client.peer_max_chunk_count, server.local_max_chunk_count);
                prop_assert_eq!(server.peer_max_chunk_count, client.local_max_chunk_count);
                prop_assert_eq!(client.protocol_version, server.protocol_version);
                prop_assert!(a.receive_buffer_size <= h.send_buffer_size);
                prop_assert!(a.send_buffer_size <= h.receive_buffer_size);
            }
            Err(e) => {
                prop_assert_eq!(e.status_code(), StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES);
                let min = min_buffer_size(ecc);
                prop_assert!(
                    h.receive_buffer_size < min || h.send_buffer_size < min
                        || own_recv < min || own_send < min
                );
            }
        }
    }
}

// ------------------------------------------------------- known-answer bytes

const S2OPC_HEL: &str = "48454c46 43000000 00000000 ffff0000 ffff0000 fbff0400 05000000 23000000";
const S2OPC_ACK: &str = "41434b46 1c000000 00000000 ffff0000 ffff0000 fbff0400 05000000";

#[test]
fn s2opc_hello_bytes() {
    let mut bytes = unhex(S2OPC_HEL);
    bytes.extend_from_slice(b"opc.tcp://localhost:8888/myEndPoint");
    assert_eq!(bytes.len(), 0x43);
    let expected = Hello {
        protocol_version: 0,
        receive_buffer_size: 65_535,
        send_buffer_size: 65_535,
        max_message_size: 327_675,
        max_chunk_count: 5,
        endpoint_url: "opc.tcp://localhost:8888/myEndPoint".into(),
    };
    let m = decode(&bytes).unwrap();
    assert_eq!(m, UacpMessage::Hello(expected.clone()));
    let mut out = Vec::new();
    m.encode_frame(&mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(encode_to_vec(&expected).unwrap(), bytes[8..]);
}

#[test]
fn s2opc_acknowledge_bytes() {
    let bytes = unhex(S2OPC_ACK);
    let expected = Acknowledge {
        protocol_version: 0,
        receive_buffer_size: 65_535,
        send_buffer_size: 65_535,
        max_message_size: 327_675,
        max_chunk_count: 5,
    };
    let m = decode(&bytes).unwrap();
    assert_eq!(m, UacpMessage::Acknowledge(expected));
    let mut out = Vec::new();
    m.encode_frame(&mut out).unwrap();
    assert_eq!(out, bytes);
}

#[test]
fn s2opc_handshake_negotiates() {
    let mut bytes = unhex(S2OPC_HEL);
    bytes.extend_from_slice(b"opc.tcp://localhost:8888/myEndPoint");
    let Ok(UacpMessage::Hello(h)) = decode(&bytes) else {
        panic!("not a Hello")
    };
    let Ok(UacpMessage::Acknowledge(a)) = decode(&unhex(S2OPC_ACK)) else {
        panic!("not an ACK")
    };
    let n = check_acknowledge(&h, &a).unwrap();
    assert_eq!(n.send_buffer_size, 65_535);
    assert_eq!(n.receive_buffer_size, 65_535);
    assert_eq!(n.peer_max_message_size, 327_675);
    assert_eq!(n.peer_max_chunk_count, 5);
}

// ----------------------------------------------------------- malformed input

#[test]
fn malformed_frames() {
    let url_4095 = vec![b'u'; 4095];
    let url_4096 = vec![b'u'; 4096];
    let good_hello = frame(b"HEL", b'F', &hello_body(b"opc.tcp://h:4840"));

    let truncated_body = {
        let mut b = hello_body(b"opc.tcp://h:4840");
        b.truncate(b.len() - 1);
        frame(b"HEL", b'F', &b)
    };
    let truncated_fixed_fields = frame(b"ACK", b'F', &[0; 19]);
    let rhe_server_uri_4096 = {
        let mut b = ua_string_body(4096, &url_4096);
        b.extend(ua_string_body(-1, &[]));
        frame(b"RHE", b'F', &b)
    };
    let rhe_endpoint_url_4096 = {
        let mut b = ua_string_body(-1, &[]);
        b.extend(ua_string_body(4096, &url_4096));
        frame(b"RHE", b'F', &b)
    };
    let rhe_4095_body = {
        let mut b = ua_string_body(4095, &url_4095);
        b.extend(ua_string_body(4095, &url_4095));
        b
    };
    let rhe_4095 = frame(b"RHE", b'F', &rhe_4095_body);
    let err_reason = |n: usize| frame(b"ERR", b'F', &err_body(n));
    // A huge URL length is rejected from the prefix alone, before the bytes.
    let url_prefix_only = {
        let mut b = hello_body(b"");
        let at = b.len() - 4;
        b[at..].copy_from_slice(&i32::MAX.to_le_bytes());
        frame(b"HEL", b'F', &b)
    };
    let negative_len = {
        let mut b = hello_body(b"");
        let at = b.len() - 4;
        b[at..].copy_from_slice(&(-2i32).to_le_bytes());
        frame(b"HEL", b'F', &b)
    };
    let invalid_utf8 = frame(b"HEL", b'F', &hello_body(&[0xFF, 0xFE]));
    let mut size_too_big = good_hello.clone();
    size_too_big[4] += 1;
    let mut size_too_small = good_hello.clone();
    size_too_small[4] -= 1;
    let mut trailing = good_hello.clone();
    trailing.push(0);
    trailing[4] += 1;
    let mut unsized_trailing = good_hello.clone();
    unsized_trailing.push(0);

    let bad = StatusCode::BAD_DECODING_ERROR;
    let cases: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        ("good hello", good_hello.clone(), StatusCode::GOOD),
        ("truncated body", truncated_body, bad),
        ("truncated ACK", truncated_fixed_fields, bad),
        ("empty", vec![], bad),
        ("short header", good_hello[..7].to_vec(), bad),
        (
            "URL of 4095 bytes",
            frame(b"HEL", b'F', &hello_body(&url_4095)),
            StatusCode::GOOD,
        ),
        (
            "URL of 4096 bytes",
            frame(b"HEL", b'F', &hello_body(&url_4096)),
            StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        ),
        (
            "URL length i32::MAX, no bytes",
            url_prefix_only,
            StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        ),
        (
            "null URL",
            frame(b"HEL", b'F', &{
                let mut b = hello_body(b"");
                let at = b.len() - 4;
                b[at..].copy_from_slice(&(-1i32).to_le_bytes());
                b
            }),
            StatusCode::GOOD,
        ),
        ("RHE URIs of 4095 bytes", rhe_4095, StatusCode::GOOD),
        (
            "RHE ServerUri of 4096 bytes",
            rhe_server_uri_4096,
            StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        ),
        (
            "RHE EndpointUrl of 4096 bytes",
            rhe_endpoint_url_4096,
            StatusCode::BAD_TCP_ENDPOINT_URL_INVALID,
        ),
        (
            "ERR reason of 4096 bytes",
            err_reason(4096),
            StatusCode::GOOD,
        ),
        // Longer Reasons are ignored, the Error code kept (OPC 10000-6
        // §7.1.2.5); see `overlong_err_reason_keeps_the_code`.
        (
            "ERR reason of 4097 bytes",
            err_reason(4097),
            StatusCode::GOOD,
        ),
        ("string length -2", negative_len, bad),
        ("invalid UTF-8 URL", invalid_utf8, bad),
        (
            "unknown type tag",
            frame(b"XYZ", b'F', &hello_body(b"")),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "lower-case tag",
            frame(b"hel", b'F', &hello_body(b"")),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        // The fourth byte of HEL, ACK, ERR and RHE is Reserved and ignored
        // (OPC 10000-6 Table 73).
        (
            "C in the Reserved byte of HEL",
            frame(b"HEL", b'C', &hello_body(b"")),
            StatusCode::GOOD,
        ),
        (
            "A in the Reserved byte of ACK",
            frame(b"ACK", b'A', &[0; 20]),
            StatusCode::GOOD,
        ),
        (
            "X in the Reserved byte of ACK",
            frame(b"ACK", b'X', &[0; 20]),
            StatusCode::GOOD,
        ),
        (
            "0 in the Reserved byte of ERR",
            frame(b"ERR", 0, &err_body(4)),
            StatusCode::GOOD,
        ),
        (
            "0 in the Reserved byte of RHE",
            frame(b"RHE", 0, &rhe_4095_body),
            StatusCode::GOOD,
        ),
        (
            "MSG chunk",
            frame(b"MSG", b'F', &[0; 20]),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        (
            "OPN chunk",
            frame(b"OPN", b'F', &[0; 20]),
            StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        ),
        ("MessageSize too big", size_too_big, bad),
        ("MessageSize too small", size_too_small, bad),
        (
            "MessageSize below header",
            {
                let mut f = frame(b"ACK", b'F', &[]);
                f[4] = 7;
                f
            },
            bad,
        ),
        ("trailing bytes counted in MessageSize", trailing, bad),
        ("trailing bytes beyond MessageSize", unsized_trailing, bad),
    ];

    for (name, input, expected) in cases {
        let got = decode(&input).map_or_else(|e| e.status_code(), |_| StatusCode::GOOD);
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn url_error_reports_length() {
    let f = frame(b"HEL", b'F', &hello_body(&[b'u'; 5000]));
    assert_eq!(decode(&f), Err(Error::TcpEndpointUrlInvalid(5000)));
}

/// An ERR body with code 0x807E0000 and a Reason of `n` bytes.
fn err_body(n: usize) -> Vec<u8> {
    let mut b = 0x807E_0000u32.to_le_bytes().to_vec();
    b.extend(ua_string_body(i32::try_from(n).unwrap(), &vec![b'r'; n]));
    b
}

#[test]
fn overlong_err_reason_keeps_the_code() {
    // "A Client shall ignore strings that are longer than this"
    // (OPC 10000-6 §7.1.2.5): the Reason goes, the code stays.
    for (n, kept) in [(4096, true), (4097, false), (1 << 20, false)] {
        let e = decode_exact::<ErrorMessage>(&err_body(n), DecodeLimits::default()).unwrap();
        assert_eq!(e.error, StatusCode::from_bits(0x807E_0000), "{n}");
        assert_eq!(e.reason.as_str().map(str::len), kept.then_some(n), "{n}");
    }
    // A Reason that is not UTF-8 is dropped the same way.
    let mut b = 0x807E_0000u32.to_le_bytes().to_vec();
    b.extend(ua_string_body(2, &[0xFF, 0xFE]));
    let e = decode_exact::<ErrorMessage>(&b, DecodeLimits::default()).unwrap();
    assert_eq!((e.error.bits(), e.reason), (0x807E_0000, UaString::NULL));
    // A Reason longer than the bytes that follow is still a decoding error.
    let mut b = 0x807E_0000u32.to_le_bytes().to_vec();
    b.extend(5000i32.to_le_bytes());
    b.extend([b'r'; 10]);
    assert_eq!(
        decode_exact::<ErrorMessage>(&b, DecodeLimits::default()).map(|_| ()),
        Err(Error::Decoding("unexpected end of input"))
    );
}

#[test]
fn decode_limits_still_apply() {
    let limits = DecodeLimits {
        max_string_length: 10,
        ..DecodeLimits::default()
    };
    let f = frame(b"HEL", b'F', &hello_body(&[b'u'; 11]));
    let e = UacpMessage::decode_frame(&f, limits).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_ENCODING_LIMITS_EXCEEDED);
    let f = frame(b"HEL", b'F', &hello_body(&[b'u'; 10]));
    assert!(UacpMessage::decode_frame(&f, limits).is_ok());
}

#[test]
fn encoding_refuses_invalid_messages() {
    let long_url = UaString::from("u".repeat(4096));
    let h = Hello {
        protocol_version: 0,
        receive_buffer_size: 65_535,
        send_buffer_size: 65_535,
        max_message_size: 0,
        max_chunk_count: 0,
        endpoint_url: long_url.clone(),
    };
    assert_eq!(encode_to_vec(&h), Err(Error::TcpEndpointUrlInvalid(4096)));
    let mut out = vec![1, 2, 3];
    assert_eq!(
        UacpMessage::Hello(h).encode_frame(&mut out),
        Err(Error::TcpEndpointUrlInvalid(4096))
    );
    assert_eq!(out, [1, 2, 3], "nothing appended on error");

    for r in [
        ReverseHello {
            server_uri: long_url.clone(),
            endpoint_url: UaString::NULL,
        },
        ReverseHello {
            server_uri: UaString::NULL,
            endpoint_url: long_url.clone(),
        },
    ] {
        assert_eq!(encode_to_vec(&r), Err(Error::TcpEndpointUrlInvalid(4096)));
    }

    let e = ErrorMessage {
        error: StatusCode::BAD_TCP_INTERNAL_ERROR,
        reason: UaString::from("r".repeat(4097)),
    };
    assert_eq!(
        encode_to_vec(&e),
        Err(Error::EncodingLimitsExceeded("ERR reason"))
    );
    let e = ErrorMessage {
        reason: UaString::from("r".repeat(4096)),
        ..e
    };
    assert!(encode_to_vec(&e).is_ok());
}

#[test]
fn error_message_conversions() {
    let e = Error::TcpMessageTypeInvalid("unknown message type");
    let m = ErrorMessage::from_error(&e);
    assert_eq!(m.error, StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID);
    assert!(m.reason.as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        m.to_error(),
        Error::Peer {
            code: StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
            reason: m.reason.as_str().unwrap().to_owned(),
        }
    );
    let bytes = encode_to_vec(&ErrorMessage {
        error: StatusCode::BAD_TCP_MESSAGE_TYPE_INVALID,
        reason: UaString::NULL,
    })
    .unwrap();
    assert_eq!(bytes, [0x00, 0x00, 0x7E, 0x80, 0xFF, 0xFF, 0xFF, 0xFF]);
}

// ---------------------------------------------------------------- negotiation

fn hello_with(recv: u32, send: u32) -> Hello {
    Hello {
        protocol_version: 0,
        receive_buffer_size: recv,
        send_buffer_size: send,
        max_message_size: 1 << 20,
        max_chunk_count: 16,
        endpoint_url: "opc.tcp://h:4840".into(),
    }
}

fn limits(recv: u32, send: u32) -> ConnectionLimits {
    ConnectionLimits {
        receive_buffer_size: recv,
        send_buffer_size: send,
        ..ConnectionLimits::default()
    }
}

fn ack_with(recv: u32, send: u32) -> Acknowledge {
    Acknowledge {
        protocol_version: 0,
        receive_buffer_size: recv,
        send_buffer_size: send,
        max_message_size: 0,
        max_chunk_count: 0,
    }
}

fn field_of(e: Error) -> &'static str {
    match e {
        Error::TcpBufferSizeInvalid { field, .. } => field,
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn defaults() {
    let d = ConnectionLimits::default();
    assert_eq!(d, ConnectionLimits::DEFAULT);
    assert_eq!(d.protocol_version, 0);
    assert_eq!(d.receive_buffer_size, 65_535);
    assert_eq!(d.send_buffer_size, 65_535);
    assert_eq!(d.max_message_size, 16 * 1024 * 1024);
    assert_eq!(d.max_chunk_count, 512);
    // The default message fits the default chunk count even with 100 bytes
    // of headers, signature and padding per chunk.
    let per_chunk = d.receive_buffer_size - 100;
    assert!(d.max_message_size.div_ceil(per_chunk) <= d.max_chunk_count);
    assert_eq!(min_buffer_size(false), MIN_BUFFER_SIZE);
    assert_eq!(min_buffer_size(true), MIN_BUFFER_SIZE_ECC);
    assert_eq!((MIN_BUFFER_SIZE, MIN_BUFFER_SIZE_ECC), (8192, 1024));
    let h = d.hello("opc.tcp://x");
    assert_eq!(h.receive_buffer_size, 65_535);
    assert_eq!(h.max_chunk_count, 512);
    assert_eq!(h.endpoint_url.as_str(), Some("opc.tcp://x"));
}

#[test]
fn server_takes_the_minimum_of_both_sides() {
    let own = ConnectionLimits {
        max_message_size: 4096 * 1024,
        max_chunk_count: 64,
        ..limits(32_768, 65_535)
    };
    let h = hello_with(16_384, 100_000);
    let (a, n) = acknowledge(&own, &h, false).unwrap();
    assert_eq!(a.receive_buffer_size, 32_768); // min(own recv, hello send)
    assert_eq!(a.send_buffer_size, 16_384); // min(own send, hello recv)
    assert_eq!(a.max_message_size, 4096 * 1024);
    assert_eq!(a.max_chunk_count, 64);
    assert_eq!(n.receive_buffer_size, 32_768);
    assert_eq!(n.send_buffer_size, 16_384);
    assert_eq!(n.peer_max_message_size, 1 << 20);
    assert_eq!(n.peer_max_chunk_count, 16);
    assert_eq!(n.local_max_message_size, 4096 * 1024);
    assert_eq!(n.local_max_chunk_count, 64);

    let c = check_acknowledge(&h, &a).unwrap();
    assert_eq!(c.send_buffer_size, 32_768);
    assert_eq!(c.receive_buffer_size, 16_384);
    assert_eq!(c.peer_max_message_size, 4096 * 1024);
    assert_eq!(c.local_max_chunk_count, 16);
}

#[test]
fn server_minimum_edges() {
    let own = ConnectionLimits::default();
    assert!(acknowledge(&own, &hello_with(8192, 8192), false).is_ok());
    let e = acknowledge(&own, &hello_with(8191, 8192), false).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES);
    assert_eq!(
        e,
        Error::TcpBufferSizeInvalid {
            field: "Hello.ReceiveBufferSize",
            value: 8191
        }
    );
    assert_eq!(
        field_of(acknowledge(&own, &hello_with(8192, 8191), false).unwrap_err()),
        "Hello.SendBufferSize"
    );

    // ECC lowers the minimum to 1024.
    let (a, _) = acknowledge(&own, &hello_with(1024, 1024), true).unwrap();
    assert_eq!((a.receive_buffer_size, a.send_buffer_size), (1024, 1024));
    assert!(acknowledge(&own, &hello_with(1024, 1024), false).is_err());
    assert_eq!(
        field_of(acknowledge(&own, &hello_with(1023, 1024), true).unwrap_err()),
        "Hello.ReceiveBufferSize"
    );
    assert_eq!(
        field_of(acknowledge(&own, &hello_with(1024, 1023), true).unwrap_err()),
        "Hello.SendBufferSize"
    );
}

#[test]
fn server_own_limits_are_checked() {
    let h = hello_with(65_535, 65_535);
    assert_eq!(
        field_of(acknowledge(&limits(8191, 65_535), &h, false).unwrap_err()),
        "ConnectionLimits.receive_buffer_size"
    );
    assert_eq!(
        field_of(acknowledge(&limits(65_535, 8191), &h, false).unwrap_err()),
        "ConnectionLimits.send_buffer_size"
    );
    assert!(limits(8192, 8192).validate(false).is_ok());
    assert!(limits(1024, 1024).validate(true).is_ok());
    assert!(limits(1023, 1024).validate(true).is_err());

    // With ECC an own buffer below 8192 is raised to 8192 when the Hello
    // offered at least 8192, as Table 75 requires; otherwise it stays.
    let (a, n) = acknowledge(&limits(2048, 2048), &h, true).unwrap();
    assert_eq!((a.receive_buffer_size, a.send_buffer_size), (8192, 8192));
    assert_eq!((n.receive_buffer_size, n.send_buffer_size), (8192, 8192));
    assert!(check_acknowledge(&h, &a).is_ok());
    let (a, _) = acknowledge(&limits(2048, 2048), &hello_with(4096, 8192), true).unwrap();
    assert_eq!((a.receive_buffer_size, a.send_buffer_size), (8192, 2048));
}

#[test]
fn server_protocol_version_is_the_minimum() {
    let h = Hello {
        protocol_version: 3,
        ..hello_with(65_535, 65_535)
    };
    let own = ConnectionLimits {
        protocol_version: 1,
        ..ConnectionLimits::default()
    };
    let (a, n) = acknowledge(&own, &h, false).unwrap();
    assert_eq!((a.protocol_version, n.protocol_version), (1, 1));
    let own = ConnectionLimits {
        protocol_version: 5,
        ..ConnectionLimits::default()
    };
    let (a, _) = acknowledge(&own, &h, false).unwrap();
    assert_eq!(a.protocol_version, 3);
}

#[test]
fn client_rejects_more_than_offered() {
    let h = hello_with(16_384, 32_768);
    assert!(check_acknowledge(&h, &ack_with(32_768, 16_384)).is_ok());
    assert_eq!(
        check_acknowledge(&h, &ack_with(32_769, 16_384)).unwrap_err(),
        Error::TcpBufferSizeInvalid {
            field: "Acknowledge.ReceiveBufferSize",
            value: 32_769
        }
    );
    assert_eq!(
        field_of(check_acknowledge(&h, &ack_with(32_768, 16_385)).unwrap_err()),
        "Acknowledge.SendBufferSize"
    );
}

#[test]
fn client_minimum_edges() {
    // Hello offered ≥ 8192: the ACK must be ≥ 8192.
    let h = hello_with(65_535, 65_535);
    assert!(check_acknowledge(&h, &ack_with(8192, 8192)).is_ok());
    assert_eq!(
        field_of(check_acknowledge(&h, &ack_with(8191, 8192)).unwrap_err()),
        "Acknowledge.ReceiveBufferSize"
    );
    assert_eq!(
        field_of(check_acknowledge(&h, &ack_with(8192, 8191)).unwrap_err()),
        "Acknowledge.SendBufferSize"
    );
    // Hello offered exactly 8192: the ACK must be exactly 8192.
    let h = hello_with(8192, 8192);
    assert!(check_acknowledge(&h, &ack_with(8192, 8192)).is_ok());
    assert!(check_acknowledge(&h, &ack_with(8191, 8192)).is_err());

    // Hello offered < 8192 (ECC): the ACK must be ≥ 1024.
    let h = hello_with(8191, 4096);
    assert!(check_acknowledge(&h, &ack_with(1024, 1024)).is_ok());
    assert!(check_acknowledge(&h, &ack_with(4096, 8191)).is_ok());
    assert_eq!(
        field_of(check_acknowledge(&h, &ack_with(1023, 1024)).unwrap_err()),
        "Acknowledge.ReceiveBufferSize"
    );
    assert_eq!(
        field_of(check_acknowledge(&h, &ack_with(1024, 1023)).unwrap_err()),
        "Acknowledge.SendBufferSize"
    );
}

#[test]
fn client_protocol_version() {
    let h = Hello {
        protocol_version: 1,
        ..hello_with(65_535, 65_535)
    };
    let a = |v| Acknowledge {
        protocol_version: v,
        ..ack_with(65_535, 65_535)
    };
    assert_eq!(check_acknowledge(&h, &a(0)).unwrap().protocol_version, 0);
    assert_eq!(check_acknowledge(&h, &a(1)).unwrap().protocol_version, 1);
    let e = check_acknowledge(&h, &a(2)).unwrap_err();
    assert_eq!(e, Error::ProtocolVersionUnsupported(2));
    assert_eq!(
        e.status_code(),
        StatusCode::BAD_PROTOCOL_VERSION_UNSUPPORTED
    );
}
