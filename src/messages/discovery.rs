//! The Discovery service set: FindServers (OPC 10000-4 §5.4.2) and
//! GetEndpoints (OPC 10000-4 §5.4.4), and the structures they return:
//! ApplicationDescription (§7.2), EndpointDescription (§7.14) and
//! UserTokenPolicy (§7.42).
//!
//! Clause numbers are those of OPC 10000-4 1.05; the field order of every
//! structure is that of the OPC UA NodeSet (`Opc.Ua.Types.bsd`), which the
//! OPC UA Binary encoding follows (OPC 10000-6 §5.2.6).
//!
//! Decoding stays within the reader's [`DecodeLimits`]: every array goes
//! through the bounded array reader and grows as its elements decode, and
//! each nested structure (ApplicationDescription, EndpointDescription,
//! UserTokenPolicy) counts one level against
//! [`DecodeLimits::max_nesting_depth`].
//!
//! [`DecodeLimits`]: crate::codec::DecodeLimits
//! [`DecodeLimits::max_nesting_depth`]: crate::codec::DecodeLimits::max_nesting_depth

use super::{Message, MessageSecurityMode};
use crate::codec::{
    ByteString, Decode, Encode, LocalizedText, Reader, RequestHeader, ResponseHeader, UaString,
    Writer,
};
use crate::{Error, Result};

/// The Transport Profile URI of UA-TCP with UA Secure Conversation and the
/// UA Binary encoding (OPC 10000-7), the `transportProfileUri` of an
/// [`EndpointDescription`] reached through this crate.
pub const TRANSPORT_PROFILE_UATCP: &str =
    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";

/// What kind of application an [`ApplicationDescription`] describes
/// (OPC 10000-4 §7.4). Encoded as an Int32; any other value is a decoding
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationType {
    /// 0: a Server.
    Server,
    /// 1: a Client.
    Client,
    /// 2: both a Client and a Server.
    ClientAndServer,
    /// 3: a DiscoveryServer.
    DiscoveryServer,
}

impl ApplicationType {
    /// The numeric value on the wire.
    pub const fn value(self) -> u32 {
        match self {
            ApplicationType::Server => 0,
            ApplicationType::Client => 1,
            ApplicationType::ClientAndServer => 2,
            ApplicationType::DiscoveryServer => 3,
        }
    }
}

impl Encode for ApplicationType {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.value());
        Ok(())
    }
}

impl<'a> Decode<'a> for ApplicationType {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(match r.read_u32()? {
            0 => ApplicationType::Server,
            1 => ApplicationType::Client,
            2 => ApplicationType::ClientAndServer,
            3 => ApplicationType::DiscoveryServer,
            _ => return Err(Error::Decoding("unknown ApplicationType")),
        })
    }
}

/// Describes an application and where to find it (OPC 10000-4 §7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDescription {
    /// The globally unique identifier of the application instance; the
    /// ServerUri when the application is a Server.
    pub application_uri: UaString,
    /// The globally unique identifier of the product.
    pub product_uri: UaString,
    /// A localized, descriptive name.
    pub application_name: LocalizedText,
    /// Server, Client, both, or DiscoveryServer.
    pub application_type: ApplicationType,
    /// The Gateway Server in front of `discovery_urls`; null or empty when
    /// the Server is reached directly.
    pub gateway_server_uri: UaString,
    /// The discovery profile the `discovery_urls` support; null or empty for
    /// the Discovery services of OPC 10000-4 §5.4.
    pub discovery_profile_uri: UaString,
    /// The URLs of the application's DiscoveryEndpoints; empty for a Client.
    pub discovery_urls: Option<Vec<UaString>>,
}

impl Encode for ApplicationDescription {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.application_uri.encode(w)?;
        self.product_uri.encode(w)?;
        self.application_name.encode(w)?;
        self.application_type.encode(w)?;
        self.gateway_server_uri.encode(w)?;
        self.discovery_profile_uri.encode(w)?;
        self.discovery_urls.encode(w)
    }
}

impl<'a> Decode<'a> for ApplicationDescription {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.nested(|r| {
            Ok(ApplicationDescription {
                application_uri: UaString::decode(r)?,
                product_uri: UaString::decode(r)?,
                application_name: LocalizedText::decode(r)?,
                application_type: ApplicationType::decode(r)?,
                gateway_server_uri: UaString::decode(r)?,
                discovery_profile_uri: UaString::decode(r)?,
                discovery_urls: Option::<Vec<UaString>>::decode(r)?,
            })
        })
    }
}

/// The kind of user identity token a [`UserTokenPolicy`] accepts
/// (OPC 10000-4 §7.43). Encoded as an Int32; any other value is a decoding
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserTokenType {
    /// 0: no user identification.
    Anonymous,
    /// 1: a user name and password.
    UserName,
    /// 2: an X.509 v3 certificate.
    Certificate,
    /// 3: a token issued by an Authorization Service.
    IssuedToken,
}

impl UserTokenType {
    /// The numeric value on the wire.
    pub const fn value(self) -> u32 {
        match self {
            UserTokenType::Anonymous => 0,
            UserTokenType::UserName => 1,
            UserTokenType::Certificate => 2,
            UserTokenType::IssuedToken => 3,
        }
    }
}

impl Encode for UserTokenType {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u32(self.value());
        Ok(())
    }
}

impl<'a> Decode<'a> for UserTokenType {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(match r.read_u32()? {
            0 => UserTokenType::Anonymous,
            1 => UserTokenType::UserName,
            2 => UserTokenType::Certificate,
            3 => UserTokenType::IssuedToken,
            _ => return Err(Error::Decoding("unknown UserTokenType")),
        })
    }
}

/// A user identity token a Server accepts on an endpoint
/// (OPC 10000-4 §7.42).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenPolicy {
    /// The Server-assigned identifier the Client quotes in its
    /// UserIdentityToken.
    pub policy_id: UaString,
    /// The kind of token.
    pub token_type: UserTokenType,
    /// A URI for the issued token's type; only with
    /// [`UserTokenType::IssuedToken`].
    pub issued_token_type: UaString,
    /// Where the Authorization Service is; its meaning depends on
    /// `issued_token_type`.
    pub issuer_endpoint_url: UaString,
    /// The SecurityPolicy that protects the token in ActivateSession; null or
    /// empty for the channel's.
    pub security_policy_uri: UaString,
}

impl Encode for UserTokenPolicy {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.policy_id.encode(w)?;
        self.token_type.encode(w)?;
        self.issued_token_type.encode(w)?;
        self.issuer_endpoint_url.encode(w)?;
        self.security_policy_uri.encode(w)
    }
}

impl<'a> Decode<'a> for UserTokenPolicy {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.nested(|r| {
            Ok(UserTokenPolicy {
                policy_id: UaString::decode(r)?,
                token_type: UserTokenType::decode(r)?,
                issued_token_type: UaString::decode(r)?,
                issuer_endpoint_url: UaString::decode(r)?,
                security_policy_uri: UaString::decode(r)?,
            })
        })
    }
}

/// One security configuration of one Server endpoint (OPC 10000-4 §7.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDescription {
    /// The URL of the endpoint.
    pub endpoint_url: UaString,
    /// The Server the endpoint belongs to.
    pub server: ApplicationDescription,
    /// The Server's ApplicationInstanceCertificate (DER); the Client opens
    /// the secure channel against it.
    pub server_certificate: ByteString,
    /// The security applied to messages.
    pub security_mode: MessageSecurityMode,
    /// The SecurityPolicy URI.
    pub security_policy_uri: UaString,
    /// The user identity tokens the Server accepts.
    pub user_identity_tokens: Option<Vec<UserTokenPolicy>>,
    /// The Transport Profile, e.g. [`TRANSPORT_PROFILE_UATCP`].
    pub transport_profile_uri: UaString,
    /// How secure this endpoint is relative to the Server's others; higher is
    /// better, 0 means "not recommended".
    pub security_level: u8,
}

impl Encode for EndpointDescription {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.endpoint_url.encode(w)?;
        self.server.encode(w)?;
        self.server_certificate.encode(w)?;
        self.security_mode.encode(w)?;
        self.security_policy_uri.encode(w)?;
        self.user_identity_tokens.encode(w)?;
        self.transport_profile_uri.encode(w)?;
        w.write_u8(self.security_level);
        Ok(())
    }
}

impl<'a> Decode<'a> for EndpointDescription {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.nested(|r| {
            Ok(EndpointDescription {
                endpoint_url: UaString::decode(r)?,
                server: ApplicationDescription::decode(r)?,
                server_certificate: ByteString::decode(r)?,
                security_mode: MessageSecurityMode::decode(r)?,
                security_policy_uri: UaString::decode(r)?,
                user_identity_tokens: Option::<Vec<UserTokenPolicy>>::decode(r)?,
                transport_profile_uri: UaString::decode(r)?,
                security_level: r.read_u8()?,
            })
        })
    }
}

/// Asks a Server for its endpoints (OPC 10000-4 §5.4.4.2). Clients usually
/// call it over a channel with SecurityPolicy None to learn the Server's
/// certificate and policies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetEndpointsRequest {
    /// The request header; its authentication token is null.
    pub request_header: RequestHeader,
    /// The URL the Client used to reach the DiscoveryEndpoint.
    pub endpoint_url: UaString,
    /// The locales for human-readable strings, most preferred first.
    pub locale_ids: Option<Vec<UaString>>,
    /// The Transport Profiles the returned endpoints must support; empty or
    /// null for all.
    pub profile_uris: Option<Vec<UaString>>,
}

impl Message for GetEndpointsRequest {
    const TYPE_ID: u32 = 428;
}

impl Encode for GetEndpointsRequest {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.request_header.encode(w)?;
        self.endpoint_url.encode(w)?;
        self.locale_ids.encode(w)?;
        self.profile_uris.encode(w)
    }
}

impl<'a> Decode<'a> for GetEndpointsRequest {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(GetEndpointsRequest {
            request_header: RequestHeader::decode(r)?,
            endpoint_url: UaString::decode(r)?,
            locale_ids: Option::<Vec<UaString>>::decode(r)?,
            profile_uris: Option::<Vec<UaString>>::decode(r)?,
        })
    }
}

/// The Server's answer to a [`GetEndpointsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetEndpointsResponse {
    /// The response header.
    pub response_header: ResponseHeader,
    /// The endpoints that meet the request's criteria.
    pub endpoints: Option<Vec<EndpointDescription>>,
}

impl Message for GetEndpointsResponse {
    const TYPE_ID: u32 = 431;
}

impl Encode for GetEndpointsResponse {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.response_header.encode(w)?;
        self.endpoints.encode(w)
    }
}

impl<'a> Decode<'a> for GetEndpointsResponse {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(GetEndpointsResponse {
            response_header: ResponseHeader::decode(r)?,
            endpoints: Option::<Vec<EndpointDescription>>::decode(r)?,
        })
    }
}

/// Asks a Server or DiscoveryServer for the Servers it knows
/// (OPC 10000-4 §5.4.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindServersRequest {
    /// The request header.
    pub request_header: RequestHeader,
    /// The URL the Client used to reach the DiscoveryEndpoint.
    pub endpoint_url: UaString,
    /// The locales for the returned application names, most preferred first.
    pub locale_ids: Option<Vec<UaString>>,
    /// The ApplicationUris of the Servers to return; empty or null for all.
    pub server_uris: Option<Vec<UaString>>,
}

impl Message for FindServersRequest {
    const TYPE_ID: u32 = 422;
}

impl Encode for FindServersRequest {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.request_header.encode(w)?;
        self.endpoint_url.encode(w)?;
        self.locale_ids.encode(w)?;
        self.server_uris.encode(w)
    }
}

impl<'a> Decode<'a> for FindServersRequest {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(FindServersRequest {
            request_header: RequestHeader::decode(r)?,
            endpoint_url: UaString::decode(r)?,
            locale_ids: Option::<Vec<UaString>>::decode(r)?,
            server_uris: Option::<Vec<UaString>>::decode(r)?,
        })
    }
}

/// The answer to a [`FindServersRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FindServersResponse {
    /// The response header.
    pub response_header: ResponseHeader,
    /// The Servers that meet the request's criteria.
    pub servers: Option<Vec<ApplicationDescription>>,
}

impl Message for FindServersResponse {
    const TYPE_ID: u32 = 425;
}

impl Encode for FindServersResponse {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.response_header.encode(w)?;
        self.servers.encode(w)
    }
}

impl<'a> Decode<'a> for FindServersResponse {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(FindServersResponse {
            response_header: ResponseHeader::decode(r)?,
            servers: Option::<Vec<ApplicationDescription>>::decode(r)?,
        })
    }
}
