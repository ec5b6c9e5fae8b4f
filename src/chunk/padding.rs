//! Reading the padding footer of a decrypted chunk (OPC 10000-6 §6.7.2.5,
//! Table 61), shared by the symmetric and asymmetric paths.

use super::SequenceHeader;
use crate::codec::{DecodeLimits, decode_exact};
use crate::{Error, Result};

/// Checks the padding that ends at `signed_end` (where the signature starts)
/// and returns where the body ends.
///
/// On the wire: PaddingSize (the count's low byte), Padding (that many bytes,
/// each equal to the low byte), and with `extra` an ExtraPaddingSize byte
/// (the count's high byte). The body starts at `body_start`. Every failure
/// is `BadSecurityChecksFailed`; call this only after the signature verified.
pub(super) fn check_padding(
    plaintext: &[u8],
    body_start: usize,
    signed_end: usize,
    extra: bool,
) -> Result<usize> {
    let fail = || Error::SecurityChecksFailed;
    let byte = |i: Option<usize>| {
        i.and_then(|i| plaintext.get(i))
            .map(|&b| usize::from(b))
            .ok_or_else(fail)
    };
    let (count, lsb_end) = if extra {
        let msb = byte(signed_end.checked_sub(1))?;
        let lsb = byte(signed_end.checked_sub(2))?;
        ((msb << 8) | lsb, signed_end - 1)
    } else {
        (byte(signed_end.checked_sub(1))?, signed_end)
    };
    let body_end = lsb_end
        .checked_sub(count + 1)
        .filter(|&end| end >= body_start)
        .ok_or_else(fail)?;
    let lsb = (count & 0xFF) as u8;
    let pad = plaintext.get(body_end..lsb_end).ok_or_else(fail)?;
    if pad.iter().any(|&b| b != lsb) {
        return Err(fail());
    }
    Ok(body_end)
}

/// Reads the SequenceHeader at `at`; a chunk too short for one is
/// `BadSecurityChecksFailed`.
pub(super) fn read_sequence_header(plaintext: &[u8], at: usize) -> Result<SequenceHeader> {
    let bytes = plaintext
        .get(at..at + SequenceHeader::LEN)
        .ok_or(Error::SecurityChecksFailed)?;
    decode_exact(bytes, DecodeLimits::DEFAULT).map_err(|_| Error::SecurityChecksFailed)
}
