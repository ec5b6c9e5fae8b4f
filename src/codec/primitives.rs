//! Built-in scalar types (OPC 10000-6 §5.2.2).

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Decode, Encode, Reader, Writer};
use crate::{Result, StatusCode};

macro_rules! fixed_width {
    ($($ty:ty => $read:ident, $write:ident;)*) => {$(
        impl Encode for $ty {
            fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
                w.$write(*self);
                Ok(())
            }
        }
        impl<'a> Decode<'a> for $ty {
            fn decode(r: &mut Reader<'a>) -> Result<Self> {
                r.$read()
            }
        }
    )*};
}

fixed_width! {
    u8 => read_u8, write_u8;
    u16 => read_u16, write_u16;
    u32 => read_u32, write_u32;
    u64 => read_u64, write_u64;
    i16 => read_i16, write_i16;
    i32 => read_i32, write_i32;
    i64 => read_i64, write_i64;
    f64 => read_f64, write_f64;
}

/// SByte.
impl Encode for i8 {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put(&self.to_le_bytes());
        Ok(())
    }
}

impl<'a> Decode<'a> for i8 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.take_array().map(i8::from_le_bytes)
    }
}

/// Float.
impl Encode for f32 {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put(&self.to_le_bytes());
        Ok(())
    }
}

impl<'a> Decode<'a> for f32 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.take_array().map(f32::from_le_bytes)
    }
}

/// Boolean: one byte, 1 for true; any non-zero byte decodes as true
/// (OPC 10000-6 §5.2.2.1).
impl Encode for bool {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u8(u8::from(*self));
        Ok(())
    }
}

impl<'a> Decode<'a> for bool {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(r.read_u8()? != 0)
    }
}

impl Encode for StatusCode {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.bits());
        Ok(())
    }
}

impl<'a> Decode<'a> for StatusCode {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_u32().map(StatusCode::from_bits)
    }
}

/// A String (OPC 10000-6 §5.2.2.4): UTF-8 with an Int32 length, where −1 is
/// the null String, distinct from the empty String.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UaString(pub Option<String>);

impl UaString {
    /// The null String.
    pub const NULL: UaString = UaString(None);

    /// The text, or `None` when null.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// Whether this is the null String.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }
}

impl From<&str> for UaString {
    fn from(s: &str) -> Self {
        UaString(Some(s.to_owned()))
    }
}

impl From<String> for UaString {
    fn from(s: String) -> Self {
        UaString(Some(s))
    }
}

impl Encode for UaString {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_str(self.as_str())
    }
}

impl<'a> Decode<'a> for UaString {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(UaString(r.read_str()?.map(str::to_owned)))
    }
}

/// A ByteString (OPC 10000-6 §5.2.2.7): bytes with an Int32 length, where −1
/// is the null ByteString, distinct from the empty one.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ByteString(pub Option<Vec<u8>>);

impl ByteString {
    /// The null ByteString.
    pub const NULL: ByteString = ByteString(None);

    /// The bytes, or `None` when null.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        self.0.as_deref()
    }

    /// Whether this is the null ByteString.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }
}

impl fmt::Debug for ByteString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("ByteString(null)"),
            Some(b) => write!(f, "ByteString({} bytes)", b.len()),
        }
    }
}

impl From<&[u8]> for ByteString {
    fn from(b: &[u8]) -> Self {
        ByteString(Some(b.to_vec()))
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(b: Vec<u8>) -> Self {
        ByteString(Some(b))
    }
}

impl Encode for ByteString {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_byte_string(self.as_bytes())
    }
}

impl<'a> Decode<'a> for ByteString {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ByteString(r.read_byte_string()?.map(<[u8]>::to_vec)))
    }
}

/// A DateTime (OPC 10000-6 §5.2.2.5): 100-nanosecond intervals since
/// 1601-01-01 00:00 UTC, as an Int64. 0 means "no time".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DateTime(pub i64);

/// 100 ns ticks from 1601-01-01 to 1970-01-01.
const UNIX_EPOCH_TICKS: i64 = 116_444_736_000_000_000;

impl DateTime {
    /// "No time" (also the earliest time).
    pub const NULL: DateTime = DateTime(0);

    /// The raw tick count.
    pub const fn ticks(self) -> i64 {
        self.0
    }

    /// Converts a `SystemTime`, clamping to the representable range.
    pub fn from_system_time(t: SystemTime) -> Self {
        let ticks = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos() / 100)
                .unwrap_or(i64::MAX)
                .saturating_add(UNIX_EPOCH_TICKS),
            Err(e) => {
                let before = i64::try_from(e.duration().as_nanos() / 100).unwrap_or(i64::MAX);
                UNIX_EPOCH_TICKS.saturating_sub(before).max(0)
            }
        };
        DateTime(ticks)
    }

    /// Converts to a `SystemTime`; `None` for "no time" and negative ticks.
    pub fn to_system_time(self) -> Option<SystemTime> {
        if self.0 <= 0 {
            return None;
        }
        let since_unix = self.0 - UNIX_EPOCH_TICKS;
        let d = Duration::from_nanos(since_unix.unsigned_abs().saturating_mul(100));
        if since_unix >= 0 {
            UNIX_EPOCH.checked_add(d)
        } else {
            UNIX_EPOCH.checked_sub(d)
        }
    }
}

impl Encode for DateTime {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_i64(self.0);
        Ok(())
    }
}

impl<'a> Decode<'a> for DateTime {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.read_i64().map(DateTime)
    }
}

/// A Guid (OPC 10000-6 §5.2.2.6): Data1 UInt32, Data2 and Data3 UInt16 (all
/// little-endian), Data4 eight bytes as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid {
    /// Data1.
    pub data1: u32,
    /// Data2.
    pub data2: u16,
    /// Data3.
    pub data3: u16,
    /// Data4.
    pub data4: [u8; 8],
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.data4;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            self.data1, self.data2, self.data3, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]
        )
    }
}

impl Encode for Guid {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.data1);
        w.write_u16(self.data2);
        w.write_u16(self.data3);
        w.put(&self.data4);
        Ok(())
    }
}

impl<'a> Decode<'a> for Guid {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Guid {
            data1: r.read_u32()?,
            data2: r.read_u16()?,
            data3: r.read_u16()?,
            data4: r.take_array()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{DecodeLimits, decode_exact, encode_to_vec};

    #[test]
    fn string_null_empty_and_utf8() {
        assert_eq!(encode_to_vec(&UaString::NULL).unwrap(), [0xFF; 4]);
        assert_eq!(encode_to_vec(&UaString::from("")).unwrap(), [0; 4]);
        assert_eq!(
            encode_to_vec(&UaString::from("ab")).unwrap(),
            [2, 0, 0, 0, b'a', b'b']
        );
        let bad = [2, 0, 0, 0, 0xC3, 0x28];
        assert!(decode_exact::<UaString>(&bad, DecodeLimits::DEFAULT).is_err());
    }

    #[test]
    fn date_time_epochs() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let dt = DateTime::from_system_time(t);
        assert_eq!(dt.to_system_time(), Some(t));
        assert_eq!(
            DateTime::from_system_time(UNIX_EPOCH).ticks(),
            UNIX_EPOCH_TICKS
        );
        assert_eq!(DateTime::NULL.to_system_time(), None);
    }

    #[test]
    fn guid_layout() {
        // OPC 10000-6 §5.2.2.6 example: 72962B91-FA75-4AE6-8D28-B404DC7DAF63
        let g = Guid {
            data1: 0x72962B91,
            data2: 0xFA75,
            data3: 0x4AE6,
            data4: [0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63],
        };
        let bytes = encode_to_vec(&g).unwrap();
        assert_eq!(
            bytes,
            [
                0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28, 0xB4, 0x04, 0xDC, 0x7D,
                0xAF, 0x63
            ]
        );
        assert_eq!(g.to_string(), "72962B91-FA75-4AE6-8D28-B404DC7DAF63");
    }
}
