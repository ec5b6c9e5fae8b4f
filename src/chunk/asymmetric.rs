//! Securing and opening OPN chunks with the asymmetric algorithms
//! (OPC 10000-6 §6.7.2.3, §6.7.2.5, §6.7.6).

use core::ops::Range;

use rand_core::CryptoRng;

use super::padding::{check_padding, read_sequence_header};
use super::{
    AsymmetricSecurityHeader, ChunkHeaders, ChunkType, MessageHeader, MessageType, SequenceHeader,
};
use crate::codec::{Encode, Writer};
use crate::policy::{OwnKey, PeerKey, PolicyDescriptor};
use crate::{Error, Result};

/// Keys larger than this many bits add an ExtraPaddingSize byte
/// (OPC 10000-6 Table 61).
const EXTRA_PADDING_KEY_BITS: usize = 2048;

/// The cleartext header fields of an OPN chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpnChunk<'a> {
    /// The channel (0 in the first OpenSecureChannel request).
    pub secure_channel_id: u32,
    /// Policy URI, sender certificate and receiver thumbprint.
    pub security_header: AsymmetricSecurityHeader<'a>,
    /// Sequence number and request id.
    pub sequence: SequenceHeader,
}

/// Our key and the peer's, for an OPN chunk under a policy with asymmetric
/// algorithms.
pub type OpnKeys<'k> = (&'k dyn OwnKey, &'k dyn PeerKey);

/// Appends one secured OPN chunk to `out`.
///
/// With a policy that signs OPN chunks, the chunk is signed with our key
/// over the headers, SequenceHeader, body and padding. With a policy that
/// also encrypts them (the RSA policies), it is then encrypted block by
/// block for the peer's key, whatever the channel's mode (OPC 10000-6
/// §6.7.2.1); padding aligns the plaintext to the peer key's plaintext block
/// size, with an ExtraPaddingSize byte when that key is over 2048 bits.
/// With policy None the chunk is sent in the clear and `keys` is unused.
///
/// OPN messages are never split: a chunk larger than `max_chunk_size` (the
/// peer's receive buffer) is `BadEncodingLimitsExceeded`, found before any
/// key is used, and nothing is appended.
pub fn secure_asymmetric(
    out: &mut Vec<u8>,
    chunk: &OpnChunk<'_>,
    body: &[u8],
    policy: &PolicyDescriptor,
    keys: Option<OpnKeys<'_>>,
    max_chunk_size: usize,
    rng: &mut dyn CryptoRng,
) -> Result<()> {
    secure_asymmetric_with_suffix(out, chunk, body, policy, keys, max_chunk_size, &[], rng)
}

/// [`secure_asymmetric`] with `signed_suffix` appended to the bytes the
/// signature covers, but not sent: the first OpenSecureChannel response of
/// a SecureChannelEnhancements policy is signed over the response chunk
/// followed by the signature of the first request ("calculated by
/// appending the bytes of the Signature from the first OpenSecureChannel
/// Request to the bytes of the first OpenSecureChannel Response",
/// OPC 10000-6 1.05, SecureChannelEnhancements). An empty suffix signs the
/// chunk alone.
#[allow(clippy::too_many_arguments)]
pub fn secure_asymmetric_with_suffix(
    out: &mut Vec<u8>,
    chunk: &OpnChunk<'_>,
    body: &[u8],
    policy: &PolicyDescriptor,
    keys: Option<OpnKeys<'_>>,
    max_chunk_size: usize,
    signed_suffix: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<()> {
    let header_len = MessageHeader::LEN + chunk.security_header.encoded_len();
    let start = out.len();
    let write_headers = |out: &mut Vec<u8>, size: usize| -> Result<()> {
        if size > max_chunk_size {
            return Err(Error::EncodingLimitsExceeded(
                "OPN chunk larger than the peer's receive buffer",
            ));
        }
        let size = u32::try_from(size).map_err(|_| Error::EncodingLimitsExceeded("chunk size"))?;
        let mut w = Writer::new(out);
        MessageHeader::new(
            MessageType::Open,
            ChunkType::Final,
            size,
            chunk.secure_channel_id,
        )
        .encode(&mut w)?;
        chunk.security_header.encode(&mut w)?;
        chunk.sequence.encode(&mut w)
    };
    let plain_len = SequenceHeader::LEN + body.len();
    let Some(signature) = policy.asymmetric_signature else {
        write_headers(out, header_len + plain_len)?;
        out.extend_from_slice(body);
        return Ok(());
    };
    let (own, peer) = keys.ok_or(Error::SecurityChecksFailed)?;
    let sig_len = own.signature_len(signature);
    let Some(encryption) = policy.asymmetric_encryption else {
        // Signed, not encrypted (the ECC policies): no padding, and no
        // PaddingSize byte (OPC 10000-6 §6.7.2.5 pads only what is
        // encrypted; UA-.NETStandard writes none either).
        write_headers(out, header_len + plain_len + sig_len)?;
        out.extend_from_slice(body);
        return append_signature(out, start, own, signature, sig_len, signed_suffix, rng);
    };
    let block = peer.plaintext_block_size(encryption);
    let cipher_block = peer.ciphertext_block_size(encryption);
    if block == 0 || cipher_block == 0 {
        return Err(Error::SecurityChecksFailed);
    }
    let extra = usize::from(peer.bits() > EXTRA_PADDING_KEY_BITS);
    let unpadded = plain_len + 1 + extra + sig_len;
    let padding = (block - unpadded % block) % block;
    let blocks = (unpadded + padding) / block;
    write_headers(out, header_len + blocks * cipher_block)?;
    out.extend_from_slice(body);
    let lsb = (padding & 0xFF) as u8;
    out.resize(out.len() + 1 + padding, lsb);
    if extra == 1 {
        out.push((padding >> 8) as u8);
    }
    append_signature(out, start, own, signature, sig_len, signed_suffix, rng)?;
    let plaintext = zeroize::Zeroizing::new(out.split_off(start + header_len));
    for block in plaintext.chunks(block) {
        out.extend_from_slice(&peer.encrypt_block(encryption, block, rng)?);
    }
    Ok(())
}

/// Signs `out[start..]` followed by `suffix` and appends the signature,
/// which must be `sig_len` bytes.
fn append_signature(
    out: &mut Vec<u8>,
    start: usize,
    own: &dyn OwnKey,
    scheme: crate::policy::AsymmetricSignature,
    sig_len: usize,
    suffix: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<()> {
    let signed = out.get(start..).ok_or(Error::SecurityChecksFailed)?;
    let sig = if suffix.is_empty() {
        own.sign(scheme, signed, rng)?
    } else {
        own.sign(scheme, &[signed, suffix].concat(), rng)?
    };
    if sig.len() != sig_len {
        return Err(Error::SecurityChecksFailed);
    }
    out.extend_from_slice(&sig);
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
    /// Where the body lies in `plaintext`. A signed OPN that is not
    /// encrypted has no padding: anything the sender put between its body
    /// and the signature is inside this range too (open62541 writes a
    /// PaddingSize byte of 0 there), for the caller that decodes the body
    /// to judge.
    pub body: Range<usize>,
    /// Where the signature lies in `plaintext` (empty without one). The
    /// first request's signature is what the first response of a
    /// SecureChannelEnhancements policy is signed over too, and that
    /// response's signature is the ChannelThumbprint.
    pub signature: Range<usize>,
}

/// Decrypts an OPN chunk with our key, verifies the peer's signature, and
/// only then checks the padding.
///
/// Our key is the one the ReceiverCertificateThumbprint names; the peer's
/// is the key of the SenderCertificate, which the caller has already
/// validated. Every failure of decryption, signature or padding is the same
/// `BadSecurityChecksFailed`, after the same work: every ciphertext block
/// is decrypted even after one fails, a block that fails is replaced by as
/// many zero bytes as it would have carried, and the signature is verified
/// over the same number of bytes whatever decryption gave. So the time
/// taken does not tell a ciphertext that fails to decrypt (an OAEP or
/// PKCS#1 v1.5 padding oracle) from one that decrypts but is not signed by
/// the peer. A policy without asymmetric algorithms (None) returns the
/// chunk as it is and ignores `keys`.
pub fn open_asymmetric(
    chunk: &[u8],
    policy: &PolicyDescriptor,
    keys: Option<OpnKeys<'_>>,
    max_certificate_size: u32,
) -> Result<OpenedChunk> {
    open_asymmetric_with_suffix(chunk, policy, keys, max_certificate_size, &[])
}

/// [`open_asymmetric`] for a signature over the chunk followed by
/// `signed_suffix` (see [`secure_asymmetric_with_suffix`]).
pub fn open_asymmetric_with_suffix(
    chunk: &[u8],
    policy: &PolicyDescriptor,
    keys: Option<OpnKeys<'_>>,
    max_certificate_size: u32,
    signed_suffix: &[u8],
) -> Result<OpenedChunk> {
    let header_len = ChunkHeaders::parse(chunk, max_certificate_size)?.header_len;
    let Some(signature) = policy.asymmetric_signature else {
        return finish(chunk.to_vec(), header_len, 0, None);
    };
    let fail = || Error::SecurityChecksFailed;
    let (own, peer) = keys.ok_or_else(fail)?;
    let (plaintext, extra) = match policy.asymmetric_encryption {
        None => (chunk.to_vec(), None),
        Some(encryption) => {
            let (headers, ciphertext) = chunk.split_at(header_len);
            let k = own.ciphertext_block_size(encryption);
            if k == 0 || ciphertext.is_empty() || !ciphertext.len().is_multiple_of(k) {
                return Err(fail());
            }
            let stand_in = encryption.plaintext_block_size(k);
            let mut plaintext = Vec::with_capacity(chunk.len());
            plaintext.extend_from_slice(headers);
            let mut failed = false;
            for block in ciphertext.chunks(k) {
                match own.decrypt_block(encryption, block) {
                    Ok(p) => plaintext.extend_from_slice(&p),
                    Err(_) => {
                        failed = true;
                        plaintext.resize(plaintext.len() + stand_in, 0);
                    }
                }
            }
            (
                plaintext,
                Some((failed, own.bits() > EXTRA_PADDING_KEY_BITS)),
            )
        }
    };
    let sig_len = peer.signature_len(signature);
    let signed_end = plaintext
        .len()
        .checked_sub(sig_len)
        .filter(|&e| e >= header_len + SequenceHeader::LEN)
        .ok_or_else(fail)?;
    let (signed, sig) = plaintext.split_at(signed_end);
    // Verified even when decryption failed (see above); only then does the
    // failure count.
    let verified = if signed_suffix.is_empty() {
        peer.verify(signature, signed, sig)
    } else {
        peer.verify(signature, &[signed, signed_suffix].concat(), sig)
    };
    let decrypt_failed = extra.is_some_and(|(failed, _)| failed);
    if decrypt_failed || verified.is_err() {
        return Err(fail());
    }
    finish(plaintext, header_len, sig_len, extra.map(|(_, e)| e))
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
        body: body_start..body_end,
        signature: signed_end..plaintext.len(),
        plaintext,
    })
}
