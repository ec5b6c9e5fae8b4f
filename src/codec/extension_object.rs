//! ExtensionObject (OPC 10000-6 §5.2.2.15).

use super::{ByteString, Decode, Encode, NodeId, Reader, UaString, Writer};
use crate::{Error, Result};

/// The body of an [`ExtensionObject`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExtensionObjectBody {
    /// No body (encoding byte 0x00).
    #[default]
    None,
    /// A body in OPC UA Binary (encoding byte 0x01), kept as raw bytes.
    Binary(ByteString),
    /// A body in XML (encoding byte 0x02), kept as text.
    Xml(UaString),
}

/// A structure wrapped with the NodeId of its encoding.
///
/// The body is kept as raw bytes; the caller decodes it once it has checked
/// the type id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionObject {
    /// The NodeId of the body's DataTypeEncoding (e.g. `i=446`).
    pub type_id: NodeId,
    /// The body.
    pub body: ExtensionObjectBody,
}

impl ExtensionObject {
    /// The empty ExtensionObject: null type id, no body.
    pub fn null() -> Self {
        Self::default()
    }

    /// Wraps an already encoded binary body.
    pub fn binary(type_id: NodeId, body: Vec<u8>) -> Self {
        ExtensionObject {
            type_id,
            body: ExtensionObjectBody::Binary(ByteString(Some(body))),
        }
    }
}

impl Encode for ExtensionObject {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.type_id.encode(w)?;
        match &self.body {
            ExtensionObjectBody::None => {
                w.write_u8(0x00);
                Ok(())
            }
            ExtensionObjectBody::Binary(b) => {
                w.write_u8(0x01);
                b.encode(w)
            }
            ExtensionObjectBody::Xml(x) => {
                w.write_u8(0x02);
                x.encode(w)
            }
        }
    }
}

impl<'a> Decode<'a> for ExtensionObject {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let type_id = NodeId::decode(r)?;
        let body = match r.read_u8()? {
            0x00 => ExtensionObjectBody::None,
            0x01 => ExtensionObjectBody::Binary(ByteString::decode(r)?),
            0x02 => ExtensionObjectBody::Xml(UaString::decode(r)?),
            _ => return Err(Error::Decoding("unknown ExtensionObject encoding")),
        };
        Ok(ExtensionObject { type_id, body })
    }
}
