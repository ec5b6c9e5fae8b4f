//! An append-only writer of OPC UA Binary values.

use crate::{Error, Result};

/// Appends OPC UA Binary values (OPC 10000-6 §5.2) to a caller-owned buffer.
///
/// The buffer is borrowed so that a caller can reuse one allocation for every
/// message it sends.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer that appends to `buf`.
    pub fn new(buf: &'a mut Vec<u8>) -> Self {
        Writer { buf }
    }

    /// The length of the whole buffer, including what was there before.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the whole buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far (the whole buffer).
    pub fn as_slice(&self) -> &[u8] {
        self.buf
    }

    /// Appends raw bytes with no length prefix.
    pub fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Writes a Byte.
    pub fn write_u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Writes a little-endian UInt16.
    pub fn write_u16(&mut self, v: u16) {
        self.put(&v.to_le_bytes());
    }

    /// Writes a little-endian UInt32.
    pub fn write_u32(&mut self, v: u32) {
        self.put(&v.to_le_bytes());
    }

    /// Writes a little-endian UInt64.
    pub fn write_u64(&mut self, v: u64) {
        self.put(&v.to_le_bytes());
    }

    /// Writes a little-endian Int16.
    pub fn write_i16(&mut self, v: i16) {
        self.put(&v.to_le_bytes());
    }

    /// Writes a little-endian Int32.
    pub fn write_i32(&mut self, v: i32) {
        self.put(&v.to_le_bytes());
    }

    /// Writes a little-endian Int64.
    pub fn write_i64(&mut self, v: i64) {
        self.put(&v.to_le_bytes());
    }

    /// Writes an IEEE-754 Double.
    pub fn write_f64(&mut self, v: f64) {
        self.put(&v.to_le_bytes());
    }

    /// Writes an Int32 length prefix: −1 for `None`.
    pub fn write_length(&mut self, len: Option<usize>) -> Result<()> {
        let v = match len {
            None => -1,
            Some(n) => i32::try_from(n).map_err(|_| Error::EncodingLimitsExceeded("length"))?,
        };
        self.write_i32(v);
        Ok(())
    }

    /// Writes a ByteString (`None` is the null ByteString).
    pub fn write_byte_string(&mut self, v: Option<&[u8]>) -> Result<()> {
        self.write_length(v.map(<[u8]>::len))?;
        if let Some(b) = v {
            self.put(b);
        }
        Ok(())
    }

    /// Writes a String (`None` is the null String).
    pub fn write_str(&mut self, v: Option<&str>) -> Result<()> {
        self.write_byte_string(v.map(str::as_bytes))
    }

    /// Overwrites four bytes at `at` with a little-endian UInt32, e.g. a size
    /// field that is known only once the body is written.
    pub fn patch_u32(&mut self, at: usize, v: u32) -> Result<()> {
        let slot = self
            .buf
            .get_mut(at..at.saturating_add(4))
            .ok_or(Error::EncodingLimitsExceeded("patch outside the buffer"))?;
        slot.copy_from_slice(&v.to_le_bytes());
        Ok(())
    }
}
