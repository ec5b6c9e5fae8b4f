//! OpenSecureChannel request and response (OPC 10000-4 §5.5.2,
//! OPC 10000-6 §6.7.4 Table 64).

use super::{Message, MessageSecurityMode, SecurityTokenRequestType};
use crate::Result;
use crate::codec::{
    ByteString, DateTime, Decode, Encode, Reader, RequestHeader, ResponseHeader, Writer,
};

/// Sent in an OPN chunk to create a channel or renew its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSecureChannelRequest {
    /// The request header.
    pub request_header: RequestHeader,
    /// The UACP protocol version from HEL/ACK.
    pub client_protocol_version: u32,
    /// Issue or Renew.
    pub request_type: SecurityTokenRequestType,
    /// The security mode asked for.
    pub security_mode: MessageSecurityMode,
    /// The client's nonce (its ephemeral public key for ECC policies).
    pub client_nonce: ByteString,
    /// The token lifetime asked for, in milliseconds.
    pub requested_lifetime: u32,
}

impl Message for OpenSecureChannelRequest {
    const TYPE_ID: u32 = 446;
}

impl Encode for OpenSecureChannelRequest {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.request_header.encode(w)?;
        w.write_u32(self.client_protocol_version);
        self.request_type.encode(w)?;
        self.security_mode.encode(w)?;
        self.client_nonce.encode(w)?;
        w.write_u32(self.requested_lifetime);
        Ok(())
    }
}

impl<'a> Decode<'a> for OpenSecureChannelRequest {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(OpenSecureChannelRequest {
            request_header: RequestHeader::decode(r)?,
            client_protocol_version: r.read_u32()?,
            request_type: SecurityTokenRequestType::decode(r)?,
            security_mode: MessageSecurityMode::decode(r)?,
            client_nonce: ByteString::decode(r)?,
            requested_lifetime: r.read_u32()?,
        })
    }
}

/// The token a server issues (OPC 10000-4 §5.5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelSecurityToken {
    /// The SecureChannelId.
    pub channel_id: u32,
    /// The TokenId that MSG chunks secured with this token carry.
    pub token_id: u32,
    /// When the server created the token.
    pub created_at: DateTime,
    /// The lifetime granted, in milliseconds.
    pub revised_lifetime: u32,
}

impl Encode for ChannelSecurityToken {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.channel_id);
        w.write_u32(self.token_id);
        self.created_at.encode(w)?;
        w.write_u32(self.revised_lifetime);
        Ok(())
    }
}

impl<'a> Decode<'a> for ChannelSecurityToken {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ChannelSecurityToken {
            channel_id: r.read_u32()?,
            token_id: r.read_u32()?,
            created_at: DateTime::decode(r)?,
            revised_lifetime: r.read_u32()?,
        })
    }
}

/// The server's answer to an [`OpenSecureChannelRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSecureChannelResponse {
    /// The response header.
    pub response_header: ResponseHeader,
    /// The UACP protocol version.
    pub server_protocol_version: u32,
    /// The new token.
    pub security_token: ChannelSecurityToken,
    /// The server's nonce (its ephemeral public key for ECC policies).
    pub server_nonce: ByteString,
}

impl Message for OpenSecureChannelResponse {
    const TYPE_ID: u32 = 449;
}

impl Encode for OpenSecureChannelResponse {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.response_header.encode(w)?;
        w.write_u32(self.server_protocol_version);
        self.security_token.encode(w)?;
        self.server_nonce.encode(w)
    }
}

impl<'a> Decode<'a> for OpenSecureChannelResponse {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(OpenSecureChannelResponse {
            response_header: ResponseHeader::decode(r)?,
            server_protocol_version: r.read_u32()?,
            security_token: ChannelSecurityToken::decode(r)?,
            server_nonce: ByteString::decode(r)?,
        })
    }
}
