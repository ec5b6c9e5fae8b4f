//! How long opening an OPN chunk takes when it fails, by the way it fails:
//! a ciphertext that does not decrypt (RSA-OAEP), one that decrypts but is
//! not signed by the peer, and one signed but badly padded, beside a good
//! one. The three failures should take the same time: a difference is a
//! timing oracle (OPC 10000-6 §6.7.6; the receive path does the same work
//! for every crypto failure).
//!
//! `cargo bench --bench opn_failures`

use std::hint::black_box;

use criterion::{Criterion, criterion_group};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::chunk::open_asymmetric;
use uasc::key::RsaPrivateKey;
use uasc::policy::{BASIC256_SHA256, OwnKey, PeerKey};

#[path = "../tests/opn_support/mod.rs"]
mod opn_support;

use opn_support::{opn, opn_with_bad_decryption, opn_with_bad_padding};

fn key(seed: u64) -> RsaPrivateKey {
    RsaPrivateKey::generate(2048, &mut StdRng::seed_from_u64(seed)).unwrap()
}

fn opn_failures(c: &mut Criterion) {
    let (client, server) = (key(1), key(2));
    let (client_public, server_public) = (client.public_key(), server.public_key());
    let cases = [
        ("good", opn(&client, &server_public, &[5; 100])),
        ("bad OAEP", opn_with_bad_decryption(&client, &server_public)),
        ("bad signature", opn(&server, &server_public, &[5; 100])),
        ("bad padding", opn_with_bad_padding(&client, &server_public)),
    ];
    let keys = Some((&server as &dyn OwnKey, &client_public as &dyn PeerKey));
    let mut group = c.benchmark_group("opn_failures");
    for (name, chunk) in &cases {
        let ok = open_asymmetric(chunk, BASIC256_SHA256.descriptor(), keys, 1 << 20).is_ok();
        assert_eq!(ok, *name == "good", "{name}");
        group.bench_function(*name, |b| {
            b.iter(|| {
                open_asymmetric(
                    black_box(chunk),
                    BASIC256_SHA256.descriptor(),
                    keys,
                    1 << 20,
                )
            })
        });
    }
    group.finish();
}

/// The reviewer's measurement: trials of the three failure kinds
/// interleaved (so that load on the machine hits them alike), and the 10th
/// percentile of each, with the difference to the OAEP failure.
fn interleaved() {
    let (client, server) = (key(1), key(2));
    let (client_public, server_public) = (client.public_key(), server.public_key());
    let cases = [
        ("bad OAEP", opn_with_bad_decryption(&client, &server_public)),
        ("bad signature", opn(&server, &server_public, &[5; 100])),
        ("bad padding", opn_with_bad_padding(&client, &server_public)),
    ];
    let keys = Some((&server as &dyn OwnKey, &client_public as &dyn PeerKey));
    let mut times: Vec<Vec<u128>> = vec![Vec::new(); cases.len()];
    for _ in 0..300 {
        for (i, (_, chunk)) in cases.iter().enumerate() {
            let start = std::time::Instant::now();
            let _ = black_box(open_asymmetric(
                black_box(chunk),
                BASIC256_SHA256.descriptor(),
                keys,
                1 << 20,
            ));
            times[i].push(start.elapsed().as_nanos());
        }
    }
    let p10 = |v: &mut Vec<u128>| {
        v.sort_unstable();
        v[v.len() / 10] as f64 / 1000.0
    };
    let base = p10(&mut times[0]);
    println!("\nopn_failures, 300 interleaved trials, 10th percentile:");
    for ((name, _), t) in cases.iter().zip(times.iter_mut()) {
        let t = p10(t);
        println!("  {name:<14} {t:>9.1} µs  ({:+.1} µs)", t - base);
    }
}

criterion_group!(benches, opn_failures);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    interleaved();
}
