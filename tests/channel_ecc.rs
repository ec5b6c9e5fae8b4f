//! The ECC policies on the channel, in memory: the ChannelThumbprint of
//! SecureChannelEnhancements on both ends, renewal chaining and its
//! setting, open62541's PaddingSize byte in OPN chunks, and the attacks:
//! bad ephemeral keys, wrong-length and forged OPN signatures, a first
//! response signed without the request's signature, and certificates on
//! the wrong curve.

mod common;

use std::sync::Arc;

use common::pair::{
    Identities, Pair, client_config, ecc_identities, identities_for, server_config,
};
use uasc::cert::{TrustLists, ValidationContext, ValidationOptions};
use uasc::channel::{ClientChannel, ClientState, Event, Identity, ServerConfig, ServerState};
use uasc::chunk::ChunkHeaders;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    AsymmetricEncryption, AsymmetricSignature, BuiltinPolicy, ChainingSecret, ECC_BRAINPOOL_P256R1,
    ECC_BRAINPOOL_P256R1_AES_GCM, ECC_BRAINPOOL_P256R1_CHACHA_POLY, ECC_BRAINPOOL_P384R1,
    ECC_BRAINPOOL_P384R1_AES_GCM, ECC_BRAINPOOL_P384R1_CHACHA_POLY, ECC_CURVE448,
    ECC_CURVE448_AES_GCM, ECC_CURVE448_CHACHA_POLY, ECC_CURVE25519, ECC_CURVE25519_AES_GCM,
    ECC_CURVE25519_CHACHA_POLY, ECC_NIST_P256, ECC_NIST_P256_AES_GCM, ECC_NIST_P256_CHACHA_POLY,
    ECC_NIST_P384, ECC_NIST_P384_AES_GCM, ECC_NIST_P384_CHACHA_POLY, KeyExchange, OwnKey, PeerKey,
    PolicyDescriptor, Role, SecurityPolicy, TokenKeys,
};
use uasc::{Error, StatusCode};

const SIGN: MessageSecurityMode = MessageSecurityMode::Sign;
const SIGN_ENCRYPT: MessageSecurityMode = MessageSecurityMode::SignAndEncrypt;

/// The eighteen ECC policies.
const ECC: [&BuiltinPolicy; 18] = [
    &ECC_NIST_P256,
    &ECC_NIST_P384,
    &ECC_NIST_P256_AES_GCM,
    &ECC_NIST_P256_CHACHA_POLY,
    &ECC_BRAINPOOL_P256R1,
    &ECC_BRAINPOOL_P384R1,
    &ECC_CURVE25519,
    &ECC_CURVE448,
    &ECC_NIST_P384_AES_GCM,
    &ECC_NIST_P384_CHACHA_POLY,
    &ECC_BRAINPOOL_P256R1_AES_GCM,
    &ECC_BRAINPOOL_P256R1_CHACHA_POLY,
    &ECC_BRAINPOOL_P384R1_AES_GCM,
    &ECC_BRAINPOOL_P384R1_CHACHA_POLY,
    &ECC_CURVE25519_AES_GCM,
    &ECC_CURVE25519_CHACHA_POLY,
    &ECC_CURVE448_AES_GCM,
    &ECC_CURVE448_CHACHA_POLY,
];

#[test]
fn every_ecc_policy_built_in_is_tested_here() {
    let all: Vec<&str> = uasc::policy::ALL
        .iter()
        .filter(|p| p.descriptor().is_ecc())
        .map(|p| p.descriptor().name)
        .collect();
    let here: Vec<&str> = ECC.iter().map(|p| p.descriptor().name).collect();
    assert_eq!(all, here);
}

/// A server offering `policy` only, with the identity that fits it.
fn server_for(ids: &Identities, policy: Arc<dyn SecurityPolicy>) -> ServerConfig {
    let mut config = server_config(ids);
    config.policies = vec![policy];
    config
}

/// The client's and the server's channel ends, and what they said.
fn open(client: uasc::channel::ClientConfig, server: ServerConfig, seed: u64) -> Pair {
    let mut pair = Pair::new(client, server, seed);
    pair.drive();
    pair
}

fn opened(pair: &Pair) -> bool {
    pair.client.state() == ClientState::Open && pair.server.state() == ServerState::Open
}

/// The error a channel end closed with.
fn closed_code(events: &[Event]) -> Option<StatusCode> {
    Pair::closed(events)
}

#[test]
fn secure_channel_enhancements_give_both_ends_one_thumbprint() {
    for policy in ECC {
        for mode in [SIGN, SIGN_ENCRYPT] {
            let name = format!("{} {mode:?}", policy.descriptor().name);
            let ids = identities_for(policy);
            let mut client = client_config(&ids, policy, mode);
            client.requested_lifetime = 10_000;
            let mut pair = open(client, server_config(&ids), 2);
            assert!(opened(&pair), "{name}");
            let thumbprint = pair.client.channel_thumbprint().map(<[u8]>::to_vec);
            if policy.descriptor().secure_channel_enhancements {
                // The signature of the first response, the same on both
                // ends.
                let t = thumbprint.clone().expect(&name);
                let scheme = policy.descriptor().asymmetric_signature.unwrap();
                assert_eq!(t.len(), ids.server.key.signature_len(scheme), "{name}");
                assert_eq!(pair.server.channel_thumbprint(), Some(&t[..]), "{name}");
            } else {
                assert_eq!(thumbprint, None, "{name}");
                assert_eq!(pair.server.channel_thumbprint(), None, "{name}");
            }
            // Renewals keep it.
            for _ in 0..2 {
                pair.client.renew(pair.now).unwrap();
                pair.drive();
            }
            let renewed = pair
                .client_events
                .iter()
                .filter(|e| matches!(e, Event::TokenRenewed { .. }))
                .count();
            assert_eq!(renewed, 2, "{name}");
            assert_eq!(
                pair.client.channel_thumbprint().map(<[u8]>::to_vec),
                thumbprint,
                "{name}"
            );
            assert_eq!(
                pair.server.channel_thumbprint().map(<[u8]>::to_vec),
                thumbprint,
                "{name}"
            );
        }
    }
    // No thumbprint without SecureChannelEnhancements, as under RSA.
    let ids = identities_for(&uasc::policy::BASIC256_SHA256);
    let pair = open(
        client_config(&ids, &uasc::policy::BASIC256_SHA256, SIGN_ENCRYPT),
        server_config(&ids),
        2,
    );
    assert!(opened(&pair));
    assert_eq!(pair.client.channel_thumbprint(), None);
}

/// Renewals of the non-SCE ECC policies chain by default; with
/// `chain_renewals(false)` on both ends they do not, and an end that
/// disagrees with its peer loses the channel at the first renewal.
#[test]
fn renewal_chaining_follows_the_setting_on_both_ends() {
    for policy in [&ECC_NIST_P256, &ECC_NIST_P384] {
        for (client_chains, server_chains, works) in [
            (true, true, true),
            (false, false, true),
            (false, true, false),
            (true, false, false),
        ] {
            let name = format!(
                "{} {client_chains} {server_chains}",
                policy.descriptor().name
            );
            let ids = identities_for(policy);
            let mut client = client_config(&ids, policy, SIGN_ENCRYPT);
            client.policy = Arc::new(policy.chain_renewals(client_chains));
            let server = server_for(&ids, Arc::new(policy.chain_renewals(server_chains)));
            let mut pair = open(client, server, 3);
            assert!(opened(&pair), "{name}");
            let id = pair.client.send_request(b"before").unwrap();
            pair.drive();
            assert_eq!(
                Pair::messages(&pair.server_events),
                [(id, b"before".to_vec())]
            );
            pair.client.renew(pair.now).unwrap();
            pair.drive();
            let after = pair.client.send_request(b"after");
            pair.drive();
            if works {
                let id = after.unwrap();
                assert_eq!(
                    Pair::messages(&pair.server_events).last(),
                    Some(&(id, b"after".to_vec())),
                    "{name}"
                );
                assert_eq!(closed_code(&pair.server_events), None, "{name}");
            } else {
                // The first chunk under the renewed token does not verify.
                assert_eq!(
                    closed_code(&pair.server_events),
                    Some(StatusCode::BAD_SECURITY_CHECKS_FAILED),
                    "{name}"
                );
            }
        }
    }
    // SecureChannelEnhancements policies chain whatever the setting.
    assert!(
        ECC_NIST_P256_AES_GCM
            .chain_renewals(false)
            .chains_renewals()
    );
    assert!(!uasc::policy::BASIC256_SHA256.chains_renewals());
}

// ---------------------------------------------------------------------------
// A policy whose key exchange sends a chosen nonce
// ---------------------------------------------------------------------------

/// Wraps a policy; its key exchanges send `nonce` instead of their own
/// (an attacker's, or a broken peer's, ephemeral key).
#[derive(Debug)]
struct ChosenNonce {
    inner: &'static BuiltinPolicy,
    nonce: Vec<u8>,
}

#[derive(Debug)]
struct ChosenNonceExchange {
    inner: Box<dyn KeyExchange>,
    nonce: Vec<u8>,
}

impl SecurityPolicy for ChosenNonce {
    fn descriptor(&self) -> &PolicyDescriptor {
        self.inner.descriptor()
    }

    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn rand::CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> uasc::Result<Box<dyn KeyExchange>> {
        Ok(Box::new(ChosenNonceExchange {
            inner: self.inner.start_key_exchange(mode, rng, previous)?,
            nonce: self.nonce.clone(),
        }))
    }

    fn peer_key(&self, certificate_der: &[u8]) -> uasc::Result<Box<dyn PeerKey>> {
        self.inner.peer_key(certificate_der)
    }
}

impl KeyExchange for ChosenNonceExchange {
    fn local_nonce(&self) -> &[u8] {
        &self.nonce
    }

    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> uasc::Result<TokenKeys> {
        self.inner.complete(role, peer_nonce)
    }
}

/// Nonces that are no public key of `policy`'s curve: wrong lengths, a
/// point off the curve, all zeros (no point; the identity has no `X ‖ Y`
/// encoding), all ones (coordinates above the field prime).
fn bad_nonces(policy: &BuiltinPolicy) -> Vec<(String, Vec<u8>)> {
    let n = policy.descriptor().nonce_len;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
    let real = policy
        .start_key_exchange(SIGN_ENCRYPT, &mut rng, None)
        .unwrap()
        .local_nonce()
        .to_vec();
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("one byte short".into(), real[1..].to_vec()),
        ("one byte long".into(), [&real[..], &[0]].concat()),
        ("all zeros".into(), vec![0; n]),
    ];
    if n == 32 || n == 56 {
        // X25519 and X448 (RFC 7748): every u coordinate is a point of the
        // curve or its twist; the small-order ones, u = 1 and u = p - 1
        // (and 0 above), give an all-zero secret.
        let mut one = vec![0u8; n];
        one[0] = 1;
        let minus_one = if n == 32 {
            let mut m = vec![0xFF; 32];
            m[0] = 0xEC;
            m[31] = 0x7F;
            m
        } else {
            let mut m = vec![0xFF; 56];
            m[0] = 0xFE;
            m[28] = 0xFE;
            m
        };
        out.push(("u = 1".into(), one));
        out.push(("u = p - 1".into(), minus_one));
    } else {
        // A real public key with Y changed: off the curve.
        let mut off_curve = real.clone();
        *off_curve.last_mut().unwrap() ^= 1;
        out.push((
            "with the SEC1 0x04 tag".into(),
            [&[4u8][..], &off_curve[..n - 1]].concat(),
        ));
        out.push(("off the curve".into(), off_curve));
        // Coordinates above the field prime.
        out.push(("all ones".into(), vec![0xFF; n]));
    }
    out
}

#[test]
fn a_client_nonce_that_is_no_key_of_the_curve_is_refused() {
    for policy in ECC {
        let ids = identities_for(policy);
        for (what, nonce) in bad_nonces(policy) {
            let name = format!("{} {what}", policy.descriptor().name);
            let mut client = client_config(&ids, policy, SIGN_ENCRYPT);
            client.policy = Arc::new(ChosenNonce {
                inner: policy,
                nonce,
            });
            let pair = open(client, server_config(&ids), 4);
            // The server derives nothing, answers with an ERR, and the
            // client ends with its code.
            assert_eq!(pair.server.state(), ServerState::Closed, "{name}");
            assert_eq!(pair.server.token(), None, "{name}");
            assert_eq!(
                closed_code(&pair.server_events),
                Some(StatusCode::BAD_NONCE_INVALID),
                "{name}"
            );
            assert_eq!(
                closed_code(&pair.client_events),
                Some(StatusCode::BAD_NONCE_INVALID),
                "{name}"
            );
        }
    }
}

#[test]
fn a_server_nonce_that_is_no_key_of_the_curve_is_refused() {
    for policy in ECC {
        let ids = identities_for(policy);
        for (what, nonce) in bad_nonces(policy) {
            let name = format!("{} {what}", policy.descriptor().name);
            let server = server_for(
                &ids,
                Arc::new(ChosenNonce {
                    inner: policy,
                    nonce,
                }),
            );
            let pair = open(client_config(&ids, policy, SIGN_ENCRYPT), server, 5);
            assert_eq!(pair.client.state(), ClientState::Closed, "{name}");
            assert_eq!(pair.client.token(), None, "{name}");
            assert_eq!(
                closed_code(&pair.client_events),
                Some(StatusCode::BAD_NONCE_INVALID),
                "{name}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// OPN chunks changed on the way
// ---------------------------------------------------------------------------

/// Runs HEL/ACK, lets `change` rewrite the client's OPN request (its chunk
/// and the client's key, which may sign again), delivers it, and returns
/// the pair with the server's answer delivered.
fn with_changed_request(
    policy: &'static BuiltinPolicy,
    mode: MessageSecurityMode,
    change: impl FnOnce(&mut Vec<u8>, &dyn OwnKey),
) -> Pair {
    let ids = identities_for(policy);
    let mut pair = Pair::new(client_config(&ids, policy, mode), server_config(&ids), 6);
    pair.deliver_to_server(); // HEL
    pair.deliver_to_client(); // ACK; the client sends its OPN
    let mut opn = std::mem::take(&mut pair.to_server);
    assert_eq!(&opn[..3], b"OPN");
    change(&mut opn, &*ids.client.key);
    pair.server.handle_input(pair.now, &opn);
    pair.collect();
    pair.deliver_to_client();
    pair
}

/// Sets the MessageSize of a chunk to its length.
fn fix_size(chunk: &mut [u8]) {
    let len = chunk.len() as u32;
    chunk[4..8].copy_from_slice(&len.to_le_bytes());
}

/// A change made to a chunk on its way.
type Change = Box<dyn Fn(&mut Vec<u8>)>;

#[test]
fn opn_signatures_of_the_wrong_length_or_forged_are_refused() {
    for policy in ECC {
        let scheme = policy.descriptor().asymmetric_signature.unwrap();
        // Raw r ‖ s (64, 96), Ed25519 (64), Ed448 (114).
        let sig = identities_for(policy).client.key.signature_len(scheme);
        assert_eq!(
            sig,
            match scheme {
                AsymmetricSignature::EcdsaSha384 => 96,
                AsymmetricSignature::Ed448 => 114,
                _ => 64,
            }
        );
        let cases: Vec<(&str, Change)> = vec![
            (
                "one byte short",
                Box::new(|c: &mut Vec<u8>| {
                    c.pop();
                }),
            ),
            ("one byte long", Box::new(|c: &mut Vec<u8>| c.push(0))),
            (
                "half",
                Box::new(move |c: &mut Vec<u8>| c.truncate(c.len() - sig / 2)),
            ),
            (
                "r flipped",
                Box::new(move |c: &mut Vec<u8>| {
                    let at = c.len() - sig;
                    c[at] ^= 1;
                }),
            ),
            (
                "s flipped",
                Box::new(|c: &mut Vec<u8>| {
                    let at = c.len() - 1;
                    c[at] ^= 1;
                }),
            ),
            (
                "all zeros",
                Box::new(move |c: &mut Vec<u8>| {
                    let at = c.len() - sig;
                    c[at..].fill(0);
                }),
            ),
            (
                "a body byte",
                Box::new(move |c: &mut Vec<u8>| {
                    let at = c.len() - sig - 3;
                    c[at] ^= 0x40;
                }),
            ),
        ];
        for (what, change) in cases {
            let name = format!("{} {what}", policy.descriptor().name);
            let pair = with_changed_request(policy, SIGN, |c, _| {
                change(c);
                fix_size(c);
            });
            assert_eq!(pair.server.token(), None, "{name}");
            assert_eq!(
                closed_code(&pair.server_events),
                Some(StatusCode::BAD_SECURITY_CHECKS_FAILED),
                "{name}"
            );
            assert_eq!(pair.client.state(), ClientState::Closed, "{name}");
        }
    }
}

/// Inserts `extra` before the signature of an OPN chunk and signs it again
/// with `key`.
fn insert_before_signature(
    chunk: &mut Vec<u8>,
    policy: &BuiltinPolicy,
    key: &dyn OwnKey,
    extra: &[u8],
) {
    let scheme = policy.descriptor().asymmetric_signature.unwrap();
    let sig_len = key.signature_len(scheme);
    chunk.truncate(chunk.len() - sig_len);
    chunk.extend_from_slice(extra);
    let len = (chunk.len() + sig_len) as u32;
    chunk[4..8].copy_from_slice(&len.to_le_bytes());
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let sig = key.sign(scheme, chunk, &mut rng).unwrap();
    chunk.extend_from_slice(&sig);
}

/// open62541 writes a PaddingSize byte of 0 before the signature of its
/// ECC OPN chunks (D2): it is accepted, anything more is not, and our own
/// OPN chunks end their body at the signature.
#[test]
fn open62541s_padding_byte_before_the_opn_signature_is_accepted() {
    for policy in ECC {
        let name = policy.descriptor().name;
        let pair = with_changed_request(policy, SIGN_ENCRYPT, |c, key| {
            insert_before_signature(c, policy, key, &[0])
        });
        // The server opens. (Under SecureChannelEnhancements the client
        // then refuses the response: it is signed over the signature of the
        // request as changed here, not as the client sent it.)
        assert_eq!(pair.server.state(), ServerState::Open, "{name}");
        assert!(
            matches!(pair.server_events.first(), Some(Event::Opened { .. })),
            "{name}: {:?}",
            pair.server_events
        );
        assert_eq!(
            pair.client.state() == ClientState::Open,
            !policy.descriptor().secure_channel_enhancements,
            "{name}"
        );
        for extra in [&[1u8][..], &[0, 0]] {
            let pair = with_changed_request(policy, SIGN_ENCRYPT, |c, key| {
                insert_before_signature(c, policy, key, extra)
            });
            assert_eq!(pair.server.state(), ServerState::Closed, "{name} {extra:?}");
            assert_eq!(
                closed_code(&pair.server_events),
                Some(StatusCode::BAD_DECODING_ERROR),
                "{name} {extra:?}"
            );
        }
    }
}

#[test]
fn our_opn_chunks_are_signed_not_encrypted_and_carry_no_padding() {
    use uasc::codec::{DecodeLimits, Reader};
    use uasc::messages::{OpenSecureChannelRequest, decode_message};
    for policy in ECC {
        let name = policy.descriptor().name;
        let ids = identities_for(policy);
        let mut pair = Pair::new(
            client_config(&ids, policy, SIGN_ENCRYPT),
            server_config(&ids),
            7,
        );
        pair.deliver_to_server();
        pair.deliver_to_client();
        let opn = pair.to_server.clone();
        let headers = ChunkHeaders::parse(&opn, 1 << 16).unwrap();
        let scheme = policy.descriptor().asymmetric_signature.unwrap();
        let sig_len = ids.client.key.signature_len(scheme);
        // Sequence number 0 (LegacySequenceNumbers FALSE), in clear.
        let at = headers.header_len;
        assert_eq!(&opn[at..at + 4], &[0, 0, 0, 0], "{name}");
        let body = &opn[at + 8..opn.len() - sig_len];
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let request: OpenSecureChannelRequest = decode_message(&mut r).unwrap();
        assert!(r.is_empty(), "{name}: bytes after the body");
        assert_eq!(
            request.client_nonce.as_bytes().map(<[u8]>::len),
            Some(policy.descriptor().nonce_len),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------
// SecureChannelEnhancements: the first response's signature
// ---------------------------------------------------------------------------

/// A policy like `inner` but without SecureChannelEnhancements: a server
/// with it signs its first response over the response alone.
#[derive(Debug)]
struct WithoutEnhancements {
    inner: &'static BuiltinPolicy,
    descriptor: PolicyDescriptor,
}

impl SecurityPolicy for WithoutEnhancements {
    fn descriptor(&self) -> &PolicyDescriptor {
        &self.descriptor
    }

    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn rand::CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> uasc::Result<Box<dyn KeyExchange>> {
        self.inner.start_key_exchange(mode, rng, previous)
    }

    fn peer_key(&self, certificate_der: &[u8]) -> uasc::Result<Box<dyn PeerKey>> {
        self.inner.peer_key(certificate_der)
    }
}

#[test]
fn a_first_response_not_signed_over_the_request_signature_is_refused() {
    for policy in [&ECC_NIST_P256_AES_GCM, &ECC_NIST_P256_CHACHA_POLY] {
        let name = policy.descriptor().name;
        let ids = identities_for(policy);
        let plain = WithoutEnhancements {
            inner: policy,
            descriptor: PolicyDescriptor {
                secure_channel_enhancements: false,
                ..*policy.descriptor()
            },
        };
        let pair = open(
            client_config(&ids, policy, SIGN_ENCRYPT),
            server_for(&ids, Arc::new(plain)),
            8,
        );
        assert_eq!(pair.client.state(), ClientState::Closed, "{name}");
        assert_eq!(pair.client.token(), None, "{name}");
        assert_eq!(pair.client.channel_thumbprint(), None, "{name}");
        assert_eq!(
            closed_code(&pair.client_events),
            Some(StatusCode::BAD_SECURITY_CHECKS_FAILED),
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------
// Certificates on the wrong curve
// ---------------------------------------------------------------------------

/// A key that signs with its own scheme whatever it is asked for: a peer
/// that presents a certificate its policy does not allow.
#[derive(Debug)]
struct OwnScheme(Arc<dyn OwnKey>, AsymmetricSignature);

impl OwnScheme {
    fn scheme(&self) -> AsymmetricSignature {
        self.1
    }
}

impl OwnKey for OwnScheme {
    fn bits(&self) -> usize {
        self.0.bits()
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        self.0.signature_len(self.scheme())
    }

    fn sign(
        &self,
        _: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn rand::CryptoRng,
    ) -> uasc::Result<Vec<u8>> {
        self.0.sign(self.scheme(), data, rng)
    }

    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.0.ciphertext_block_size(scheme)
    }

    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> uasc::Result<zeroize::Zeroizing<Vec<u8>>> {
        self.0.decrypt_block(scheme, block)
    }
}

#[test]
fn certificates_on_the_wrong_curve_are_refused() {
    let p256 = ecc_identities("ECC_nistP256");
    let p384 = ecc_identities("ECC_nistP384");
    let bp256 = ecc_identities("ECC_brainpoolP256r1");
    let bp384 = ecc_identities("ECC_brainpoolP384r1");
    let ed25519 = ecc_identities("ECC_curve25519");
    let ed448 = ecc_identities("ECC_curve448");
    let rsa = common::pair::identities();
    use AsymmetricSignature::*;
    for (policy, wrong, scheme) in [
        (&ECC_NIST_P256, &p384, EcdsaSha384),
        (&ECC_NIST_P256, &bp256, EcdsaSha256),
        (&ECC_NIST_P256_AES_GCM, &p384, EcdsaSha384),
        (&ECC_NIST_P256_CHACHA_POLY, &rsa, RsaPkcs1v15Sha256),
        (&ECC_NIST_P384, &p256, EcdsaSha256),
        (&ECC_NIST_P384, &bp384, EcdsaSha384),
        (&ECC_NIST_P384, &rsa, RsaPkcs1v15Sha256),
        (&ECC_BRAINPOOL_P256R1, &p256, EcdsaSha256),
        (&ECC_BRAINPOOL_P256R1, &bp384, EcdsaSha384),
        (&ECC_BRAINPOOL_P384R1, &p384, EcdsaSha384),
        (&ECC_BRAINPOOL_P384R1, &rsa, RsaPkcs1v15Sha256),
        (&ECC_CURVE25519, &ed448, Ed448),
        (&ECC_CURVE25519, &p256, EcdsaSha256),
        (&ECC_CURVE448, &ed25519, Ed25519),
        (&ECC_CURVE448, &bp384, EcdsaSha384),
    ] {
        let name = policy.descriptor().name;
        let right = identities_for(policy);
        // The policy refuses the key.
        let e = policy.peer_key(&wrong.client.certificate).unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
            "{name}"
        );
        // A client with a certificate on the wrong curve (and a key that
        // signs with it regardless): the server refuses it. The validator
        // accepts anything here; the policy does not.
        let mut client = client_config(&right, policy, SIGN_ENCRYPT);
        client.identity = Some(Identity {
            certificate: wrong.client.certificate.clone(),
            key: Arc::new(OwnScheme(Arc::clone(&wrong.client.key), scheme)),
        });
        let pair = open(client, server_config(&right), 9);
        assert_eq!(pair.server.state(), ServerState::Closed, "{name}");
        assert_eq!(
            closed_code(&pair.server_events),
            Some(StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED),
            "{name}"
        );
        // A server certificate on the wrong curve: the client does not start.
        let mut client = client_config(&right, policy, SIGN_ENCRYPT);
        client.server_certificate = Some(wrong.server.certificate.clone());
        let e = ClientChannel::new(client, pair.now, pair.utc).unwrap_err();
        assert_eq!(
            e.status_code(),
            StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
            "{name}"
        );
    }
}

/// The validation steps of OPC 10000-4 §6.1.3 check the curve the policy
/// requires ("Security Policy Check"), before trust.
#[test]
fn the_validator_checks_the_curve_of_the_policy() {
    let p256 = ecc_identities("ECC_nistP256");
    let p384 = ecc_identities("ECC_nistP384");
    let bp256 = ecc_identities("ECC_brainpoolP256r1");
    let bp384 = ecc_identities("ECC_brainpoolP384r1");
    let ed25519 = ecc_identities("ECC_curve25519");
    let ed448 = ecc_identities("ECC_curve448");
    // open62541's test certificates are self-signed and valid from December 2026 to December 2027.
    let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
    for (policy, cert, fits) in [
        (&ECC_NIST_P256, &p256.server.certificate, true),
        (&ECC_NIST_P256_AES_GCM, &p256.server.certificate, true),
        (&ECC_NIST_P256, &p384.server.certificate, false),
        (&ECC_NIST_P256_CHACHA_POLY, &p384.server.certificate, false),
        (&ECC_NIST_P384, &p384.server.certificate, true),
        (&ECC_NIST_P384, &p256.server.certificate, false),
        (&ECC_NIST_P256, &bp256.server.certificate, false),
        (&ECC_BRAINPOOL_P256R1, &bp256.server.certificate, true),
        (&ECC_BRAINPOOL_P256R1, &p256.server.certificate, false),
        (&ECC_BRAINPOOL_P384R1, &bp384.server.certificate, true),
        (&ECC_BRAINPOOL_P384R1, &p384.server.certificate, false),
        (&ECC_CURVE25519, &ed25519.server.certificate, true),
        (&ECC_CURVE25519, &ed448.server.certificate, false),
        (&ECC_CURVE448, &ed448.server.certificate, true),
        (&ECC_CURVE448, &ed25519.server.certificate, false),
    ] {
        let name = format!("{} {fits}", policy.descriptor().name);
        let lists = TrustLists {
            trusted: vec![cert.to_vec()],
            ..TrustLists::default()
        };
        let context = ValidationContext::new(Role::Server, policy.descriptor(), now);
        let result =
            uasc::cert::validate_chain(cert, &context, &lists, &ValidationOptions::default(), None);
        let code = result.err().map(|e: Error| e.status_code());
        if fits {
            assert_ne!(
                code,
                Some(StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED),
                "{name}"
            );
        } else {
            assert_eq!(
                code,
                Some(StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED),
                "{name}"
            );
        }
    }
}
