//! The parts every EncryptedSecret shares (OPC 10000-4 §7.41.2.3): the
//! header before KeyData, and the payload `Nonce ‖ Secret ‖ PayloadPadding ‖
//! PayloadPaddingSize` that is encrypted.

use zeroize::Zeroizing;

use crate::codec::{DateTime, Decode, NodeId, Reader, Writer};
use crate::{Error, Result};

/// ExtensionObjectEncoding.Binary, the EncodingMask of every
/// EncryptedSecret (OPC 10000-4 §7.41.2.3).
const ENCODING_MASK_BINARY: u8 = 0x01;

/// The longest encoded EncryptedSecret this crate reads or writes, in bytes.
/// Larger inputs are refused before anything else is parsed.
pub const MAX_ENCRYPTED_SECRET_LEN: usize = 65_536;

/// The longest SecurityPolicyUri read from an EncryptedSecret, in bytes (the
/// same bound as in the asymmetric security header, OPC 10000-6 §6.7.2.3).
const MAX_POLICY_URI_LEN: u32 = 255;

/// The AES block size the payload is padded to.
pub(crate) const BLOCK_SIZE: usize = 16;

/// The header fields up to and including KeyData, borrowed from the input.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub policy_uri: &'a str,
    pub certificate: Option<&'a [u8]>,
    pub signing_time: DateTime,
    pub key_data: &'a [u8],
    /// Bytes from TypeId to the end of KeyData.
    pub header_len: usize,
}

/// Writes `TypeId ‖ EncodingMask ‖ Length ‖ SecurityPolicyUri ‖ Certificate
/// ‖ SigningTime ‖ KeyDataLength ‖ KeyData` and returns the offset of the
/// Length field, to patch once the whole secret is written.
pub(crate) fn write_header(
    w: &mut Writer<'_>,
    type_id: u32,
    policy_uri: &str,
    certificate: Option<&[u8]>,
    signing_time: DateTime,
    key_data: &[u8],
) -> Result<usize> {
    use crate::codec::Encode;
    NodeId::numeric(0, type_id).encode(w)?;
    w.write_u8(ENCODING_MASK_BINARY);
    let length_at = w.len();
    w.write_u32(0);
    w.write_str(Some(policy_uri))?;
    w.write_byte_string(certificate)?;
    signing_time.encode(w)?;
    let key_data_len = u16::try_from(key_data.len())
        .map_err(|_| Error::EncodingLimitsExceeded("EncryptedSecret KeyData"))?;
    w.write_u16(key_data_len);
    w.put(key_data);
    Ok(length_at)
}

/// Patches the Length field once everything after it is written.
pub(crate) fn patch_length(w: &mut Writer<'_>, length_at: usize) -> Result<()> {
    let total = w.len();
    if total > MAX_ENCRYPTED_SECRET_LEN {
        return Err(Error::EncodingLimitsExceeded("EncryptedSecret"));
    }
    let after = total
        .checked_sub(length_at + 4)
        .ok_or(Error::EncodingLimitsExceeded("EncryptedSecret"))?;
    let after = u32::try_from(after).map_err(|_| Error::EncodingLimitsExceeded("Length"))?;
    w.patch_u32(length_at, after)
}

/// Parses the header of an EncryptedSecret whose TypeId must be
/// `i=type_id`. Every length is checked against the bytes that remain;
/// nothing is allocated. Any malformation is `BadIdentityTokenInvalid`.
pub(crate) fn read_header(bytes: &[u8], type_id: u32) -> Result<Header<'_>> {
    let bad = |_| Error::IdentityTokenInvalid;
    if bytes.len() > MAX_ENCRYPTED_SECRET_LEN {
        return Err(Error::IdentityTokenInvalid);
    }
    let mut r = Reader::new(bytes);
    let id = NodeId::decode(&mut r).map_err(bad)?;
    if id.as_ns0_numeric() != Some(type_id) {
        return Err(Error::IdentityTokenInvalid);
    }
    if r.read_u8().map_err(bad)? != ENCODING_MASK_BINARY {
        return Err(Error::IdentityTokenInvalid);
    }
    // The bytes after the Length field, as OPC 10000-4 §7.41.2.3 says; the
    // whole length from TypeId on, as open62541 writes it, is accepted too.
    // Either way the field is covered by the signature or HMAC.
    let length = usize::try_from(r.read_u32().map_err(bad)?).ok();
    if length != Some(r.remaining()) && length != Some(bytes.len()) {
        return Err(Error::IdentityTokenInvalid);
    }
    let policy_uri = r
        .read_str_max(MAX_POLICY_URI_LEN, "SecurityPolicyUri")
        .map_err(bad)?
        .ok_or(Error::IdentityTokenInvalid)?;
    let certificate = r.read_byte_string().map_err(bad)?;
    let signing_time = DateTime::decode(&mut r).map_err(bad)?;
    let key_data_len = r.read_u16().map_err(bad)?;
    let key_data = r.take(usize::from(key_data_len)).map_err(bad)?;
    let header_len = r.position();
    Ok(Header {
        policy_uri,
        certificate,
        signing_time,
        key_data,
        header_len,
    })
}

/// How the payload's padding size is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PaddingSizeWidth {
    /// A UInt16, as OPC 10000-4 §7.41.2.3 specifies.
    Two,
    /// One byte, as UA-.NETStandard writes RsaEncryptedSecrets.
    One,
}

impl PaddingSizeWidth {
    const fn len(self) -> usize {
        match self {
            PaddingSizeWidth::Two => 2,
            PaddingSizeWidth::One => 1,
        }
    }
}

/// PayloadPaddingSize for a nonce and secret of these lengths
/// (OPC 10000-4 §7.41.2.3): pad `Nonce ‖ Secret ‖ PaddingSize` (with their
/// length prefixes) to whole AES blocks, and add one more block when the
/// secret and the padding together are shorter than a block, so that a
/// short secret's length does not show.
pub(crate) fn padding_len(nonce_len: usize, secret_len: usize, width: PaddingSizeWidth) -> usize {
    let data_len = 4 + nonce_len + 4 + secret_len + width.len();
    let rem = data_len % BLOCK_SIZE;
    let mut padding = if rem == 0 { 0 } else { BLOCK_SIZE - rem };
    if padding + secret_len < BLOCK_SIZE {
        padding += BLOCK_SIZE;
    }
    padding
}

/// The plaintext payload: `Nonce ‖ Secret ‖ PayloadPadding ‖
/// PayloadPaddingSize`, a whole number of AES blocks. Zeroized on drop.
pub(crate) fn build_payload(
    nonce: &[u8],
    secret: &[u8],
    width: PaddingSizeWidth,
) -> Result<Zeroizing<Vec<u8>>> {
    let padding = padding_len(nonce.len(), secret.len(), width);
    let total = 8 + nonce.len() + secret.len() + padding + width.len();
    let mut out = Zeroizing::new(Vec::with_capacity(total));
    {
        let mut w = Writer::new(&mut out);
        w.write_byte_string(Some(nonce))?;
        w.write_byte_string(Some(secret))?;
        // `padding` is below 2 × BLOCK_SIZE, so its low byte is itself.
        let fill = (padding & 0xFF) as u8;
        for _ in 0..padding {
            w.write_u8(fill);
        }
        match width {
            PaddingSizeWidth::Two => w.write_u16(padding as u16),
            PaddingSizeWidth::One => w.write_u8(fill),
        }
    }
    Ok(out)
}

/// A decrypted payload's parts.
pub(crate) struct Payload<'a> {
    pub nonce: &'a [u8],
    pub secret: &'a [u8],
}

/// Splits a decrypted payload and checks its padding: the size field at the
/// end, exactly that many padding bytes before it, each equal to the size's
/// low byte. Called only after the signature or HMAC verified. Every failure
/// is `BadIdentityTokenInvalid`.
pub(crate) fn parse_payload(plain: &[u8], width: PaddingSizeWidth) -> Result<Payload<'_>> {
    let bad = |_| Error::IdentityTokenInvalid;
    let mut r = Reader::new(plain);
    let nonce = r.read_byte_string().map_err(bad)?.unwrap_or_default();
    let secret = r.read_byte_string().map_err(bad)?.unwrap_or_default();
    let rest = r.take_rest();
    let split = rest
        .len()
        .checked_sub(width.len())
        .ok_or(Error::IdentityTokenInvalid)?;
    let (padding, size) = rest.split_at(split);
    let declared = match size {
        [lo, hi] => usize::from(u16::from_le_bytes([*lo, *hi])),
        [b] => usize::from(*b),
        _ => return Err(Error::IdentityTokenInvalid),
    };
    let fill = (declared & 0xFF) as u8;
    if padding.len() != declared || padding.iter().any(|b| *b != fill) {
        return Err(Error::IdentityTokenInvalid);
    }
    Ok(Payload { nonce, secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_the_bytes_after_it_or_the_whole_secret() {
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        let at = write_header(&mut w, 17_546, "uri", Some(b"cert"), DateTime(5), b"kd").unwrap();
        w.put(&[0u8; 16]);
        patch_length(&mut w, at).unwrap();
        let total = buf.len();
        let header = read_header(&buf, 17_546).unwrap();
        assert_eq!(header.policy_uri, "uri");
        assert_eq!(header.key_data, b"kd");
        assert_eq!(header.header_len, total - 16);
        assert!(read_header(&buf, 17_545).is_err());
        buf[at..at + 4].copy_from_slice(&(total as u32).to_le_bytes());
        assert!(read_header(&buf, 17_546).is_ok());
        for wrong in [0, total - at - 3, total + 1] {
            buf[at..at + 4].copy_from_slice(&(wrong as u32).to_le_bytes());
            assert_eq!(
                read_header(&buf, 17_546).unwrap_err(),
                Error::IdentityTokenInvalid
            );
        }
    }

    #[test]
    fn padding_hides_short_secrets_and_aligns() {
        for nonce in [0usize, 32] {
            for secret in 0..100 {
                for width in [PaddingSizeWidth::Two, PaddingSizeWidth::One] {
                    let p = padding_len(nonce, secret, width);
                    assert_eq!((8 + nonce + secret + p + width.len()) % 16, 0);
                    assert!(p + secret >= 16);
                    let payload = build_payload(&vec![1; nonce], &vec![2; secret], width).unwrap();
                    let back = parse_payload(&payload, width).unwrap();
                    assert_eq!(back.secret.len(), secret);
                }
            }
        }
    }
}
