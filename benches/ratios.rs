//! A short benchmark pass for CI: per policy and mode, the throughput of
//! securing and opening a 64 KiB message in MSG chunks (the protocol),
//! divided by the throughput of the raw primitives on exactly the bytes of
//! those chunks (HMAC and AES-CBC, or the AEAD), measured interleaved in
//! the same run. Ratios, not times, are compared: they hold on a shared
//! machine where absolute times do not.
//!
//! `cargo bench --bench ratios [-- --min RATIO]`
//!
//! Prints one table and exits non-zero if a ratio falls below `--min`
//! (default 0.85).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes::{Aes128, Aes256};
use aes_gcm::aead::AeadInOut;
use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit};
use hmac::{Hmac, Mac};
use uasc::chunk::open_symmetric;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, ChunkProtection, PolicyDescriptor};

mod support;

use support::{chunk_lens, secure_all, token_keys};

const MESSAGE: usize = 64 << 10;
/// Samples per case, each of `BATCH` operations; the median is kept.
const SAMPLES: usize = 31;
const BATCH: usize = 4;

/// The raw primitives of a policy, keyed once, as a channel keys them.
enum Raw {
    Cbc {
        mac: Mac3,
        cipher: Cipher,
        signature_len: usize,
        encrypt: bool,
    },
    Aead {
        aead: Aead,
        encrypt: bool,
    },
}

enum Mac3 {
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
    Sha384(Hmac<sha2::Sha384>),
}

enum Cipher {
    Aes128(Aes128),
    Aes256(Aes256),
}

enum Aead {
    Aes128Gcm(aes_gcm::Aes128Gcm),
    Aes256Gcm(aes_gcm::Aes256Gcm),
    ChaCha(chacha20poly1305::ChaCha20Poly1305),
}

impl Raw {
    /// The primitives `d` uses: read from its descriptor (key and signature
    /// lengths; for AEAD policies the name says ChaCha20-Poly1305, as
    /// curve25519 and curve448 use it).
    fn of(d: &PolicyDescriptor, mode: MessageSecurityMode) -> Raw {
        if d.aead {
            let chacha = d.name.contains("ChaCha") || d.name.contains("curve");
            let aead = match (d.encrypting_key_len, chacha) {
                (_, true) => Aead::ChaCha(chacha20poly1305::ChaCha20Poly1305::new(&Array::from(
                    [5u8; 32],
                ))),
                (16, false) => Aead::Aes128Gcm(aes_gcm::Aes128Gcm::new(&Array::from([5u8; 16]))),
                _ => Aead::Aes256Gcm(aes_gcm::Aes256Gcm::new(&Array::from([5u8; 32]))),
            };
            return Raw::Aead {
                aead,
                encrypt: mode == MessageSecurityMode::SignAndEncrypt,
            };
        }
        let key = [3u8; 48];
        let mac = match d.signature_len {
            20 => Mac3::Sha1(<Hmac<sha1::Sha1> as KeyInit>::new_from_slice(&key[..20]).unwrap()),
            48 => Mac3::Sha384(<Hmac<sha2::Sha384> as KeyInit>::new_from_slice(&key).unwrap()),
            _ => Mac3::Sha256(<Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&key[..32]).unwrap()),
        };
        let cipher = if d.encrypting_key_len == 16 {
            Cipher::Aes128(Aes128::new(&Array::from([5u8; 16])))
        } else {
            Cipher::Aes256(Aes256::new(&Array::from([5u8; 32])))
        };
        Raw::Cbc {
            mac,
            cipher,
            signature_len: d.signature_len,
            encrypt: mode == MessageSecurityMode::SignAndEncrypt,
        }
    }

    fn mac(mac: &Mac3, data: &[u8]) {
        match mac {
            Mac3::Sha1(m) => _ = black_box(m.clone().chain_update(data).finalize()),
            Mac3::Sha256(m) => _ = black_box(m.clone().chain_update(data).finalize()),
            Mac3::Sha384(m) => _ = black_box(m.clone().chain_update(data).finalize()),
        }
    }

    fn cbc(cipher: &Cipher, data: &mut [u8], encrypt: bool) {
        let iv = Array::from([4u8; 16]);
        let (blocks, _) = Array::slice_as_chunks_mut(data);
        match (cipher, encrypt) {
            (Cipher::Aes128(c), true) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
            (Cipher::Aes128(c), false) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
            (Cipher::Aes256(c), true) => {
                cbc::Encryptor::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks)
            }
            (Cipher::Aes256(c), false) => {
                cbc::Decryptor::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks)
            }
        }
    }

    /// Secures and opens one chunk's bytes with the primitives alone: the
    /// 16 header bytes are signed (or are the AAD), everything after them
    /// is encrypted, the signature or tag ends the chunk.
    fn round(&self, chunk: &mut [u8]) {
        match self {
            Raw::Cbc {
                mac,
                cipher,
                signature_len,
                encrypt,
            } => {
                let signed = chunk.len() - signature_len;
                Self::mac(mac, &chunk[..signed]);
                if *encrypt {
                    Self::cbc(cipher, &mut chunk[16..], true);
                    Self::cbc(cipher, &mut chunk[16..], false);
                }
                Self::mac(mac, &chunk[..signed]);
            }
            Raw::Aead { aead, encrypt } => {
                // SignAndEncrypt: the 16 header bytes are the AAD and the
                // rest before the tag is sealed; Sign: everything before
                // the tag is AAD and nothing is encrypted.
                let tagged = chunk.len() - 16;
                let (aad, body) = if *encrypt {
                    let (aad, rest) = chunk[..tagged].split_at_mut(16);
                    (&*aad, rest)
                } else {
                    (&chunk[..tagged], &mut [][..])
                };
                let nonce = Array::from([6u8; 12]);
                match aead {
                    Aead::Aes128Gcm(c) => seal_open(c, &nonce, aad, body),
                    Aead::Aes256Gcm(c) => seal_open(c, &nonce, aad, body),
                    Aead::ChaCha(c) => seal_open(c, &nonce, aad, body),
                }
            }
        }
    }
}

fn seal_open<C: AeadInOut>(c: &C, nonce: &aes_gcm::aead::Nonce<C>, aad: &[u8], body: &mut [u8]) {
    let tag = c.encrypt_inout_detached(nonce, aad, body.into()).unwrap();
    c.decrypt_inout_detached(nonce, aad, body.into(), &tag)
        .unwrap();
}

/// Secures `message` into `wire` and opens every chunk again in place.
fn protocol(
    wire: &mut Vec<u8>,
    message: &[u8],
    keys: &dyn ChunkProtection,
    mode: MessageSecurityMode,
    sequence_number: &mut u32,
) {
    let first = *sequence_number;
    secure_all(wire, message, keys, mode, sequence_number);
    let mut rest = &mut wire[..];
    let mut expected = first;
    while !rest.is_empty() {
        let len = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        let (chunk, tail) = rest.split_at_mut(len);
        black_box(open_symmetric(chunk, keys, mode, expected).unwrap());
        expected = expected.wrapping_add(1);
        rest = tail;
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let min = args
        .iter()
        .position(|a| a == "--min")
        .and_then(|i| args.get(i + 1))
        .map_or(0.85, |v| v.parse().expect("--min takes a number"));
    let message = vec![0xA5u8; MESSAGE];
    let mut failed = Vec::new();
    println!(
        "securing + opening a 64 KiB message: protocol throughput / raw primitives throughput"
    );
    println!(
        "{:<32} {:<16} {:>12} {:>12} {:>7}",
        "policy", "mode", "protocol µs", "raw µs", "ratio"
    );
    for p in policy::ALL
        .iter()
        .filter(|p| p.descriptor().signature_len > 0)
    {
        let d = p.descriptor();
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let keys = token_keys(*p, mode);
            let raw = Raw::of(d, mode);
            let mut wire = Vec::with_capacity(MESSAGE + 4096);
            let mut sequence_number = 1;
            // The chunk layout the protocol produces, for the raw pass.
            protocol(&mut wire, &message, &*keys, mode, &mut sequence_number);
            let mut layout = wire.clone();
            let lens = chunk_lens(&layout);
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for _ in 0..SAMPLES {
                let start = Instant::now();
                for _ in 0..BATCH {
                    protocol(&mut wire, &message, &*keys, mode, &mut sequence_number);
                }
                ours.push(start.elapsed());
                let start = Instant::now();
                for _ in 0..BATCH {
                    let mut rest = &mut layout[..];
                    for &len in &lens {
                        let (chunk, tail) = rest.split_at_mut(len);
                        raw.round(chunk);
                        rest = tail;
                    }
                }
                theirs.push(start.elapsed());
            }
            let (ours, theirs) = (median(ours) / BATCH as u32, median(theirs) / BATCH as u32);
            let ratio = theirs.as_secs_f64() / ours.as_secs_f64();
            let mark = if ratio < min { "  < min" } else { "" };
            println!(
                "{:<32} {:<16} {:>12.1} {:>12.1} {:>7.2}{mark}",
                d.name,
                format!("{mode:?}"),
                ours.as_secs_f64() * 1e6,
                theirs.as_secs_f64() * 1e6,
                ratio
            );
            if ratio < min {
                failed.push(format!("{} {mode:?}: {ratio:.2}", d.name));
            }
        }
    }
    if !failed.is_empty() {
        eprintln!("ratios below {min}: {}", failed.join(", "));
        std::process::exit(1);
    }
}
