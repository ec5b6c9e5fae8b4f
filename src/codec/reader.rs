//! A borrowed cursor over received bytes.

use super::DecodeLimits;
use crate::{Error, Result};

/// A cursor over a byte slice that decodes OPC UA Binary values
/// (OPC 10000-6 §5.2).
///
/// Every read checks the bytes that remain first, so a decode never panics and
/// never allocates for a length the input cannot hold. The [`DecodeLimits`]
/// travel with the reader and bound strings, arrays and nesting.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    limits: DecodeLimits,
    depth: u16,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` with [`DecodeLimits::default`].
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_limits(buf, DecodeLimits::default())
    }

    /// A reader over `buf` with the given limits.
    pub fn with_limits(buf: &'a [u8], limits: DecodeLimits) -> Self {
        Reader {
            buf,
            pos: 0,
            limits,
            depth: 0,
        }
    }

    /// The limits this reader enforces.
    pub fn limits(&self) -> &DecodeLimits {
        &self.limits
    }

    /// How many bytes have been consumed.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes not consumed yet, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        let buf: &'a [u8] = self.buf;
        buf.get(self.pos..).unwrap_or_default()
    }

    /// Fails with [`Error::Decoding`] unless every byte has been consumed.
    pub fn expect_end(&self, what: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Decoding(what))
        }
    }

    /// Consumes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let buf: &'a [u8] = self.buf;
        let end = self
            .pos
            .checked_add(n)
            .ok_or(Error::Decoding("unexpected end of input"))?;
        let out = buf
            .get(self.pos..end)
            .ok_or(Error::Decoding("unexpected end of input"))?;
        self.pos = end;
        Ok(out)
    }

    /// Consumes everything that is left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let out = self.rest();
        self.pos = self.buf.len();
        out
    }

    /// Consumes exactly `N` bytes into an array.
    pub fn take_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads a Byte.
    pub fn read_u8(&mut self) -> Result<u8> {
        Ok(self.take_array::<1>()?[0])
    }

    /// Reads a little-endian UInt16.
    pub fn read_u16(&mut self) -> Result<u16> {
        self.take_array().map(u16::from_le_bytes)
    }

    /// Reads a little-endian UInt32.
    pub fn read_u32(&mut self) -> Result<u32> {
        self.take_array().map(u32::from_le_bytes)
    }

    /// Reads a little-endian UInt64.
    pub fn read_u64(&mut self) -> Result<u64> {
        self.take_array().map(u64::from_le_bytes)
    }

    /// Reads a little-endian Int16.
    pub fn read_i16(&mut self) -> Result<i16> {
        self.take_array().map(i16::from_le_bytes)
    }

    /// Reads a little-endian Int32.
    pub fn read_i32(&mut self) -> Result<i32> {
        self.take_array().map(i32::from_le_bytes)
    }

    /// Reads a little-endian Int64.
    pub fn read_i64(&mut self) -> Result<i64> {
        self.take_array().map(i64::from_le_bytes)
    }

    /// Reads an IEEE-754 Double.
    pub fn read_f64(&mut self) -> Result<f64> {
        self.take_array().map(f64::from_le_bytes)
    }

    /// Reads the Int32 length prefix of a String, ByteString or array.
    ///
    /// −1 is null (`None`); any other negative value is a decoding error; a
    /// length above `max` exceeds the encoding limits; a length above the
    /// bytes that remain (each element takes at least one byte) is a decoding
    /// error. Nothing is consumed beyond the prefix.
    pub fn read_length(&mut self, max: u32, what: &'static str) -> Result<Option<usize>> {
        let len = self.read_i32()?;
        if len == -1 {
            return Ok(None);
        }
        let len = u32::try_from(len).map_err(|_| Error::Decoding(what))?;
        if len > max {
            return Err(Error::EncodingLimitsExceeded(what));
        }
        let len = len as usize;
        if len > self.remaining() {
            return Err(Error::Decoding("unexpected end of input"));
        }
        Ok(Some(len))
    }

    /// Reads a ByteString as a borrowed slice (`None` when null), bounded by
    /// [`DecodeLimits::max_byte_string_length`].
    pub fn read_byte_string(&mut self) -> Result<Option<&'a [u8]>> {
        let max = self.limits.max_byte_string_length;
        self.read_byte_string_max(max, "ByteString")
    }

    /// Reads a ByteString bounded by `max` bytes.
    pub fn read_byte_string_max(
        &mut self,
        max: u32,
        what: &'static str,
    ) -> Result<Option<&'a [u8]>> {
        match self.read_length(max, what)? {
            None => Ok(None),
            Some(n) => self.take(n).map(Some),
        }
    }

    /// Reads a String as a borrowed `str` (`None` when null), bounded by
    /// [`DecodeLimits::max_string_length`]. Invalid UTF-8 is a decoding error.
    pub fn read_str(&mut self) -> Result<Option<&'a str>> {
        let max = self.limits.max_string_length;
        self.read_str_max(max, "String")
    }

    /// Reads a String bounded by `max` bytes.
    pub fn read_str_max(&mut self, max: u32, what: &'static str) -> Result<Option<&'a str>> {
        match self.read_byte_string_max(max, what)? {
            None => Ok(None),
            Some(b) => core::str::from_utf8(b)
                .map(Some)
                .map_err(|_| Error::Decoding("String is not valid UTF-8")),
        }
    }

    /// Reads an array's length prefix, bounded by
    /// [`DecodeLimits::max_array_length`] and by the bytes that remain.
    pub fn read_array_length(&mut self) -> Result<Option<usize>> {
        let max = self.limits.max_array_length;
        self.read_length(max, "array")
    }

    /// Runs `f` one nesting level deeper, failing with
    /// [`Error::EncodingLimitsExceeded`] past [`DecodeLimits::max_nesting_depth`].
    pub fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= self.limits.max_nesting_depth {
            return Err(Error::EncodingLimitsExceeded("nesting depth"));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        let mut r = Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(r.read_length(10, "x"), Ok(None));
        let mut r = Reader::new(&[0xFE, 0xFF, 0xFF, 0xFF]);
        assert_eq!(r.read_length(10, "x"), Err(Error::Decoding("x")));
        let mut r = Reader::new(&[11, 0, 0, 0]);
        assert_eq!(
            r.read_length(10, "x"),
            Err(Error::EncodingLimitsExceeded("x"))
        );
        let mut r = Reader::new(&[3, 0, 0, 0, 1, 2]);
        assert!(matches!(r.read_length(10, "x"), Err(Error::Decoding(_))));
        let mut r = Reader::new(&[2, 0, 0, 0, 1, 2]);
        assert_eq!(r.read_byte_string(), Ok(Some(&[1u8, 2][..])));
        assert!(r.is_empty());
    }

    #[test]
    fn nesting_limit() {
        let limits = DecodeLimits {
            max_nesting_depth: 2,
            ..DecodeLimits::default()
        };
        let mut r = Reader::with_limits(&[], limits);
        assert_eq!(r.nested(|r| r.nested(|_| Ok(1))), Ok(1));
        assert_eq!(
            r.nested(|r| r.nested(|r| r.nested(|_| Ok(1)))),
            Err(Error::EncodingLimitsExceeded("nesting depth"))
        );
    }
}
