//! Every MSG and CLO chunk of every captured connection opens with keys
//! derived from the recorded nonces; re-securing the recorded plaintext gives
//! the recorded bytes; any single flipped byte is rejected.
//!
//! Captures of the deprecated policies are checked with
//! `--features legacy-policies` and skipped (and counted as skipped) without.

mod common;

use common::{captures, h, hex, s};
use uasc::StatusCode;
use uasc::chunk::{
    ChunkHeaders, ChunkType, MessageType, SecurityHeader, SymmetricChunk, open_symmetric,
    secure_symmetric_padded,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{KeySide, SymmetricKeys, by_uri};

#[test]
fn captured_symmetric_chunks_open_and_reseal() {
    let (mut verified, mut skipped, mut chunks_opened) = (0, 0, 0);
    for (name, v) in captures() {
        let Some(policy) = by_uri(s(&v, "security_policy_uri")) else {
            skipped += 1;
            continue;
        };
        let mode = match s(&v, "security_mode") {
            "Sign" => MessageSecurityMode::Sign,
            "SignAndEncrypt" => MessageSecurityMode::SignAndEncrypt,
            m => panic!("{name}: mode {m}"),
        };
        let (cn, sn) = (h(&v, "client_nonce_hex"), h(&v, "server_nonce_hex"));
        let client = SymmetricKeys::derive(policy, KeySide::Client, &cn, &sn).unwrap();
        let server = SymmetricKeys::derive(policy, KeySide::Server, &cn, &sn).unwrap();

        for (field, keys) in [
            ("msg_client_to_server_first", &client),
            ("msg_read_request", &client),
            ("msg_server_to_client_first", &server),
            ("msg_read_response", &server),
        ] {
            let m = &v[field];
            let raw = h(m, "raw_chunk_hex");
            let ctx = format!("{name} {field}");
            let mut chunk = raw.clone();
            let (seq, body) = open_symmetric(&mut chunk, keys, mode).expect(&ctx);
            assert_eq!(chunk[16..], h(m, "plaintext_hex")[..], "{ctx}: plaintext");
            assert_eq!(chunk[body.clone()], h(m, "body_hex")[..], "{ctx}: body");
            assert_eq!(
                u64::from(seq.sequence_number),
                m["sequence_number"].as_u64().unwrap()
            );
            assert_eq!(u64::from(seq.request_id), m["request_id"].as_u64().unwrap());

            // Re-securing the recorded body reproduces the recorded bytes.
            let mut again = Vec::new();
            let header = SymmetricChunk {
                message_type: MessageType::Message,
                chunk_type: ChunkType::Final,
                secure_channel_id: v["secure_channel_id"].as_u64().unwrap() as u32,
                token_id: m["token_id"].as_u64().unwrap() as u32,
                sequence: seq,
            };
            let padding = (mode == MessageSecurityMode::SignAndEncrypt)
                .then(|| m["padding_size_byte"].as_u64().unwrap() as usize);
            secure_symmetric_padded(&mut again, &header, &chunk[body], keys, mode, padding)
                .unwrap();
            assert_eq!(again, raw, "{ctx}: re-secured bytes");

            // Any single flipped byte is rejected with the one uniform error.
            for i in 0..raw.len() {
                let mut bad = raw.clone();
                bad[i] ^= 0x01;
                let e = open_symmetric(&mut bad, keys, mode).unwrap_err();
                assert_eq!(
                    e.status_code(),
                    StatusCode::BAD_SECURITY_CHECKS_FAILED,
                    "{ctx} byte {i}"
                );
            }
        }

        // Every MSG/CLO chunk of both streams opens, with sequence numbers
        // continuing from the OPN's, one by one.
        for (dir, keys) in [
            ("all_chunks_client_to_server_hex", &client),
            ("all_chunks_server_to_client_hex", &server),
        ] {
            let mut last = None;
            for c in v[dir].as_array().unwrap() {
                let mut chunk = hex(c.as_str().unwrap());
                if matches!(&chunk[..3], b"HEL" | b"ACK") {
                    continue;
                }
                let headers = ChunkHeaders::parse(&chunk, 1 << 16).unwrap();
                if let SecurityHeader::Asymmetric(_) = headers.security {
                    let opn = if dir.contains("client_to") {
                        "opn_request"
                    } else {
                        "opn_response"
                    };
                    last = v[opn]["sequence_number"].as_u64();
                    continue;
                }
                let (seq, _) = open_symmetric(&mut chunk, keys, mode).expect(&name);
                let expected = last.map(|l| l + 1);
                assert_eq!(
                    Some(u64::from(seq.sequence_number)),
                    expected,
                    "{name} {dir}"
                );
                last = Some(u64::from(seq.sequence_number));
                chunks_opened += 1;
            }
        }
        verified += 1;
    }
    println!(
        "symmetric vectors: {verified} files verified, {chunks_opened} chunks opened, {skipped} legacy files skipped"
    );
    assert!(verified > 0, "no capture files verified");
}
