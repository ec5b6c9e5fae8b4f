//! A short benchmark pass for CI: per policy and mode, the throughput of
//! securing a 64 KiB message into MSG chunks and that of opening them (the
//! protocol), each divided by the throughput of the raw primitives doing
//! the same on exactly the bytes of those chunks (HMAC and AES-CBC, or the
//! AEAD sealing and opening in place), measured interleaved in the same
//! run. Opening works in place, so before each open the chunks are restored
//! from a copy, outside the timing, on both sides. Ratios, not times, are
//! compared: they hold on a shared machine where absolute times do not.
//!
//! `cargo bench --bench ratios [-- --min RATIO] [--message BYTES]`
//!
//! Prints one table and exits non-zero if a ratio falls below `--min`
//! (default 0.85). `--message` sets the message size (default 65 536).

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

/// The default message size.
const MESSAGE: usize = 64 << 10;
/// Samples per case, each of `BATCH` operations; the median is kept.
const SAMPLES: usize = 41;
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
    /// lengths; for AEAD policies the name: `_AesGcm` is AES-GCM with the
    /// policy's key length, everything else ChaCha20-Poly1305, as
    /// `_ChaChaPoly`, ECC_curve25519 and ECC_curve448 use it).
    fn of(d: &PolicyDescriptor, mode: MessageSecurityMode) -> Raw {
        if d.aead {
            let chacha = !d.name.ends_with("_AesGcm");
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

    /// Secures (`open == false`) or opens one chunk's bytes with the
    /// primitives alone: the 16 header bytes are signed (or are the AAD),
    /// everything after them is encrypted, the signature or tag ends the
    /// chunk. Opening a chunk checks the tag the raw sealing made.
    fn run(&self, chunk: &mut [u8], open: bool) {
        match self {
            Raw::Cbc {
                mac,
                cipher,
                signature_len,
                encrypt,
            } => {
                let signed = chunk.len() - signature_len;
                if !open {
                    Self::mac(mac, &chunk[..signed]);
                }
                if *encrypt {
                    Self::cbc(cipher, &mut chunk[16..], !open);
                }
                if open {
                    Self::mac(mac, &chunk[..signed]);
                }
            }
            Raw::Aead { aead, encrypt } => {
                // SignAndEncrypt: the 16 header bytes are the AAD and the
                // rest before the tag is sealed; Sign: everything before
                // the tag is AAD and nothing is encrypted.
                let tagged = chunk.len() - 16;
                let (authenticated, tag) = chunk.split_at_mut(tagged);
                let (aad, body) = if *encrypt {
                    let (aad, rest) = authenticated.split_at_mut(16);
                    (&*aad, rest)
                } else {
                    (&*authenticated, &mut [][..])
                };
                let nonce = [6u8; 12];
                match aead {
                    Aead::Aes128Gcm(c) => seal_open(c, &nonce, aad, body, tag, open),
                    Aead::Aes256Gcm(c) => seal_open(c, &nonce, aad, body, tag, open),
                    Aead::ChaCha(c) => seal_open(c, &nonce, aad, body, tag, open),
                }
            }
        }
    }

    /// Runs [`run`](Self::run) over every chunk of `wire`.
    fn all(&self, wire: &mut [u8], lens: &[usize], open: bool) {
        let mut rest = wire;
        for &len in lens {
            let (chunk, tail) = rest.split_at_mut(len);
            self.run(chunk, open);
            rest = tail;
        }
    }
}

fn seal_open<C: AeadInOut>(
    c: &C,
    nonce: &[u8; 12],
    aad: &[u8],
    body: &mut [u8],
    tag: &mut [u8],
    open: bool,
) {
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&nonce[..]).unwrap();
    if open {
        let tag = aes_gcm::aead::Tag::<C>::try_from(&*tag).unwrap();
        c.decrypt_inout_detached(&nonce, aad, body.into(), &tag)
            .unwrap();
    } else {
        let sealed = c.encrypt_inout_detached(&nonce, aad, body.into()).unwrap();
        tag.copy_from_slice(&sealed);
    }
}

/// Opens every chunk of `wire` in place, the first expected to carry
/// `first`.
fn open_all(wire: &mut [u8], keys: &dyn ChunkProtection, mode: MessageSecurityMode, first: u32) {
    let mut rest = wire;
    let mut expected = first;
    while !rest.is_empty() {
        let len = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        let (chunk, tail) = rest.split_at_mut(len);
        black_box(open_symmetric(chunk, keys, mode, expected).unwrap());
        expected = expected.wrapping_add(1);
        rest = tail;
    }
}

/// The time of `f` on `wire` after `wire` was restored from `pristine`,
/// outside the timing.
fn restored(wire: &mut [u8], pristine: &[u8], f: impl FnOnce(&mut [u8])) -> Duration {
    wire.copy_from_slice(pristine);
    let start = Instant::now();
    f(black_box(wire));
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let min = arg("--min").map_or(0.85, |v| v.parse().expect("--min takes a number"));
    let size = arg("--message").map_or(MESSAGE, |v| v.parse().expect("--message takes bytes"));
    let message = vec![0xA5u8; size];
    let mut failed = Vec::new();
    println!(
        "securing / opening a {size}-byte message: protocol throughput / raw primitives throughput"
    );
    println!(
        "{:<32} {:<15} {:>10} {:>8} {:>6} {:>10} {:>8} {:>6}",
        "policy", "mode", "secure µs", "raw µs", "ratio", "open µs", "raw µs", "ratio"
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
            let keys = &*keys;
            let raw = Raw::of(d, mode);
            // The protocol's chunks, opened from a copy each time, and the
            // same chunk layout sealed by the raw primitives.
            let mut wire = Vec::with_capacity(size + size / 16 + 4096);
            let first = 1;
            secure_all(&mut wire, &message, keys, mode, &mut first.clone());
            let pristine = wire.clone();
            let lens = chunk_lens(&pristine);
            let mut layout = pristine.clone();
            raw.all(&mut layout, &lens, false);
            let raw_pristine = layout.clone();
            let mut sequence_number = first;
            let mut times = [const { Vec::new() }; 4];
            for _ in 0..SAMPLES {
                let mut sample = [Duration::ZERO; 4];
                for _ in 0..BATCH {
                    let start = Instant::now();
                    secure_all(&mut wire, &message, keys, mode, &mut sequence_number);
                    sample[0] += start.elapsed();
                    let start = Instant::now();
                    raw.all(black_box(&mut layout), &lens, false);
                    sample[1] += start.elapsed();
                    sample[2] += restored(&mut wire, &pristine, |w| open_all(w, keys, mode, first));
                    sample[3] += restored(&mut layout, &raw_pristine, |w| raw.all(w, &lens, true));
                }
                for (t, s) in times.iter_mut().zip(sample) {
                    t.push(s / BATCH as u32);
                }
            }
            let [secure, seal, open, raw_open] = times.map(median);
            let ratio = |raw: Duration, ours: Duration| raw.as_secs_f64() / ours.as_secs_f64();
            let ratios = [ratio(seal, secure), ratio(raw_open, open)];
            let mark = if ratios.iter().any(|&r| r < min) {
                "  < min"
            } else {
                ""
            };
            let us = |t: Duration| t.as_secs_f64() * 1e6;
            println!(
                "{:<32} {:<15} {:>10.1} {:>8.1} {:>6.2} {:>10.1} {:>8.1} {:>6.2}{mark}",
                d.name,
                format!("{mode:?}"),
                us(secure),
                us(seal),
                ratios[0],
                us(open),
                us(raw_open),
                ratios[1],
            );
            if !mark.is_empty() {
                failed.push(format!(
                    "{} {mode:?}: {:.2} / {:.2}",
                    d.name, ratios[0], ratios[1]
                ));
            }
        }
    }
    if !failed.is_empty() {
        eprintln!("ratios below {min}: {}", failed.join(", "));
        std::process::exit(1);
    }
}
