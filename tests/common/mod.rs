//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Decodes a hex string.
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The folder of captured connections: `$UASC_VECTORS_DIR`, or
/// `../shared/vectors` beside the crate.
pub fn vectors_dir() -> PathBuf {
    std::env::var_os("UASC_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

/// Every capture file, parsed, with its file name.
pub fn captures() -> Vec<(String, serde_json::Value)> {
    let dir = vectors_dir();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
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
