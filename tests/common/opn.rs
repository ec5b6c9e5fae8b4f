//! Reading and rewriting OPN chunks sent under SecurityPolicy None, which
//! are neither signed nor encrypted: a man in the middle can change them at
//! will, which is how these tests play a misbehaving peer.

use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, OpnChunk, SecurityHeader, SequenceHeader,
    secure_asymmetric,
};
use uasc::codec::{Reader, Writer};
use uasc::messages::{Message, decode_message, encode_message};
use uasc::policy::NONE;

/// The SecureChannelId of a frame (bytes 8..12).
pub fn channel_id(frame: &[u8]) -> u32 {
    u32::from_le_bytes(frame[8..12].try_into().unwrap())
}

/// The security header of an OPN chunk: (policy URI, sender certificate,
/// receiver thumbprint), owned.
pub fn security_header(frame: &[u8]) -> (String, Option<Vec<u8>>, Option<Vec<u8>>) {
    let headers = ChunkHeaders::parse(frame, 1 << 20).unwrap();
    let SecurityHeader::Asymmetric(h) = headers.security else {
        panic!("not an OPN chunk")
    };
    (
        h.security_policy_uri.unwrap_or_default().to_owned(),
        h.sender_certificate.map(<[u8]>::to_vec),
        h.receiver_certificate_thumbprint.map(<[u8]>::to_vec),
    )
}

/// The message an OPN chunk under policy None carries, with its sequence
/// header.
pub fn read<M: Message>(frame: &[u8]) -> (SequenceHeader, M) {
    let headers = ChunkHeaders::parse(frame, 1 << 20).unwrap();
    let mut r = Reader::new(&frame[headers.header_len..]);
    let sequence = SequenceHeader {
        sequence_number: r.read_u32().unwrap(),
        request_id: r.read_u32().unwrap(),
    };
    let message = decode_message(&mut r).unwrap();
    (sequence, message)
}

/// An OPN chunk under policy None for channel `channel_id` carrying
/// `message`.
pub fn write<M: Message>(channel_id: u32, sequence: SequenceHeader, message: &M) -> Vec<u8> {
    let mut body = Vec::new();
    encode_message(message, &mut Writer::new(&mut body)).unwrap();
    let chunk = OpnChunk {
        secure_channel_id: channel_id,
        security_header: AsymmetricSecurityHeader {
            security_policy_uri: Some(NONE.descriptor().uri),
            sender_certificate: None,
            receiver_certificate_thumbprint: None,
        },
        sequence,
    };
    let mut out = Vec::new();
    let mut rng = rand::rng();
    secure_asymmetric(
        &mut out,
        &chunk,
        &body,
        NONE.descriptor(),
        None,
        1 << 20,
        &mut rng,
    )
    .unwrap();
    out
}

/// `frame` (an OPN chunk under policy None carrying an `M`) with its
/// message and SecureChannelId changed by `change`.
pub fn rewrite<M: Message>(frame: &[u8], change: impl FnOnce(&mut u32, &mut M)) -> Vec<u8> {
    let mut id = channel_id(frame);
    let (sequence, mut message) = read::<M>(frame);
    change(&mut id, &mut message);
    write(id, sequence, &message)
}
