//! OPC UA Binary encoding (OPC 10000-6 §5.2) of the built-in types and the
//! structures the secure channel needs.
//!
//! Decoding goes through a borrowed [`Reader`] and the [`Decode`] trait;
//! encoding through a [`Writer`] over a caller-owned `Vec<u8>` and the
//! [`Encode`] trait. Decoding never panics and never allocates more than the
//! input can hold: every length is checked against [`DecodeLimits`] and the
//! bytes that remain before anything is read or allocated.

mod diagnostic_info;
mod extension_object;
mod headers;
mod node_id;
mod primitives;
mod reader;
mod text;
mod writer;

pub use diagnostic_info::DiagnosticInfo;
pub use extension_object::{ExtensionObject, ExtensionObjectBody};
pub use headers::{RequestHeader, ResponseHeader};
pub use node_id::{ExpandedNodeId, Identifier, NodeId};
pub use primitives::{ByteString, DateTime, Guid, UaString};
pub use reader::Reader;
pub use text::{LocalizedText, QualifiedName};
pub use writer::Writer;

use crate::Result;

/// Bounds applied while decoding untrusted input.
///
/// Each is checked before the value is read, so a hostile length never causes
/// an allocation. Exceeding one gives [`crate::Error::EncodingLimitsExceeded`]
/// (`BadEncodingLimitsExceeded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest String, in bytes.
    pub max_string_length: u32,
    /// Largest ByteString, in bytes.
    pub max_byte_string_length: u32,
    /// Largest number of array elements.
    pub max_array_length: u32,
    /// Deepest nesting of recursive structures (DiagnosticInfo).
    pub max_nesting_depth: u16,
}

impl DecodeLimits {
    /// The defaults: 1 MiB strings, 16 MiB ByteStrings, 65 535 array
    /// elements and a nesting depth of 100 (the common stack defaults).
    pub const DEFAULT: DecodeLimits = DecodeLimits {
        max_string_length: 1 << 20,
        max_byte_string_length: 1 << 24,
        max_array_length: 65_535,
        max_nesting_depth: 100,
    };
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A value that can be written in OPC UA Binary.
pub trait Encode {
    /// Appends the encoding of `self`. Fails only when a value cannot be
    /// represented (for example a string longer than `i32::MAX` bytes).
    fn encode(&self, w: &mut Writer<'_>) -> Result<()>;
}

/// A value that can be read from OPC UA Binary.
///
/// `'a` is the lifetime of the input, so that headers can borrow from the
/// received chunk instead of copying it.
pub trait Decode<'a>: Sized {
    /// Reads one value from `r`.
    fn decode(r: &mut Reader<'a>) -> Result<Self>;
}

/// Encodes `value` into a new buffer.
pub fn encode_to_vec<T: Encode + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    value.encode(&mut Writer::new(&mut buf))?;
    Ok(buf)
}

/// Decodes exactly one `T` from `buf` with `limits`; trailing bytes are a
/// decoding error.
pub fn decode_exact<'a, T: Decode<'a>>(buf: &'a [u8], limits: DecodeLimits) -> Result<T> {
    let mut r = Reader::with_limits(buf, limits);
    let v = T::decode(&mut r)?;
    r.expect_end("trailing bytes after value")?;
    Ok(v)
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        (**self).encode(w)
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_length(Some(self.len()))?;
        self.iter().try_for_each(|v| v.encode(w))
    }
}

/// Arrays (OPC 10000-6 §5.2.5): an Int32 count, −1 for a null array.
impl<T: Encode> Encode for Option<Vec<T>> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            None => w.write_length(None),
            Some(v) => v.as_slice().encode(w),
        }
    }
}

impl<'a, T: Decode<'a>> Decode<'a> for Option<Vec<T>> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let Some(len) = r.read_array_length()? else {
            return Ok(None);
        };
        // Grow as elements decode: the count alone never sizes an allocation.
        let mut out = Vec::new();
        for _ in 0..len {
            out.push(T::decode(r)?);
        }
        Ok(Some(out))
    }
}
