//! Every chunk of every captured connection in the vectors folders (RSA
//! policies between asyncua and node-opcua, ECC policies between two
//! open62541 peers) frames, and its headers and cleartext bodies decode to
//! what the peers sent.

mod common;

use common::{captures, h, hex, s};
use uasc::chunk::{ChunkHeaders, ChunkType, Framer, MessageType, SecurityHeader, SequenceHeader};
use uasc::codec::{Decode, DecodeLimits, Reader, encode_to_vec};
use uasc::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, OpenSecureChannelResponse,
    SecurityTokenRequestType, decode_message,
};
use uasc::uacp::{self, UacpMessage};

/// Frames `chunks` after concatenating them and cutting the stream into
/// pieces of `piece` bytes; returns the frames in order.
fn reframe(chunks: &[Vec<u8>], piece: usize) -> Vec<Vec<u8>> {
    let stream: Vec<u8> = chunks.concat();
    let mut framer = Framer::new(1 << 20);
    let mut out = Vec::new();
    for p in stream.chunks(piece) {
        let mut input = p;
        while let Some(frame) = framer.next_frame(&mut input).expect("frame") {
            assert_eq!(frame.bytes.len(), frame.header.message_size as usize);
            out.push(frame.bytes.to_vec());
        }
    }
    assert_eq!(framer.buffered(), 0, "no partial frame left");
    out
}

/// The chunks one side of a capture sent, checked to frame back into the
/// same chunks from a stream cut into pieces of 1, 7 and 4096 bytes.
fn reframed_chunks(name: &str, v: &serde_json::Value, dir: &str) -> Vec<Vec<u8>> {
    let chunks: Vec<Vec<u8>> = v[dir]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| hex(c.as_str().unwrap()))
        .collect();
    for piece in [1, 7, 4096] {
        assert_eq!(
            reframe(&chunks, piece),
            chunks,
            "{name} {dir} piece {piece}"
        );
    }
    chunks
}

/// A HEL or ACK frame decoded, and checked to encode to the same bytes.
fn uacp_round_trip(chunk: &[u8], ctx: &str) -> UacpMessage {
    let msg = UacpMessage::decode_frame(chunk, DecodeLimits::DEFAULT).expect(ctx);
    let mut again = Vec::new();
    msg.encode_frame(&mut again).unwrap();
    assert_eq!(again, chunk, "{ctx}: re-encodes identically");
    msg
}

#[test]
fn every_captured_chunk_frames_and_its_headers_decode() {
    let files = captures();
    let mut n = 0;
    for (name, v) in &files {
        let channel_id = v["secure_channel_id"].as_u64().unwrap() as u32;
        let token_id = v["token_id"].as_u64().unwrap() as u32;
        let policy = s(v, "security_policy_uri");
        let client_cert = h(v, "client_certificate_der_hex");
        let server_cert = h(v, "server_certificate_der_hex");
        let mut hello = None;
        for (dir, own_cert, peer_thumb_field) in [
            (
                "all_chunks_client_to_server_hex",
                &client_cert,
                "opn_request",
            ),
            (
                "all_chunks_server_to_client_hex",
                &server_cert,
                "opn_response",
            ),
        ] {
            let chunks = reframed_chunks(name, v, dir);
            for (i, chunk) in chunks.iter().enumerate() {
                let ctx = format!("{name} {dir} #{i}");
                if chunk[..3] == *b"HEL" || chunk[..3] == *b"ACK" {
                    let msg = uacp_round_trip(chunk, &ctx);
                    match msg {
                        UacpMessage::Hello(hel) => {
                            assert_eq!(i, 0, "{ctx}: HEL comes first");
                            assert_eq!(hel.protocol_version, 0);
                            assert!(
                                hel.endpoint_url
                                    .as_str()
                                    .unwrap()
                                    .starts_with("opc.tcp://127.0.0.1:"),
                                "{ctx}"
                            );
                            hello = Some(hel);
                        }
                        UacpMessage::Acknowledge(ack) => {
                            assert_eq!(i, 0, "{ctx}: ACK comes first");
                            let hel = hello.as_ref().expect("HEL before ACK");
                            let negotiated = uacp::check_acknowledge(hel, &ack).expect(&ctx);
                            assert!(negotiated.send_buffer_size >= 8192);
                        }
                        other => panic!("{ctx}: unexpected {other:?}"),
                    }
                    continue;
                }
                let headers = ChunkHeaders::parse(chunk, 1 << 16).expect(&ctx);
                let frame = headers.message.frame;
                assert_eq!(frame.chunk_type, ChunkType::Final, "{ctx}");
                let first_opn =
                    frame.message_type == MessageType::Open && dir.contains("client_to") && i == 1;
                let expected_channel = if first_opn { 0 } else { channel_id };
                assert_eq!(headers.message.secure_channel_id, expected_channel, "{ctx}");
                match headers.security {
                    SecurityHeader::Asymmetric(a) => {
                        assert_eq!(frame.message_type, MessageType::Open, "{ctx}");
                        assert_eq!(a.security_policy_uri, Some(policy), "{ctx}");
                        assert_eq!(a.sender_certificate, Some(own_cert.as_slice()), "{ctx}");
                        let thumb = h(&v[peer_thumb_field], "receiver_thumbprint_sha1_hex");
                        assert_eq!(
                            a.receiver_certificate_thumbprint,
                            Some(thumb.as_slice()),
                            "{ctx}"
                        );
                        assert_eq!(
                            headers.header_len,
                            v[peer_thumb_field]["asym_header_len"].as_u64().unwrap() as usize,
                            "{ctx}"
                        );
                        assert_eq!(a.encoded_len() + 12, headers.header_len);
                        let mut again = Vec::new();
                        headers
                            .message
                            .encode(&mut uasc::codec::Writer::new(&mut again))
                            .unwrap();
                        a.encode(&mut uasc::codec::Writer::new(&mut again)).unwrap();
                        assert_eq!(again, chunk[..headers.header_len], "{ctx}");
                    }
                    SecurityHeader::Symmetric(sym) => {
                        assert!(matches!(
                            frame.message_type,
                            MessageType::Message | MessageType::Close
                        ));
                        assert_eq!(sym.token_id, token_id, "{ctx}");
                        assert_eq!(headers.header_len, 16);
                    }
                }
            }
        }
        check_opn_bodies(name, v);
        n += 1;
    }
    println!("captures: {n} files framed");
    assert!(
        n > 0,
        "no capture files found in {}",
        common::vectors_dir().display()
    );
}

/// The ECC captures: policies this crate does not build in, but framing,
/// UACP and the chunk headers do not depend on the policy. Each connection
/// renews its token once, so each direction holds two OPN chunks.
#[test]
fn every_chunk_of_the_ecc_captures_frames_and_its_headers_decode() {
    let files = common::captures_in(&common::vectors_ecc_dir());
    let mut n = 0;
    for (name, v) in &files {
        let policy = s(v, "security_policy_uri");
        let channel_id = v["secure_channel_id"].as_u64().unwrap() as u32;
        let renewals = v["renewals"].as_array().unwrap().len();
        for (dir, cert) in [
            (
                "all_chunks_client_to_server_hex",
                "client_certificate_der_hex",
            ),
            (
                "all_chunks_server_to_client_hex",
                "server_certificate_der_hex",
            ),
        ] {
            let chunks = reframed_chunks(name, v, dir);
            let mut opens = 0;
            for (i, chunk) in chunks.iter().enumerate() {
                let ctx = format!("{name} {dir} #{i}");
                if chunk[..3] == *b"HEL" || chunk[..3] == *b"ACK" {
                    assert_eq!(i, 0, "{ctx}: HEL and ACK come first");
                    uacp_round_trip(chunk, &ctx);
                    continue;
                }
                let headers = ChunkHeaders::parse(chunk, 1 << 16).expect(&ctx);
                match headers.security {
                    SecurityHeader::Asymmetric(a) => {
                        opens += 1;
                        assert_eq!(a.security_policy_uri, Some(policy), "{ctx}");
                        assert_eq!(a.sender_certificate, Some(h(v, cert).as_slice()), "{ctx}");
                    }
                    SecurityHeader::Symmetric(_) => {
                        assert_eq!(headers.message.secure_channel_id, channel_id, "{ctx}");
                    }
                }
            }
            assert_eq!(opens, 1 + renewals, "{name} {dir}: Issue and each Renew");
        }
        n += 1;
    }
    println!("ecc captures: {n} files framed");
    assert!(
        n > 0,
        "no capture files found in {}",
        common::vectors_ecc_dir().display()
    );
}

use uasc::codec::Encode;

/// The decrypted OPN chunks hold a SequenceHeader and an
/// OpenSecureChannelRequest/Response carrying the recorded nonces.
fn check_opn_bodies(name: &str, v: &serde_json::Value) {
    let req = &v["opn_request"];
    let plain = h(req, "decrypted_hex");
    let mut r = Reader::new(&plain);
    let seq = SequenceHeader::decode(&mut r).unwrap();
    assert_eq!(
        seq.sequence_number as u64,
        req["sequence_number"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(
        seq.request_id as u64,
        req["request_id"].as_u64().unwrap(),
        "{name}"
    );
    let body_start = r.position();
    let request: OpenSecureChannelRequest = decode_message(&mut r).expect(name);
    assert_eq!(
        &plain[body_start..r.position()],
        h(req, "body_hex").as_slice(),
        "{name}: body bounds"
    );
    assert_eq!(request.request_type, SecurityTokenRequestType::Issue);
    let mode = match s(v, "security_mode") {
        "Sign" => MessageSecurityMode::Sign,
        _ => MessageSecurityMode::SignAndEncrypt,
    };
    assert_eq!(request.security_mode, mode, "{name}");
    assert_eq!(
        request.client_nonce.as_bytes(),
        Some(h(v, "client_nonce_hex").as_slice()),
        "{name}"
    );
    let mut again = Vec::new();
    uasc::messages::encode_message(&request, &mut uasc::codec::Writer::new(&mut again)).unwrap();
    assert_eq!(
        again,
        h(req, "body_hex"),
        "{name}: request re-encodes identically"
    );

    let resp = &v["opn_response"];
    let plain = h(resp, "decrypted_hex");
    let mut r = Reader::new(&plain);
    let seq = SequenceHeader::decode(&mut r).unwrap();
    assert_eq!(
        seq.request_id as u64,
        resp["request_id"].as_u64().unwrap(),
        "{name}"
    );
    let response: OpenSecureChannelResponse = decode_message(&mut r).expect(name);
    assert_eq!(
        response.server_nonce.as_bytes(),
        Some(h(v, "server_nonce_hex").as_slice()),
        "{name}"
    );
    let token = response.security_token;
    assert_eq!(
        token.channel_id as u64,
        v["secure_channel_id"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(
        token.token_id as u64,
        v["token_id"].as_u64().unwrap(),
        "{name}"
    );
    assert_eq!(
        token.revised_lifetime as u64,
        v["revised_lifetime_ms"].as_u64().unwrap(),
        "{name}"
    );
    assert!(response.response_header.service_result.is_good());
    assert_eq!(
        encode_to_vec(&response).unwrap(),
        h(resp, "body_hex")[4..].to_vec(),
        "{name}"
    );
}
