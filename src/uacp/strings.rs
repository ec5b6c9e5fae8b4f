//! The bounded strings of the UACP messages: EndpointUrl and ServerUri
//! (OPC 10000-6 §7.1.2.3, §7.1.2.6) and the ERR Reason (§7.1.2.5).

use crate::codec::{Encode, Reader, UaString, Writer};
use crate::{Error, Result};

/// The longest EndpointUrl or ServerUri, in bytes, that a Hello or
/// ReverseHello may carry: the spec requires fewer than 4096 bytes
/// (OPC 10000-6 §7.1.2.3 Table 69, §7.1.2.6). A longer one is
/// [`Error::TcpEndpointUrlInvalid`] (`Bad_TcpEndpointUrlInvalid`).
pub const MAX_URL_LENGTH: usize = 4095;

/// The longest Reason, in bytes, that an ERR message may carry
/// (OPC 10000-6 §7.1.2.5). A longer one is refused when sending
/// ([`Error::EncodingLimitsExceeded`]) and ignored when received.
pub const MAX_REASON_LENGTH: usize = 4096;

/// Reads an EndpointUrl or ServerUri.
///
/// The Int32 length prefix is checked against [`MAX_URL_LENGTH`] before any
/// of the bytes are read, then against the reader's
/// [`max_string_length`](crate::codec::DecodeLimits::max_string_length) and
/// the bytes that remain.
pub(super) fn read_url(r: &mut Reader<'_>, what: &'static str) -> Result<UaString> {
    let len = r.read_i32()?;
    if len == -1 {
        return Ok(UaString::NULL);
    }
    let len = usize::try_from(len).map_err(|_| Error::Decoding(what))?;
    if len > MAX_URL_LENGTH {
        return Err(Error::TcpEndpointUrlInvalid(len));
    }
    let max = usize::try_from(r.limits().max_string_length).unwrap_or(usize::MAX);
    if len > max {
        return Err(Error::EncodingLimitsExceeded(what));
    }
    let bytes = r.take(len)?;
    let s =
        core::str::from_utf8(bytes).map_err(|_| Error::Decoding("String is not valid UTF-8"))?;
    Ok(UaString::from(s))
}

/// Fails with [`Error::TcpEndpointUrlInvalid`] if `url` is longer than
/// [`MAX_URL_LENGTH`]. A null URL passes.
pub(super) fn check_url(url: &UaString) -> Result<()> {
    match url.as_str() {
        Some(s) if s.len() > MAX_URL_LENGTH => Err(Error::TcpEndpointUrlInvalid(s.len())),
        _ => Ok(()),
    }
}

/// Writes an EndpointUrl or ServerUri after [checking](check_url) its length.
pub(super) fn write_url(w: &mut Writer<'_>, url: &UaString) -> Result<()> {
    check_url(url)?;
    url.encode(w)
}

/// Reads an ERR Reason. A Reason longer than [`MAX_REASON_LENGTH`] (or the
/// reader's [`max_string_length`](crate::codec::DecodeLimits::max_string_length)),
/// or one that is not valid UTF-8, is skipped and read as null: "a Client
/// shall ignore strings that are longer than this" (OPC 10000-6 §7.1.2.5),
/// and the Error code it came with is kept. Its bytes are skipped in place,
/// never copied.
pub(super) fn read_reason(r: &mut Reader<'_>) -> Result<UaString> {
    let len = r.read_i32()?;
    if len == -1 {
        return Ok(UaString::NULL);
    }
    let len = usize::try_from(len).map_err(|_| Error::Decoding("ERR reason"))?;
    let bytes = r.take(len)?;
    let max = usize::try_from(r.limits().max_string_length).unwrap_or(usize::MAX);
    if len > MAX_REASON_LENGTH.min(max) {
        return Ok(UaString::NULL);
    }
    Ok(UaString(
        core::str::from_utf8(bytes).ok().map(str::to_owned),
    ))
}

/// Fails with [`Error::EncodingLimitsExceeded`] if `reason` is longer than
/// [`MAX_REASON_LENGTH`]. A null Reason passes.
pub(super) fn check_reason(reason: &UaString) -> Result<()> {
    match reason.as_str() {
        Some(s) if s.len() > MAX_REASON_LENGTH => Err(Error::EncodingLimitsExceeded("ERR reason")),
        _ => Ok(()),
    }
}
