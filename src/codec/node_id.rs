//! NodeId and ExpandedNodeId (OPC 10000-6 §5.2.2.9, §5.2.2.10).

use core::fmt;

use super::{ByteString, Decode, Encode, Guid, Reader, UaString, Writer};
use crate::{Error, Result};

/// The identifier part of a [`NodeId`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// A numeric identifier.
    Numeric(u32),
    /// A string identifier.
    String(UaString),
    /// A Guid identifier.
    Guid(Guid),
    /// An opaque identifier.
    ByteString(ByteString),
}

/// A NodeId: a namespace index and an identifier.
///
/// Encoding picks the most compact of the six forms (two-byte, four-byte,
/// numeric, string, guid, bytestring); decoding accepts all six.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId {
    /// The namespace index.
    pub namespace: u16,
    /// The identifier.
    pub identifier: Identifier,
}

const TWO_BYTE: u8 = 0x00;
const FOUR_BYTE: u8 = 0x01;
const NUMERIC: u8 = 0x02;
const STRING: u8 = 0x03;
const GUID: u8 = 0x04;
const BYTE_STRING: u8 = 0x05;
const NAMESPACE_URI_FLAG: u8 = 0x80;
const SERVER_INDEX_FLAG: u8 = 0x40;

impl NodeId {
    /// The null NodeId, `ns=0;i=0`.
    pub const NULL: NodeId = NodeId::numeric(0, 0);

    /// A numeric NodeId.
    pub const fn numeric(namespace: u16, id: u32) -> Self {
        NodeId {
            namespace,
            identifier: Identifier::Numeric(id),
        }
    }

    /// The numeric identifier when this is a numeric NodeId in namespace 0,
    /// the form every standard type id takes.
    pub fn as_ns0_numeric(&self) -> Option<u32> {
        match self.identifier {
            Identifier::Numeric(id) if self.namespace == 0 => Some(id),
            _ => None,
        }
    }

    /// Whether this is the null NodeId.
    pub fn is_null(&self) -> bool {
        self.as_ns0_numeric() == Some(0)
    }

    /// Writes the NodeId with extra flag bits (0x80, 0x40) or-ed into the
    /// encoding byte, for [`ExpandedNodeId`].
    fn encode_with_flags(&self, w: &mut Writer<'_>, flags: u8) -> Result<()> {
        let ns = self.namespace;
        match &self.identifier {
            Identifier::Numeric(id) => {
                if ns == 0 && *id <= 0xFF {
                    w.write_u8(TWO_BYTE | flags);
                    w.write_u8(*id as u8);
                } else if ns <= 0xFF && *id <= 0xFFFF {
                    w.write_u8(FOUR_BYTE | flags);
                    w.write_u8(ns as u8);
                    w.write_u16(*id as u16);
                } else {
                    w.write_u8(NUMERIC | flags);
                    w.write_u16(ns);
                    w.write_u32(*id);
                }
                Ok(())
            }
            Identifier::String(s) => {
                w.write_u8(STRING | flags);
                w.write_u16(ns);
                s.encode(w)
            }
            Identifier::Guid(g) => {
                w.write_u8(GUID | flags);
                w.write_u16(ns);
                g.encode(w)
            }
            Identifier::ByteString(b) => {
                w.write_u8(BYTE_STRING | flags);
                w.write_u16(ns);
                b.encode(w)
            }
        }
    }

    /// Reads the NodeId that follows an encoding byte whose flag bits have
    /// been masked off.
    fn decode_form(r: &mut Reader<'_>, form: u8) -> Result<Self> {
        let (namespace, identifier) = match form {
            TWO_BYTE => (0, Identifier::Numeric(u32::from(r.read_u8()?))),
            FOUR_BYTE => {
                let ns = u16::from(r.read_u8()?);
                (ns, Identifier::Numeric(u32::from(r.read_u16()?)))
            }
            NUMERIC => (r.read_u16()?, Identifier::Numeric(r.read_u32()?)),
            STRING => (r.read_u16()?, Identifier::String(UaString::decode(r)?)),
            GUID => (r.read_u16()?, Identifier::Guid(Guid::decode(r)?)),
            BYTE_STRING => (
                r.read_u16()?,
                Identifier::ByteString(ByteString::decode(r)?),
            ),
            _ => return Err(Error::Decoding("unknown NodeId encoding")),
        };
        Ok(NodeId {
            namespace,
            identifier,
        })
    }
}

impl Default for NodeId {
    fn default() -> Self {
        NodeId::NULL
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace != 0 {
            write!(f, "ns={};", self.namespace)?;
        }
        match &self.identifier {
            Identifier::Numeric(id) => write!(f, "i={id}"),
            Identifier::String(s) => write!(f, "s={}", s.as_str().unwrap_or_default()),
            Identifier::Guid(g) => write!(f, "g={g}"),
            Identifier::ByteString(b) => {
                write!(f, "b=<{} bytes>", b.as_bytes().map_or(0, <[u8]>::len))
            }
        }
    }
}

impl Encode for NodeId {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.encode_with_flags(w, 0)
    }
}

impl<'a> Decode<'a> for NodeId {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let byte = r.read_u8()?;
        if byte & (NAMESPACE_URI_FLAG | SERVER_INDEX_FLAG) != 0 {
            return Err(Error::Decoding("ExpandedNodeId flags in a NodeId"));
        }
        NodeId::decode_form(r, byte)
    }
}

/// An ExpandedNodeId: a NodeId that may name its namespace by URI and live on
/// another server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExpandedNodeId {
    /// The NodeId (its namespace index is 0 when `namespace_uri` is set).
    pub node_id: NodeId,
    /// The namespace URI; null when the index in `node_id` applies.
    pub namespace_uri: UaString,
    /// The index of the server in the server table; 0 for the local server.
    pub server_index: u32,
}

impl From<NodeId> for ExpandedNodeId {
    fn from(node_id: NodeId) -> Self {
        ExpandedNodeId {
            node_id,
            namespace_uri: UaString::NULL,
            server_index: 0,
        }
    }
}

impl Encode for ExpandedNodeId {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        let mut flags = 0;
        if !self.namespace_uri.is_null() {
            flags |= NAMESPACE_URI_FLAG;
        }
        if self.server_index != 0 {
            flags |= SERVER_INDEX_FLAG;
        }
        self.node_id.encode_with_flags(w, flags)?;
        if !self.namespace_uri.is_null() {
            self.namespace_uri.encode(w)?;
        }
        if self.server_index != 0 {
            w.write_u32(self.server_index);
        }
        Ok(())
    }
}

impl<'a> Decode<'a> for ExpandedNodeId {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let byte = r.read_u8()?;
        let node_id = NodeId::decode_form(r, byte & !(NAMESPACE_URI_FLAG | SERVER_INDEX_FLAG))?;
        let namespace_uri = if byte & NAMESPACE_URI_FLAG != 0 {
            UaString::decode(r)?
        } else {
            UaString::NULL
        };
        let server_index = if byte & SERVER_INDEX_FLAG != 0 {
            r.read_u32()?
        } else {
            0
        };
        Ok(ExpandedNodeId {
            node_id,
            namespace_uri,
            server_index,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{DecodeLimits, decode_exact, encode_to_vec};

    fn round(n: &NodeId) -> Vec<u8> {
        let b = encode_to_vec(n).unwrap();
        assert_eq!(
            &decode_exact::<NodeId>(&b, DecodeLimits::DEFAULT).unwrap(),
            n
        );
        b
    }

    #[test]
    fn compact_forms() {
        assert_eq!(round(&NodeId::numeric(0, 72)), [0x00, 0x48]);
        assert_eq!(round(&NodeId::numeric(5, 1025)), [0x01, 0x05, 0x01, 0x04]);
        assert_eq!(round(&NodeId::numeric(0, 446)), [0x01, 0x00, 0xBE, 0x01]);
        assert_eq!(
            round(&NodeId::numeric(300, 70000)),
            [0x02, 0x2C, 0x01, 0x70, 0x11, 0x01, 0x00]
        );
        let s = NodeId {
            namespace: 1,
            identifier: Identifier::String("Hot水".into()),
        };
        // OPC 10000-6 §5.2.2.9 example.
        assert_eq!(
            round(&s),
            [
                0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x48, 0x6F, 0x74, 0xE6, 0xB0, 0xB4
            ]
        );
    }

    #[test]
    fn wider_forms_decode_to_the_same_value() {
        let numeric = [0x02, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00];
        assert_eq!(
            decode_exact::<NodeId>(&numeric, DecodeLimits::DEFAULT).unwrap(),
            NodeId::numeric(0, 72)
        );
    }

    #[test]
    fn flags_rejected_in_plain_node_id() {
        assert!(decode_exact::<NodeId>(&[0x80, 0x00], DecodeLimits::DEFAULT).is_err());
        assert!(decode_exact::<NodeId>(&[0x06, 0x00], DecodeLimits::DEFAULT).is_err());
        let e = ExpandedNodeId {
            node_id: NodeId::numeric(0, 1),
            namespace_uri: "urn:x".into(),
            server_index: 2,
        };
        let b = encode_to_vec(&e).unwrap();
        assert_eq!(b[0], 0xC0);
        assert_eq!(
            decode_exact::<ExpandedNodeId>(&b, DecodeLimits::DEFAULT).unwrap(),
            e
        );
    }
}
