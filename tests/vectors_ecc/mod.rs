//! The ECC captures (open62541 ↔ open62541, `tests/data/vectors-ecc`) and
//! any other file of their format (our own channels completed by the
//! independent script, the script's own channels; RSA_DH included),
//! checked through the public API. For every file of a built-in policy:
//!
//! - every exchange (Issue and each Renew): an `EcdhExchange` made from the
//!   recorded ephemeral private key gives the recorded nonce; ECDH both ways
//!   gives the recorded shared secret; the key input the token carries is
//!   the recorded IKM (chained for SecureChannelEnhancements, not chained
//!   for the others, as open62541 does: deviation D4); the salts and HKDF
//!   over them give the recorded keys, with L per the Sign-mode rule (D3);
//!   bad peer keys are `BadNonceInvalid`;
//! - both OPN chunks of every exchange verify against the sender's
//!   certificate key, the first response only over the request's signature
//!   too (SecureChannelEnhancements), whose signature is the recorded
//!   ChannelThumbprint; the receiver thumbprints name the receivers; the
//!   trailing 0x00 open62541 writes before the signature (D2) is the only
//!   byte that may follow the body (and in open62541's captures does);
//!   every flipped byte of the first exchange's OPN chunks is refused
//!   (sampled, where the caller asks for it, as described at `check_file`);
//! - every MSG and CLO chunk of both directions, under both tokens, opens
//!   with the sender's sending keys and with the receiver's receiving keys
//!   to the recorded plaintext, with sequence numbers continuing from the
//!   OPN's (AEAD nonces from the previous one); securing the recorded body
//!   again gives the recorded bytes; every flipped byte of the first chunk
//!   each way under each token is refused.

use std::collections::HashMap;

use serde_json::Value;
use uasc::StatusCode;
use uasc::cert::thumbprint;
use uasc::chunk::{
    ChunkHeaders, ChunkType, MessageType, SymmetricChunk, open_asymmetric_with_suffix,
    open_symmetric, secure_symmetric_padded,
};
use uasc::codec::{DecodeLimits, Reader};
use uasc::crypto::{EcdhCurve, HashAlgorithm, default_provider, hkdf};
use uasc::key::PrivateKey;
use uasc::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, OpenSecureChannelResponse, decode_message,
};
use uasc::policy::{
    BuiltinPolicy, ChainingSecret, KeyExchange, OwnKey, PeerKey, Role, SecurityPolicy, TokenKeys,
};

use crate::common::{h, hex, s};

const MAX_CERT: u32 = 1 << 16;

/// Whether a capture is of an ECC policy (its nonces are ephemeral keys).
#[allow(dead_code)] // not every test crate that includes this module sorts files
pub fn is_ecc(v: &Value) -> bool {
    v.get("client_ephemeral_private_key_hex").is_some()
}

fn mode(v: &Value) -> MessageSecurityMode {
    match s(v, "security_mode") {
        "Sign" => MessageSecurityMode::Sign,
        "SignAndEncrypt" => MessageSecurityMode::SignAndEncrypt,
        m => panic!("mode {m}"),
    }
}

fn n(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("field {key} missing"))
}

fn curve(policy: &BuiltinPolicy) -> (EcdhCurve, HashAlgorithm) {
    let d = policy.descriptor();
    let (curve, hash) = policy.key_agreement().expect(d.name);
    assert_eq!(curve.public_key_len(), d.nonce_len, "{}", d.name);
    (curve, hash)
}

/// The bytes of a chunk of `len` bytes to flip.
fn flipped_positions(len: usize, every_byte: bool) -> impl Iterator<Item = usize> {
    (0..len).filter(move |&pos| every_byte || pos < 24 || pos % 13 == 0 || pos + 1 == len)
}

fn assert_security_failure<T>(result: uasc::Result<T>, ctx: &str) {
    match result {
        Ok(_) => panic!("{ctx}: accepted"),
        Err(e) => assert_eq!(
            e.status_code(),
            StatusCode::BAD_SECURITY_CHECKS_FAILED,
            "{ctx}"
        ),
    }
}

/// Every exchange of the file: the first (top level) and the renewals.
fn exchanges(v: &Value) -> Vec<&Value> {
    std::iter::once(v)
        .chain(v["renewals"].as_array().expect("renewals").iter())
        .collect()
}

/// Checks one ECC capture under `policy` (the built-in policy of its URI).
/// With `every_byte`, every byte of the first OPN chunks and of the first
/// chunk under each token is flipped in turn; without, the header bytes
/// and every 13th byte.
pub fn check_file(name: &str, v: &Value, policy: &'static BuiltinPolicy, every_byte: bool) {
    let d = policy.descriptor();
    let mode = mode(v);
    // open62541 chains renewals only under SecureChannelEnhancements (D4).
    let recorded = policy.chain_renewals(d.secure_channel_enhancements);
    let tokens = token_keys(name, v, &recorded, mode);
    if !d.secure_channel_enhancements {
        // The default follows OPC 10000-6 §6.8.1 and chains: its renewed
        // keys are not open62541's.
        assert!(policy.chains_renewals(), "{name}");
        let chained = token_keys_unchecked(v, policy, mode);
        let renewed = n(&v["renewals"][0], "token_id") as u32;
        let first_after = &v["msg_client_to_server_first_after_renewal"];
        let mut chunk = h(first_after, "raw_chunk_hex");
        let seq = n(first_after, "sequence_number") as u32;
        assert_security_failure(
            open_symmetric(&mut chunk, &*chained[&renewed].0.sending, mode, seq),
            &format!("{name}: chained renewal keys"),
        );
    }
    check_opn(name, v, policy, every_byte);
    check_chunks(name, v, &tokens, mode, d.aead, every_byte);
}

/// The token keys of both ends for every exchange, by TokenId, from
/// exchanges made with the recorded ephemeral private keys; checks each
/// step against the recording.
fn token_keys(
    name: &str,
    v: &Value,
    policy: &BuiltinPolicy,
    mode: MessageSecurityMode,
) -> HashMap<u32, (TokenKeys, TokenKeys)> {
    let (ecdh_curve, hash) = curve(policy);
    let provider = default_provider();
    let mut out = HashMap::new();
    let mut previous: Option<(ChainingSecret, ChainingSecret)> = None;
    for (i, x) in exchanges(v).into_iter().enumerate() {
        let ctx = format!("{name} exchange {i}");
        let cn = h(x, "client_nonce_hex");
        let sn = h(x, "server_nonce_hex");
        let cpriv = h(x, "client_ephemeral_private_key_hex");
        let spriv = h(x, "server_ephemeral_private_key_hex");

        // ECDH both ways gives the recorded secret.
        let shared = h(x, "ecdh_shared_secret_hex");
        let own = |private: &[u8]| {
            (provider.ephemeral_from_private_bytes)(ecdh_curve, private).expect(&ctx)
        };
        assert_eq!(own(&cpriv).public_key(), &cn[..], "{ctx}: client nonce");
        assert_eq!(own(&spriv).public_key(), &sn[..], "{ctx}: server nonce");
        assert_eq!(own(&cpriv).agree(&sn).unwrap().as_bytes(), shared, "{ctx}");
        assert_eq!(own(&spriv).agree(&cn).unwrap().as_bytes(), shared, "{ctx}");

        // The salts, L and HKDF of OPC 10000-6 §6.8.1 give the recorded
        // keys (L counts only the signing key for non-AEAD Sign: D3).
        let ikm = h(x, "hkdf_ikm_hex");
        let l = n(x, "hkdf_L") as usize;
        let d = policy.descriptor();
        let expected_l = if !d.aead && mode == MessageSecurityMode::Sign {
            d.signing_key_len
        } else {
            d.key_material_len()
        };
        assert_eq!(l, expected_l, "{ctx}: L");
        for (label, first, second, salt_field, keys_field) in [
            (
                &b"opcua-client"[..],
                &cn,
                &sn,
                "client_salt_hex",
                "client_keys",
            ),
            (
                &b"opcua-server"[..],
                &sn,
                &cn,
                "server_salt_hex",
                "server_keys",
            ),
        ] {
            let salt = [&(l as u16).to_le_bytes()[..], label, first, second].concat();
            assert_eq!(salt, h(x, salt_field), "{ctx}: {salt_field}");
            let mut keys = vec![0u8; l];
            hkdf(provider, hash, &ikm, &salt, &salt, &mut keys).unwrap();
            let k = &x[keys_field];
            let recorded = [h(k, "signing_key"), h(k, "encrypting_key"), h(k, "iv")].concat();
            assert_eq!(keys, recorded, "{ctx}: {keys_field}");
        }

        // The policy's own exchanges agree, and the key input they carry
        // to the next token is the recorded IKM.
        let (client_prev, server_prev) = match &previous {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        };
        let exchange = |private: &[u8], prev| {
            policy
                .key_exchange_with_private_key(mode, private, prev)
                .expect(&ctx)
        };
        let client = Box::new(exchange(&cpriv, client_prev));
        assert_eq!(client.local_nonce(), &cn[..], "{ctx}");
        let client = client.complete(Role::Client, &sn).expect(&ctx);
        let server = Box::new(exchange(&spriv, server_prev))
            .complete(Role::Server, &cn)
            .expect(&ctx);
        let (c_chain, s_chain) = (
            client.chaining.clone().expect("ECC tokens chain"),
            server.chaining.clone().expect("ECC tokens chain"),
        );
        assert_eq!(c_chain.as_bytes(), ikm, "{ctx}: client IKM");
        assert_eq!(s_chain.as_bytes(), ikm, "{ctx}: server IKM");

        // A peer key of the wrong length, off the curve, or all zeros is
        // refused before anything is derived; on X25519 and X448 every u
        // coordinate is a point, and the small-order ones (0, 1) give an
        // all-zero secret; an ffdhe3072 value must lie in 1 < y < p - 1.
        let mut off_curve = sn.clone();
        if ecdh_curve == EcdhCurve::Ffdhe3072 {
            // y = 1.
            off_curve.fill(0);
            *off_curve.last_mut().unwrap() = 1;
        } else if ecdh_curve.is_montgomery() {
            off_curve.fill(0);
            off_curve[0] = 1;
        } else {
            *off_curve.last_mut().unwrap() ^= 1;
        }
        let mut too_long = sn.clone();
        too_long.push(0);
        let mut bad = vec![sn[1..].to_vec(), too_long, off_curve, vec![0u8; sn.len()]];
        if ecdh_curve == EcdhCurve::Ffdhe3072 {
            // All ones: above p.
            bad.push(vec![0xFF; sn.len()]);
        }
        for bad in &bad {
            let e = Box::new(exchange(&cpriv, client_prev))
                .complete(Role::Client, bad)
                .unwrap_err();
            assert_eq!(e.status_code(), StatusCode::BAD_NONCE_INVALID, "{ctx}");
        }
        out.insert(n(x, "token_id") as u32, (client, server));
        previous = Some((c_chain, s_chain));
    }
    out
}

/// The token keys of both ends by TokenId under `policy`, without checks.
fn token_keys_unchecked(
    v: &Value,
    policy: &BuiltinPolicy,
    mode: MessageSecurityMode,
) -> HashMap<u32, (TokenKeys, TokenKeys)> {
    let mut out = HashMap::new();
    let mut previous: Option<(ChainingSecret, ChainingSecret)> = None;
    for x in exchanges(v) {
        let (cp, sp) = match &previous {
            Some((c, s)) => (Some(c), Some(s)),
            None => (None, None),
        };
        let cn = h(x, "client_nonce_hex");
        let sn = h(x, "server_nonce_hex");
        let client = policy
            .key_exchange_with_private_key(mode, &h(x, "client_ephemeral_private_key_hex"), cp)
            .unwrap();
        let server = policy
            .key_exchange_with_private_key(mode, &h(x, "server_ephemeral_private_key_hex"), sp)
            .unwrap();
        let client = Box::new(client).complete(Role::Client, &sn).unwrap();
        let server = Box::new(server).complete(Role::Server, &cn).unwrap();
        previous = Some((
            client.chaining.clone().unwrap(),
            server.chaining.clone().unwrap(),
        ));
        out.insert(n(x, "token_id") as u32, (client, server));
    }
    out
}

fn check_opn(name: &str, v: &Value, policy: &'static BuiltinPolicy, every_byte: bool) {
    let d = policy.descriptor();
    let client_cert = h(v, "client_certificate_der_hex");
    let server_cert = h(v, "server_certificate_der_hex");
    let client_key = PrivateKey::from_pem(s(v, "client_private_key_pem")).unwrap();
    let server_key = PrivateKey::from_pem(s(v, "server_private_key_pem")).unwrap();
    assert!(client_key.matches_certificate(&client_cert), "{name}");
    assert!(server_key.matches_certificate(&server_cert), "{name}");
    let client_peer = policy.peer_key(&client_cert).expect(name);
    let server_peer = policy.peer_key(&server_cert).expect(name);
    let request_signature = h(&v["opn_request"], "signature_hex");
    for (i, x) in exchanges(v).into_iter().enumerate() {
        for (field, receiver_key, receiver_cert, sender) in [
            ("opn_request", &server_key, &server_cert, &client_peer),
            ("opn_response", &client_key, &client_cert, &server_peer),
        ] {
            let ctx = format!("{name} exchange {i} {field}");
            let o = &x[field];
            let raw = h(o, "raw_chunk_hex");
            assert_eq!(
                h(o, "receiver_thumbprint_hex"),
                thumbprint(receiver_cert),
                "{ctx}: receiver thumbprint"
            );
            // SecureChannelEnhancements: the first response is signed over
            // the first request's signature too; nothing else is.
            let enhanced = d.secure_channel_enhancements && i == 0 && field == "opn_response";
            let suffix: &[u8] = if enhanced { &request_signature } else { &[] };
            let other: &[u8] = if enhanced { &[] } else { &request_signature };
            let keys = Some((receiver_key as &dyn OwnKey, &**sender as &dyn PeerKey));
            let opened = open_asymmetric_with_suffix(&raw, d, keys, MAX_CERT, suffix).expect(&ctx);
            assert_security_failure(
                open_asymmetric_with_suffix(&raw, d, keys, MAX_CERT, other),
                &format!("{ctx}: the other signature rule"),
            );
            assert_eq!(
                opened.plaintext[opened.signature.clone()],
                h(o, "signature_hex")[..],
                "{ctx}"
            );
            if enhanced {
                assert_eq!(
                    h(o, "signature_hex"),
                    h(v, "channel_thumbprint_hex"),
                    "{ctx}: ChannelThumbprint"
                );
            }
            assert_eq!(
                u64::from(opened.sequence.sequence_number),
                n(o, "sequence_number"),
                "{ctx}"
            );
            // The body decodes, and only open62541's PaddingSize byte of 0
            // follows it (D2).
            let body = &opened.plaintext[opened.body.clone()];
            let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
            if field == "opn_request" {
                let request: OpenSecureChannelRequest = decode_message(&mut r).expect(&ctx);
                assert_eq!(
                    request.client_nonce.as_bytes().unwrap(),
                    h(x, "client_nonce_hex"),
                    "{ctx}"
                );
            } else {
                let response: OpenSecureChannelResponse = decode_message(&mut r).expect(&ctx);
                assert_eq!(
                    response.server_nonce.as_bytes().unwrap(),
                    h(x, "server_nonce_hex"),
                    "{ctx}"
                );
                assert_eq!(
                    u64::from(response.security_token.token_id),
                    n(x, "token_id")
                );
            }
            let trailer = r.rest();
            assert_eq!(
                trailer,
                &h(o, "trailing_bytes_before_signature_hex")[..],
                "{ctx}"
            );
            assert!(
                trailer.is_empty() || trailer == [0],
                "{ctx}: only open62541's PaddingSize byte may follow the body"
            );
            if name.starts_with("c-open62541") {
                assert_eq!(trailer, [0], "{ctx}: open62541's PaddingSize byte");
            }
            assert_eq!(
                &body[..body.len() - trailer.len()],
                &h(o, "body_hex")[..],
                "{ctx}"
            );

            // Every flipped byte of the first exchange's chunks is refused.
            if i == 0 {
                let header_len = n(o, "asym_header_len") as usize;
                for pos in flipped_positions(raw.len(), every_byte) {
                    let mut bad = raw.clone();
                    bad[pos] ^= 0x01;
                    match open_asymmetric_with_suffix(&bad, d, keys, MAX_CERT, suffix) {
                        Ok(_) => panic!("{ctx}: byte {pos} flipped and accepted"),
                        Err(e) if pos < header_len => assert!(e.status_code().is_bad()),
                        Err(e) => assert_eq!(
                            e.status_code(),
                            StatusCode::BAD_SECURITY_CHECKS_FAILED,
                            "{ctx}: byte {pos}"
                        ),
                    }
                }
            }
        }
    }
}

/// Every MSG and CLO chunk of both directions.
fn check_chunks(
    name: &str,
    v: &Value,
    tokens: &HashMap<u32, (TokenKeys, TokenKeys)>,
    mode: MessageSecurityMode,
    aead: bool,
    every_byte: bool,
) {
    for (dir, from_client, opened_field) in [
        ("all_chunks_client_to_server_hex", true, "c2s"),
        ("all_chunks_server_to_client_hex", false, "s2c"),
    ] {
        let recorded = v["symmetric_chunks_opened"][opened_field]
            .as_array()
            .expect("opened chunks");
        let mut opened = 0;
        let mut last = None;
        let mut flipped = std::collections::HashSet::new();
        for c in v[dir].as_array().unwrap() {
            let raw = hex(c.as_str().unwrap());
            let ctx = format!("{name} {opened_field} chunk {opened}");
            match &raw[..3] {
                b"HEL" | b"ACK" => continue,
                b"OPN" => {
                    let headers = ChunkHeaders::parse(&raw, MAX_CERT).unwrap();
                    let at = headers.header_len;
                    last = Some(u32::from_le_bytes(raw[at..at + 4].try_into().unwrap()));
                    continue;
                }
                _ => {}
            }
            let token_id = u32::from_le_bytes(raw[12..16].try_into().unwrap());
            let (client, server) = &tokens[&token_id];
            let (sending, receiving) = if from_client {
                (&*client.sending, &*server.receiving)
            } else {
                (&*server.sending, &*client.receiving)
            };
            let expected = last.map(|l: u32| l.wrapping_add(1)).expect(&ctx);
            let r = &recorded[opened];
            assert_eq!(h(r, "raw_chunk_hex"), raw, "{ctx}");
            let mut body = Vec::new();
            let mut sequence = None;
            for keys in [sending, receiving] {
                let mut chunk = raw.clone();
                let (seq, range) = open_symmetric(&mut chunk, keys, mode, expected).expect(&ctx);
                assert_eq!(seq.sequence_number, expected, "{ctx}");
                assert_eq!(u64::from(seq.request_id), n(r, "request_id"), "{ctx}");
                assert_eq!(chunk[range.clone()], h(r, "body_hex")[..], "{ctx}: body");
                body = chunk[range].to_vec();
                sequence = Some(seq);
            }
            // Securing the body again gives the recorded bytes (CBC with the
            // recorded padding; AEAD with the nonce of the previous number).
            let header = SymmetricChunk {
                message_type: if &raw[..3] == b"CLO" {
                    MessageType::Close
                } else {
                    MessageType::Message
                },
                chunk_type: match raw[3] {
                    b'C' => ChunkType::Intermediate,
                    _ => ChunkType::Final,
                },
                secure_channel_id: u32::from_le_bytes(raw[8..12].try_into().unwrap()),
                token_id,
                sequence: sequence.unwrap(),
            };
            let padding = r["padding_size_byte"].as_u64().map(|p| p as usize);
            let mut again = Vec::new();
            secure_symmetric_padded(&mut again, &header, &body, sending, mode, padding)
                .expect(&ctx);
            assert_eq!(again, raw, "{ctx}: secured again");

            // Every flipped byte of the first chunk under each token is
            // refused, by both key objects.
            if flipped.insert(token_id) {
                for pos in flipped_positions(raw.len(), every_byte) {
                    for keys in [sending, receiving] {
                        let mut bad = raw.clone();
                        bad[pos] ^= 0x01;
                        assert_security_failure(
                            open_symmetric(&mut bad, keys, mode, expected),
                            &format!("{ctx}: byte {pos}"),
                        );
                    }
                }
                // An AEAD chunk's nonce holds the previous sequence
                // number: expected under another one, it does not open.
                if aead {
                    let mut chunk = raw.clone();
                    assert_security_failure(
                        open_symmetric(&mut chunk, receiving, mode, expected.wrapping_add(1)),
                        &format!("{ctx}: another sequence number"),
                    );
                }
            }
            last = Some(expected);
            opened += 1;
        }
        assert_eq!(opened, recorded.len(), "{name} {opened_field}");
        assert!(flipped.len() >= 2, "{name} {opened_field}: both tokens");
    }
}
