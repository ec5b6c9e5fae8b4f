//! A 200-byte request and a 200-byte response through an open
//! `ClientChannel` and `ServerChannel` in memory: what one service call
//! costs the secure channel on both ends (securing, framing, opening,
//! reassembly and the events), against the raw primitives on the same bytes
//! in the same run.
//!
//! `cargo bench --bench roundtrip [-- FILTER]`
//!
//! The baseline for the CBC policies is exactly the cryptography a round
//! trip needs: for each of its two chunks, HMAC-SHA256 over the signed
//! bytes and AES-CBC over the encrypted ones on the sending end, the same on
//! the receiving end; for the AEAD policies, sealing and opening the same
//! bytes. Both sizes are taken from the chunks the channel really sent.

use std::hint::black_box;

use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInOut;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, BuiltinPolicy};

#[path = "../tests/common/mod.rs"]
mod common;

use common::pair::{Pair, client_config, identities_for, server_config};

const BODY: [u8; 200] = [0x42; 200];

/// The round trips measured: None, each CBC policy in both modes, the AEAD
/// policies encrypted.
fn cases() -> Vec<(&'static BuiltinPolicy, MessageSecurityMode)> {
    use MessageSecurityMode::{None, Sign, SignAndEncrypt};
    vec![
        (&policy::NONE, None),
        (&policy::BASIC256_SHA256, Sign),
        (&policy::BASIC256_SHA256, SignAndEncrypt),
        (&policy::AES128_SHA256_RSA_OAEP, SignAndEncrypt),
        (&policy::AES256_SHA256_RSA_PSS, SignAndEncrypt),
        (&policy::ECC_NIST_P256, SignAndEncrypt),
        (&policy::ECC_NIST_P256_AES_GCM, SignAndEncrypt),
        (&policy::ECC_NIST_P256_CHACHA_POLY, SignAndEncrypt),
    ]
}

/// An open pair and the length of the chunk a 200-byte body makes.
fn open_pair(policy: &'static BuiltinPolicy, mode: MessageSecurityMode) -> (Pair, usize) {
    let ids = identities_for(policy);
    let mut pair = Pair::new(client_config(&ids, policy, mode), server_config(&ids), 7);
    pair.open();
    let mut wire = Vec::with_capacity(1024);
    pair.client.send_request(&BODY).unwrap();
    pair.client.poll_transmit(&mut wire);
    let chunk = wire.len();
    pair.server.handle_input(pair.now, &wire);
    while pair.server.poll_event().is_some() {}
    (pair, chunk)
}

fn protocol(c: &mut Criterion) {
    let mut g = c.benchmark_group("round trip 200 B");
    for (policy, mode) in cases() {
        let (mut pair, _) = open_pair(policy, mode);
        let mut wire = Vec::with_capacity(1024);
        g.bench_function(format!("{} {mode:?}", policy.descriptor().name), |b| {
            b.iter(|| black_box(pair.round_trip(&mut wire, black_box(&BODY), &BODY)))
        });
    }
    g.finish();
}

/// The primitives alone, on the bytes of the two chunks of a round trip:
/// the 16-byte MSG header precedes what is encrypted; the signature (or
/// tag) ends the chunk.
fn baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("round trip 200 B baseline");
    let (_, chunk) = open_pair(
        &policy::BASIC256_SHA256,
        MessageSecurityMode::SignAndEncrypt,
    );
    let mut data = vec![0xA5u8; chunk];
    let mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&[3; 32]).unwrap();
    let aes128 = Aes128::new(&Array::from([5u8; 16]));
    let aes256 = Aes256::new(&Array::from([5u8; 32]));
    g.bench_function("AES-128-CBC + HMAC-SHA256", |b| {
        b.iter(|| cbc_round_trip(&aes128, &mac, &mut data))
    });
    g.bench_function("AES-256-CBC + HMAC-SHA256", |b| {
        b.iter(|| cbc_round_trip(&aes256, &mac, &mut data))
    });
    let (_, chunk) = open_pair(
        &policy::ECC_NIST_P256_AES_GCM,
        MessageSecurityMode::SignAndEncrypt,
    );
    let mut data = vec![0xA5u8; chunk - 16 - 16];
    let aad = [0u8; 16];
    let nonce = Array::from([6u8; 12]);
    let gcm = aes_gcm::Aes128Gcm::new(&Array::from([5u8; 16]));
    g.bench_function("AES-128-GCM", |b| {
        b.iter(|| {
            for _ in 0..2 {
                let tag = gcm
                    .encrypt_inout_detached(&nonce, &aad, data.as_mut_slice().into())
                    .unwrap();
                gcm.decrypt_inout_detached(&nonce, &aad, data.as_mut_slice().into(), &tag)
                    .unwrap();
            }
        })
    });
    let chacha = chacha20poly1305::ChaCha20Poly1305::new(&Array::from([5u8; 32]));
    g.bench_function("ChaCha20-Poly1305", |b| {
        b.iter(|| {
            for _ in 0..2 {
                let tag = chacha
                    .encrypt_inout_detached(&nonce, &aad, data.as_mut_slice().into())
                    .unwrap();
                chacha
                    .decrypt_inout_detached(&nonce, &aad, data.as_mut_slice().into(), &tag)
                    .unwrap();
            }
        })
    });
    g.finish();
}

/// The cryptography of a CBC round trip on `data`, one chunk as sent: two
/// chunks, each signed and encrypted by one end, decrypted and verified by
/// the other, with key schedules made beforehand (as a channel's are).
fn cbc_round_trip<C>(cipher: &C, mac: &Hmac<sha2::Sha256>, data: &mut [u8])
where
    C: cbc::cipher::BlockCipherEncrypt + cbc::cipher::BlockCipherDecrypt + Clone,
    C: cbc::cipher::BlockSizeUser<BlockSize = cbc::cipher::consts::U16>,
{
    let iv = Array::from([4u8; 16]);
    let signed = data.len() - 32;
    for _ in 0..2 {
        black_box(mac.clone().chain_update(&data[..signed]).finalize());
        let (blocks, _) = Array::slice_as_chunks_mut(&mut data[16..]);
        cbc::Encryptor::inner_iv_init(cipher.clone(), &iv).encrypt_blocks(blocks);
        cbc::Decryptor::inner_iv_init(cipher.clone(), &iv).decrypt_blocks(blocks);
        black_box(mac.clone().chain_update(&data[..signed]).finalize());
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = baseline, protocol
}
criterion_main!(benches);
