//! MessageSecurityMode (OPC 10000-4 §7.20) and SecurityTokenRequestType
//! (OPC 10000-4 §5.5.2.2).

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::{Error, Result};

/// How chunks are secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageSecurityMode {
    /// 0: not valid on the wire; rejected by servers.
    Invalid,
    /// 1: no security.
    None,
    /// 2: signed.
    Sign,
    /// 3: signed and encrypted.
    SignAndEncrypt,
}

impl MessageSecurityMode {
    /// The numeric value on the wire.
    pub const fn value(self) -> u32 {
        match self {
            MessageSecurityMode::Invalid => 0,
            MessageSecurityMode::None => 1,
            MessageSecurityMode::Sign => 2,
            MessageSecurityMode::SignAndEncrypt => 3,
        }
    }
}

impl Encode for MessageSecurityMode {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.value());
        Ok(())
    }
}

impl<'a> Decode<'a> for MessageSecurityMode {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(match r.read_u32()? {
            0 => MessageSecurityMode::Invalid,
            1 => MessageSecurityMode::None,
            2 => MessageSecurityMode::Sign,
            3 => MessageSecurityMode::SignAndEncrypt,
            _ => return Err(Error::Decoding("unknown MessageSecurityMode")),
        })
    }
}

/// Whether an OpenSecureChannel creates a channel or renews its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityTokenRequestType {
    /// 0: create a new channel.
    Issue,
    /// 1: renew the token of an existing channel.
    Renew,
}

impl Encode for SecurityTokenRequestType {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(match self {
            SecurityTokenRequestType::Issue => 0,
            SecurityTokenRequestType::Renew => 1,
        });
        Ok(())
    }
}

impl<'a> Decode<'a> for SecurityTokenRequestType {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(match r.read_u32()? {
            0 => SecurityTokenRequestType::Issue,
            1 => SecurityTokenRequestType::Renew,
            _ => return Err(Error::Decoding("unknown SecurityTokenRequestType")),
        })
    }
}
