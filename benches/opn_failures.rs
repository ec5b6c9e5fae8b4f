//! How long opening an OPN chunk takes when it fails, by the way it fails:
//! a ciphertext that does not decrypt (RSA-OAEP), one that decrypts but is
//! not signed by the peer, and one signed but badly padded, beside a good
//! one. The three failures should take the same time: a difference is a
//! timing oracle (OPC 10000-6 §6.7.6; the receive path does the same work
//! for every crypto failure).
//!
//! `cargo bench --bench opn_failures`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
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

criterion_group!(benches, opn_failures);
criterion_main!(benches);
