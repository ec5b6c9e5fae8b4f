//! Securing and opening OPN chunks with the asymmetric (RSA) algorithms
//! (OPC 10000-6 §6.7.2.3, §6.7.2.5, §6.7.6).

use core::ops::Range;

use rand_core::CryptoRng;

use super::padding::{check_padding, read_sequence_header};
use super::{
    AsymmetricSecurityHeader, ChunkHeaders, ChunkType, MessageHeader, MessageType, SequenceHeader,
};
use crate::codec::{Encode, Writer};
use crate::policy::{PolicyDescriptor, PrivateKey, PublicKey};
use crate::{Error, Result};

/// Keys larger than this many bytes add an ExtraPaddingSize byte
/// (OPC 10000-6 Table 61).
const EXTRA_PADDING_KEY_BYTES: usize = 256;

/// Appends one secured OPN chunk to `out`.
///
/// With an RSA policy the chunk is signed with `sender_key` over the headers,
/// SequenceHeader, body and padding, then encrypted block by block with
/// `receiver_key`, whatever the channel's mode (OPC 10000-6 §6.7.2.1).
/// Padding aligns the plaintext to the receiver key's plaintext block size,
/// with an ExtraPaddingSize byte when that key is over 2048 bits. With
/// policy None the chunk is sent in the clear and the keys are unused.
///
/// The body must fit one chunk: OPN messages are never split here.
#[allow(clippy::too_many_arguments)] // each is one field of the chunk or one key
pub fn secure_asymmetric<R: CryptoRng + ?Sized>(
    out: &mut Vec<u8>,
    secure_channel_id: u32,
    security_header: &AsymmetricSecurityHeader<'_>,
    sequence: SequenceHeader,
    body: &[u8],
    policy: &PolicyDescriptor,
    keys: Option<(&PrivateKey, &PublicKey)>,
    rng: &mut R,
) -> Result<()> {
    let header_len = MessageHeader::LEN + security_header.encoded_len();
    let start = out.len();
    let write_headers = |out: &mut Vec<u8>, size: usize| -> Result<()> {
        let size = u32::try_from(size).map_err(|_| Error::EncodingLimitsExceeded("chunk size"))?;
        let mut w = Writer::new(out);
        MessageHeader::new(MessageType::Open, ChunkType::Final, size, secure_channel_id)
            .encode(&mut w)?;
        security_header.encode(&mut w)?;
        sequence.encode(&mut w)
    };
    let (Some(encryption), Some(signature), Some((sender_key, receiver_key))) = (
        policy.asymmetric_encryption,
        policy.asymmetric_signature,
        keys,
    ) else {
        if policy.asymmetric_signature.is_some() {
            return Err(Error::SecurityChecksFailed);
        }
        write_headers(out, header_len + SequenceHeader::LEN + body.len())?;
        out.extend_from_slice(body);
        return Ok(());
    };
    let k = receiver_key.size();
    let block = encryption.plaintext_block_size(k);
    let sig_len = sender_key.size();
    let extra = usize::from(k > EXTRA_PADDING_KEY_BYTES);
    if block == 0 {
        return Err(Error::SecurityChecksFailed);
    }
    let unpadded = SequenceHeader::LEN + body.len() + 1 + extra + sig_len;
    let padding = (block - unpadded % block) % block;
    let blocks = (unpadded + padding) / block;
    write_headers(out, header_len + blocks * k)?;
    out.extend_from_slice(body);
    let lsb = (padding & 0xFF) as u8;
    out.resize(out.len() + 1 + padding, lsb);
    if extra == 1 {
        out.push((padding >> 8) as u8);
    }
    let signed = out.get(start..).ok_or(Error::SecurityChecksFailed)?;
    let sig = sender_key.sign(signature, signed, rng)?;
    out.extend_from_slice(&sig);
    let plaintext = out.split_off(start + header_len);
    for chunk in plaintext.chunks(block) {
        out.extend_from_slice(&receiver_key.encrypt_block(encryption, chunk, rng)?);
    }
    Ok(())
}

/// An opened OPN chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedChunk {
    /// The SequenceHeader.
    pub sequence: SequenceHeader,
    /// The cleartext chunk: the headers as received, then the decrypted
    /// SequenceHeader, body, padding and signature.
    pub plaintext: Vec<u8>,
    /// Where the body lies in `plaintext`.
    pub body: Range<usize>,
}

/// Decrypts an OPN chunk with our private key, verifies the sender's
/// signature, and only then checks the padding.
///
/// `receiver_key` is the key the ReceiverCertificateThumbprint names (ours);
/// `sender_key` is the key of the SenderCertificate, which the caller has
/// already validated. Every ciphertext block is decrypted even after one
/// fails, and every failure of decryption, signature or padding is the same
/// `BadSecurityChecksFailed`. A policy without asymmetric algorithms (None)
/// returns the chunk as it is.
pub fn open_asymmetric(
    chunk: &[u8],
    policy: &PolicyDescriptor,
    receiver_key: &PrivateKey,
    sender_key: &PublicKey,
    max_certificate_size: u32,
) -> Result<OpenedChunk> {
    let header_len = ChunkHeaders::parse(chunk, max_certificate_size)?.header_len;
    let (Some(encryption), Some(signature)) =
        (policy.asymmetric_encryption, policy.asymmetric_signature)
    else {
        return finish(chunk.to_vec(), header_len, 0, None);
    };
    let fail = Error::SecurityChecksFailed;
    let (headers, ciphertext) = chunk.split_at(header_len);
    let k = receiver_key.size();
    if k == 0 || ciphertext.is_empty() || !ciphertext.len().is_multiple_of(k) {
        return Err(fail);
    }
    let mut plaintext = Vec::with_capacity(chunk.len());
    plaintext.extend_from_slice(headers);
    let mut failed = false;
    for block in ciphertext.chunks(k) {
        match receiver_key.decrypt_block(encryption, block) {
            Ok(p) => plaintext.extend_from_slice(&p),
            Err(_) => failed = true,
        }
    }
    if failed {
        return Err(fail);
    }
    let sig_len = sender_key.size();
    let signed_end = plaintext
        .len()
        .checked_sub(sig_len)
        .filter(|&e| e > header_len + SequenceHeader::LEN)
        .ok_or(fail.clone())?;
    let (signed, sig) = plaintext.split_at(signed_end);
    sender_key.verify(signature, signed, sig)?;
    let extra = k > EXTRA_PADDING_KEY_BYTES;
    finish(plaintext, header_len, sig_len, Some(extra))
}

/// Checks the padding (when `extra_padding` is `Some`) and reads the
/// SequenceHeader.
fn finish(
    plaintext: Vec<u8>,
    header_len: usize,
    sig_len: usize,
    extra_padding: Option<bool>,
) -> Result<OpenedChunk> {
    let body_start = header_len + SequenceHeader::LEN;
    let signed_end = plaintext
        .len()
        .checked_sub(sig_len)
        .ok_or(Error::SecurityChecksFailed)?;
    let body_end = match extra_padding {
        None => signed_end,
        Some(extra) => check_padding(&plaintext, body_start, signed_end, extra)?,
    };
    let sequence = read_sequence_header(&plaintext, header_len)?;
    Ok(OpenedChunk {
        sequence,
        plaintext,
        body: body_start..body_end,
    })
}
