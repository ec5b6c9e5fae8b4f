//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Decodes a hex string.
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Encodes bytes as lowercase hex.
pub fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The folder of captured connections between RSA policies:
/// `$UASC_VECTORS_DIR`, or `tests/data/vectors` in the crate.
pub fn vectors_dir() -> PathBuf {
    data_dir("UASC_VECTORS_DIR", "vectors")
}

/// The folder of captured connections between ECC policies:
/// `$UASC_VECTORS_ECC_DIR`, or `tests/data/vectors-ecc` in the crate.
pub fn vectors_ecc_dir() -> PathBuf {
    data_dir("UASC_VECTORS_ECC_DIR", "vectors-ecc")
}

/// The folder of channels between this crate's client and server under
/// the ECC and RSA_DH policies, completed and verified by
/// `tests/independent/uasc_independent.py`: `tests/data/vectors-uasc`.
pub fn vectors_uasc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors-uasc")
}

fn data_dir(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data")
                .join(name)
        })
}

/// Every capture file in the RSA folder, parsed, with its file name.
pub fn captures() -> Vec<(String, serde_json::Value)> {
    captures_in(&vectors_dir())
}

/// Every capture file in `dir`, parsed, with its file name.
pub fn captures_in(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read capture");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).expect("capture is JSON"))
        })
        .collect()
}

/// A string field of a JSON object.
pub fn s<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing"))
}

/// A hex field of a JSON object, decoded.
pub fn h(v: &serde_json::Value, key: &str) -> Vec<u8> {
    hex(s(v, key))
}

pub mod opn;
pub mod pair;
pub mod temp;

/// Both ends' keys of one token under `policy` in `mode`, from key
/// exchanges whose randomness (nonces, ephemeral keys) comes from `seed`:
/// (client, server).
pub fn token_keys(
    policy: &dyn uasc::policy::SecurityPolicy,
    mode: uasc::messages::MessageSecurityMode,
    seed: u64,
) -> (uasc::policy::TokenKeys, uasc::policy::TokenKeys) {
    use rand::SeedableRng;
    use uasc::policy::Role;
    let rng = |s: u64| rand::rngs::StdRng::seed_from_u64(s);
    let client = policy
        .start_key_exchange(mode, &mut rng(seed), None)
        .unwrap();
    let server = policy
        .start_key_exchange(mode, &mut rng(seed ^ 0x5EED), None)
        .unwrap();
    let (cn, sn) = (client.local_nonce().to_vec(), server.local_nonce().to_vec());
    (
        client.complete(Role::Client, &sn).unwrap(),
        server.complete(Role::Server, &cn).unwrap(),
    )
}
