//! Both key sets of every captured connection derive from its two nonces.

mod common;

use common::{captures, h, s};
use uasc::crypto::PHash;

#[test]
fn captured_key_sets_derive_from_the_nonces() {
    let mut n = 0;
    for (name, v) in captures() {
        let prf = match s(&v["algorithms"], "key_derivation") {
            "P_SHA1" => PHash::Sha1,
            "P_SHA256" => PHash::Sha256,
            other => panic!("{name}: unknown PRF {other}"),
        };
        let sizes: Vec<usize> = v["algorithms"]["key_sizes_signing_encrypting_iv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let cn = h(&v, "client_nonce_hex");
        let sn = h(&v, "server_nonce_hex");
        for (field, secret, seed) in [("client_keys", &sn, &cn), ("server_keys", &cn, &sn)] {
            let mut out = vec![0u8; sizes.iter().sum()];
            prf.derive(secret, seed, &mut out);
            let (sig, rest) = out.split_at(sizes[0]);
            let (enc, iv) = rest.split_at(sizes[1]);
            let keys = &v[field];
            assert_eq!(sig, h(keys, "signing_key"), "{name} {field}");
            assert_eq!(enc, h(keys, "encrypting_key"), "{name} {field}");
            assert_eq!(iv, h(keys, "iv"), "{name} {field}");
        }
        n += 1;
    }
    println!("key derivation: {n} files verified");
    assert!(n > 0, "no capture files found");
}
