//! QualifiedName and LocalizedText (OPC 10000-6 §5.2.2.13, §5.2.2.14).

use super::{Decode, Encode, Reader, UaString, Writer};
use crate::{Error, Result};

/// A name qualified by a namespace index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QualifiedName {
    /// The namespace index.
    pub namespace_index: u16,
    /// The name.
    pub name: UaString,
}

impl Encode for QualifiedName {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u16(self.namespace_index);
        self.name.encode(w)
    }
}

impl<'a> Decode<'a> for QualifiedName {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(QualifiedName {
            namespace_index: r.read_u16()?,
            name: UaString::decode(r)?,
        })
    }
}

/// Human-readable text with an optional locale. An absent field is encoded by
/// clearing its bit in the mask, so a null field and an absent one are the
/// same thing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LocalizedText {
    /// The locale, e.g. `en-US`.
    pub locale: UaString,
    /// The text.
    pub text: UaString,
}

const HAS_LOCALE: u8 = 0x01;
const HAS_TEXT: u8 = 0x02;

impl Encode for LocalizedText {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        let mut mask = 0;
        if !self.locale.is_null() {
            mask |= HAS_LOCALE;
        }
        if !self.text.is_null() {
            mask |= HAS_TEXT;
        }
        w.write_u8(mask);
        if !self.locale.is_null() {
            self.locale.encode(w)?;
        }
        if !self.text.is_null() {
            self.text.encode(w)?;
        }
        Ok(())
    }
}

impl<'a> Decode<'a> for LocalizedText {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let mask = r.read_u8()?;
        if mask & !(HAS_LOCALE | HAS_TEXT) != 0 {
            return Err(Error::Decoding("unknown LocalizedText mask bits"));
        }
        let locale = if mask & HAS_LOCALE != 0 {
            UaString::decode(r)?
        } else {
            UaString::NULL
        };
        let text = if mask & HAS_TEXT != 0 {
            UaString::decode(r)?
        } else {
            UaString::NULL
        };
        Ok(LocalizedText { locale, text })
    }
}
