//! Making and reading the bytes a channel target exchanges with the
//! channel under test, through the crate's public chunk and message API:
//! symmetric chunks with chosen headers, OPN chunks of the fuzzing policy
//! (or None), abort bodies, and the frames of a byte stream.

use std::time::Duration;

use uasc::StatusCode;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkType, MessageType, OpnChunk, SequenceHeader, SymmetricChunk,
    open_asymmetric, secure_asymmetric, secure_symmetric_padded,
};
use uasc::codec::{DecodeLimits, Encode, Reader, UaString, Writer};
use uasc::messages::{Message, MessageSecurityMode, decode_message, encode_message};
use uasc::policy::{
    BASIC256_SHA256, NONE, OwnKey, PeerKey, PolicyDescriptor, Role, SecurityPolicy, SymmetricKeys,
};

use super::fuzz_policy::{FuzzKey, FuzzPolicy, identity};
use super::script::{Kind, OpnHeader};

/// `len` bytes that depend on `seed` and on their position, so that bodies
/// put together in the wrong order or from the wrong chunks differ.
pub fn pattern(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The body of an abort chunk: `code` and a reason of `reason_len` letters.
pub fn abort_body(code: StatusCode, reason_len: usize) -> Vec<u8> {
    let mut body = Vec::new();
    let reason: String = (0..reason_len)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let mut w = Writer::new(&mut body);
    code.encode(&mut w).expect("a StatusCode encodes");
    UaString::from(reason)
        .encode(&mut w)
        .expect("a String encodes");
    body
}

/// The message and chunk types of `kind`.
pub fn types(kind: Kind) -> (MessageType, ChunkType) {
    match kind {
        Kind::Intermediate => (MessageType::Message, ChunkType::Intermediate),
        Kind::Final => (MessageType::Message, ChunkType::Final),
        Kind::Abort => (MessageType::Message, ChunkType::Abort),
        Kind::Close => (MessageType::Close, ChunkType::Final),
        Kind::OpenSymmetric => (MessageType::Open, ChunkType::Final),
    }
}

/// Appends one symmetric chunk; `extra_padding` blocks of padding more
/// than needed under SignAndEncrypt (when they fit in the PaddingSize
/// byte). Returns its size.
#[allow(clippy::too_many_arguments)]
pub fn symmetric(
    out: &mut Vec<u8>,
    kind: Kind,
    channel_id: u32,
    token_id: u32,
    sequence: SequenceHeader,
    body: &[u8],
    keys: &SymmetricKeys,
    mode: MessageSecurityMode,
    extra_padding: u8,
) -> usize {
    let (message_type, chunk_type) = types(kind);
    let chunk = SymmetricChunk {
        message_type,
        chunk_type,
        secure_channel_id: channel_id,
        token_id,
        sequence,
    };
    let start = out.len();
    let padded = match (mode, extra_padding % 8) {
        (MessageSecurityMode::SignAndEncrypt, extra @ 1..) => {
            // The smallest padding, then whole AES blocks more.
            let plain = SequenceHeader::LEN + body.len() + 1 + 32;
            let least = (16 - plain % 16) % 16;
            Some(least + 16 * usize::from(extra)).filter(|&p| p <= 255)
        }
        _ => None,
    };
    secure_symmetric_padded(out, &chunk, body, keys, mode, padded)
        .expect("a chunk the harness builds is secured");
    out.len() - start
}

/// The policy of a target's channel in `mode`.
pub fn descriptor(mode: MessageSecurityMode) -> PolicyDescriptor {
    if mode == MessageSecurityMode::None {
        *NONE.descriptor()
    } else {
        *FuzzPolicy::new().descriptor()
    }
}

/// The nonce length of the channel's policy.
pub fn nonce_len(mode: MessageSecurityMode) -> usize {
    descriptor(mode).nonce_len
}

/// The keys `side` secures its chunks with, from the two nonces (the
/// fuzzing policy derives them as Basic256Sha256 does); `None` for nonces
/// of another length.
pub fn derive(
    mode: MessageSecurityMode,
    side: Role,
    client: &[u8],
    server: &[u8],
) -> Option<SymmetricKeys> {
    if mode == MessageSecurityMode::None {
        return SymmetricKeys::none(NONE.descriptor()).ok();
    }
    let len = nonce_len(mode);
    if client.len() != len || server.len() != len {
        return None;
    }
    BASIC256_SHA256.derive_keys(side, client, server).ok()
}

/// A chunk's keys in both directions, and the TokenId they go with.
pub struct TokenKeys {
    pub id: u32,
    pub generation: u32,
    pub client: SymmetricKeys,
    pub server: SymmetricKeys,
    pub lifetime: Duration,
    pub created: std::time::Instant,
}

/// The certificates of the two ends (see `support::client_config`).
pub fn certificate(client: bool) -> Vec<u8> {
    identity(if client { b"client" } else { b"server" })
        .certificate
        .to_vec()
}

/// Appends an OPN chunk from the client (`from_client`) or the server
/// carrying `message`, with `header` saying what is wrong with it.
#[allow(clippy::too_many_arguments)]
pub fn open<M: Message>(
    out: &mut Vec<u8>,
    mode: MessageSecurityMode,
    from_client: bool,
    header: OpnHeader,
    channel_id: u32,
    sequence: SequenceHeader,
    message: &M,
) -> usize {
    let mut body = Vec::new();
    encode_message(message, &mut Writer::new(&mut body)).expect("the message encodes");
    let d = descriptor(mode);
    let own = certificate(from_client);
    let peer = certificate(!from_client);
    let other = certificate_of(b"stranger");
    let thumbprint = uasc::cert::thumbprint(match header {
        OpnHeader::WrongThumbprint => &own,
        _ => &peer,
    });
    let secured = mode != MessageSecurityMode::None;
    let uri = match header {
        OpnHeader::OtherPolicy if secured => NONE.descriptor().uri,
        OpnHeader::OtherPolicy => FuzzPolicy::new().descriptor().uri,
        _ => d.uri,
    };
    let sender: Option<&[u8]> = match header {
        _ if !secured => None,
        OpnHeader::NoCertificate => None,
        OpnHeader::OtherCertificate => Some(&other),
        _ => Some(&own),
    };
    let chunk = OpnChunk {
        secure_channel_id: channel_id,
        security_header: AsymmetricSecurityHeader {
            security_policy_uri: Some(uri),
            sender_certificate: sender,
            receiver_certificate_thumbprint: Some(&thumbprint[..]).filter(|_| secured),
        },
        sequence,
    };
    let signer = FuzzKey::of(if header == OpnHeader::Forged {
        &other
    } else {
        &own
    });
    let peer_key = FuzzKey::of(&peer);
    let start = out.len();
    let mut rng = super::rng(3);
    secure_asymmetric(
        out,
        &chunk,
        &body,
        &d,
        Some((&signer as &dyn OwnKey, &peer_key as &dyn PeerKey)),
        usize::MAX,
        &mut *rng,
    )
    .expect("an OPN chunk the harness builds is secured");
    out.len() - start
}

/// A "certificate" of the fuzzing policy for `name`.
fn certificate_of(name: &[u8]) -> Vec<u8> {
    identity(name).certificate.to_vec()
}

/// Opens an OPN chunk sent to the client (`to_client`) or the server and
/// decodes its body as `M`; `None` if it does not open or decode.
pub fn read_open<M: Message>(
    chunk: &[u8],
    mode: MessageSecurityMode,
    to_client: bool,
) -> Option<(SequenceHeader, M)> {
    let own = FuzzKey::of(&certificate(to_client));
    let peer = FuzzKey::of(&certificate(!to_client));
    let keys = (&own as &dyn OwnKey, &peer as &dyn PeerKey);
    let opened = open_asymmetric(chunk, &descriptor(mode), Some(keys), 1 << 16).ok()?;
    let body = opened.plaintext.get(opened.body.clone())?;
    let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
    let message = decode_message(&mut r).ok()?;
    Some((opened.sequence, message))
}

/// Frames of a byte stream: (message type tag, whole frame).
pub type Frames<'a> = Vec<(&'a [u8], &'a [u8])>;

/// Splits a byte stream of whole frames.
pub fn frames(bytes: &[u8]) -> Frames<'_> {
    let (frames, rest) = split_frames(bytes);
    assert!(rest.is_empty(), "a channel sent a partial frame");
    frames
}

/// The whole frames at the start of `bytes` (which may be damaged).
pub fn frames_lossy(bytes: &[u8]) -> Frames<'_> {
    split_frames(bytes).0
}

fn split_frames(mut bytes: &[u8]) -> (Frames<'_>, &[u8]) {
    let mut out = Vec::new();
    while bytes.len() >= 8 {
        let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        if size < 8 || size > bytes.len() {
            break;
        }
        let (frame, rest) = bytes.split_at(size);
        out.push((&frame[..3], frame));
        bytes = rest;
    }
    (out, bytes)
}

/// The TokenId of a symmetric chunk.
pub fn token_id(frame: &[u8]) -> Option<u32> {
    let b = frame.get(12..16)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The chunk type byte of a frame.
pub fn chunk_type(frame: &[u8]) -> u8 {
    frame.get(3).copied().unwrap_or(0)
}
