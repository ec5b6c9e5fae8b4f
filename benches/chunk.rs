//! Throughput of securing and opening MSG chunks, against the raw cipher and
//! MAC on the same bytes in the same run.
//!
//! `cargo bench --bench chunk [-- FILTER]`
//!
//! A message is cut into chunks of a 65 536-byte send buffer; "secure" builds
//! every chunk (headers, padding, HMAC, AES-CBC in place) into one reused
//! buffer, "open" verifies and decrypts every chunk in place. The baseline
//! runs HMAC-SHA256 and AES-CBC over the same bytes with no protocol at all,
//! and for the AEAD policies AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305
//! sealing and opening exactly the bytes of the protocol's chunks in place
//! (the 16 header bytes as additional data, the rest sealed, the tag at the
//! end). "open" restores the sealed chunks before each iteration, outside
//! the timing, for the protocol and the AEAD baselines alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInOut;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use uasc::chunk::{max_body_size, open_symmetric};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, Role};

mod support;

use support::{CHUNK, chunk_lens, secure_all, token_keys};

const SIZES: [(usize, &str); 4] = [
    (200, "200 B"),
    (8 << 10, "8 KiB"),
    (64 << 10, "64 KiB"),
    (1 << 20, "1 MiB"),
];

fn protocol(c: &mut Criterion) {
    for p in policy::ALL
        .iter()
        .filter(|p| p.descriptor().signature_len > 0)
    {
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let keys = token_keys(*p, mode);
            let keys = &*keys;
            let mut g = c.benchmark_group(format!("{} {:?}", p.descriptor().name, mode));
            for (size, label) in SIZES {
                let message = vec![0xA5u8; size];
                g.throughput(Throughput::Bytes(size as u64));
                let mut wire = Vec::with_capacity(size + size / 16 + 1024);
                g.bench_function(BenchmarkId::new("secure", label), |b| {
                    b.iter(|| secure_all(&mut wire, black_box(&message), keys, mode, &mut 0))
                });
                secure_all(&mut wire, &message, keys, mode, &mut 0);
                let pristine = wire.clone();
                g.bench_function(BenchmarkId::new("open", label), |b| {
                    b.iter_custom(|iters| {
                        restored(iters, &mut wire, &pristine, |wire| {
                            let mut rest = wire;
                            let mut expected = 0;
                            while !rest.is_empty() {
                                let len =
                                    u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
                                let (chunk, tail) = rest.split_at_mut(len);
                                black_box(open_symmetric(chunk, keys, mode, expected).unwrap());
                                expected += 1;
                                rest = tail;
                            }
                        })
                    })
                });
            }
            g.finish();
        }
    }
}

/// HMAC-SHA256 then AES-CBC over the same bytes, chunk by chunk, no protocol.
fn baseline(c: &mut Criterion) {
    let keys = policy::BASIC256_SHA256
        .derive_keys(Role::Client, &[1; 32], &[2; 32])
        .unwrap();
    let max_body = max_body_size(&keys, MessageSecurityMode::SignAndEncrypt, CHUNK).unwrap();
    for (name, key_len) in [
        ("AES-128-CBC + HMAC-SHA256", 16),
        ("AES-256-CBC + HMAC-SHA256", 32),
    ] {
        let mut g = c.benchmark_group(format!("baseline {name}"));
        for (size, label) in SIZES {
            g.throughput(Throughput::Bytes(size as u64));
            let mut data = vec![0xA5u8; size.div_ceil(16) * 16];
            let mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&[3; 32]).unwrap();
            g.bench_function(BenchmarkId::new("mac+encrypt", label), |b| {
                b.iter(|| {
                    for piece in data.chunks_mut(max_body - max_body % 16) {
                        black_box(mac.clone().chain_update(&*piece).finalize());
                        let (blocks, _) = Array::slice_as_chunks_mut(piece);
                        let iv = Array::from([4u8; 16]);
                        if key_len == 16 {
                            cbc::Encryptor::<Aes128>::new(&Array::from([5u8; 16]), &iv)
                                .encrypt_blocks(blocks);
                        } else {
                            cbc::Encryptor::<Aes256>::new(&Array::from([5u8; 32]), &iv)
                                .encrypt_blocks(blocks);
                        }
                    }
                })
            });
            g.bench_function(BenchmarkId::new("decrypt+mac", label), |b| {
                b.iter(|| {
                    for piece in data.chunks_mut(max_body - max_body % 16) {
                        let (blocks, _) = Array::slice_as_chunks_mut(piece);
                        let iv = Array::from([4u8; 16]);
                        if key_len == 16 {
                            cbc::Decryptor::<Aes128>::new(&Array::from([5u8; 16]), &iv)
                                .decrypt_blocks(blocks);
                        } else {
                            cbc::Decryptor::<Aes256>::new(&Array::from([5u8; 32]), &iv)
                                .decrypt_blocks(blocks);
                        }
                        black_box(mac.clone().chain_update(&*piece).finalize());
                    }
                })
            });
        }
        g.finish();
    }
}

/// AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305 on exactly the chunks an
/// AEAD policy makes of the message in SignAndEncrypt (the layout is the
/// same for every AEAD policy), in place with a detached tag, keyed once, no
/// protocol: the 16 header bytes of each chunk are the additional data,
/// the rest before the tag is sealed. "open" opens chunks sealed
/// beforehand, restored between iterations outside the timing, as the
/// protocol's "open" is.
fn aead_baseline(c: &mut Criterion) {
    use aes_gcm::aead::KeyInit as _;
    aead_group(c, "AES-128-GCM", aes_gcm::Aes128Gcm::new(&[5u8; 16].into()));
    aead_group(c, "AES-256-GCM", aes_gcm::Aes256Gcm::new(&[5u8; 32].into()));
    aead_group(
        c,
        "ChaCha20-Poly1305",
        chacha20poly1305::ChaCha20Poly1305::new(&[5u8; 32].into()),
    );
}

fn aead_group<C: AeadInOut>(c: &mut Criterion, name: &str, cipher: C) {
    let mode = MessageSecurityMode::SignAndEncrypt;
    let keys = token_keys(&policy::ECC_NIST_P256_AES_GCM, mode);
    let mut g = c.benchmark_group(format!("baseline {name}"));
    for (size, label) in SIZES {
        g.throughput(Throughput::Bytes(size as u64));
        let mut wire = Vec::new();
        secure_all(&mut wire, &vec![0xA5u8; size], &*keys, mode, &mut 0);
        let lens = chunk_lens(&wire);
        g.bench_function(BenchmarkId::new("seal", label), |b| {
            b.iter(|| raw_aead(&cipher, black_box(&mut wire), &lens, false))
        });
        raw_aead(&cipher, &mut wire, &lens, false);
        let pristine = wire.clone();
        g.bench_function(BenchmarkId::new("open", label), |b| {
            b.iter_custom(|iters| {
                restored(iters, &mut wire, &pristine, |w| {
                    raw_aead(&cipher, w, &lens, true)
                })
            })
        });
    }
    g.finish();
}

/// Seals (or opens) every chunk of `wire`, of lengths `lens`, in place.
fn raw_aead<C: AeadInOut>(cipher: &C, wire: &mut [u8], lens: &[usize], open: bool) {
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&[4u8; 12][..]).unwrap();
    let mut rest = wire;
    for &len in lens {
        let (chunk, tail) = rest.split_at_mut(len);
        rest = tail;
        let (sealed, tag) = chunk.split_at_mut(len - 16);
        let (aad, body) = sealed.split_at_mut(16);
        if open {
            let tag = aes_gcm::aead::Tag::<C>::try_from(&*tag).unwrap();
            cipher
                .decrypt_inout_detached(&nonce, aad, body.into(), &tag)
                .unwrap();
        } else {
            let sealed = cipher
                .encrypt_inout_detached(&nonce, aad, body.into())
                .unwrap();
            tag.copy_from_slice(&sealed);
        }
    }
}

/// The time of `iters` runs of `f` on `wire`, each on a fresh copy of
/// `pristine` made outside the timing.
fn restored(
    iters: u64,
    wire: &mut [u8],
    pristine: &[u8],
    mut f: impl FnMut(&mut [u8]),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        wire.copy_from_slice(pristine);
        let start = Instant::now();
        f(black_box(&mut *wire));
        total += start.elapsed();
    }
    total
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = baseline, aead_baseline, protocol
}
criterion_main!(benches);
