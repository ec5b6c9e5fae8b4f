//! GetEndpoints (OPC 10000-4 §5.4.4): what a client asks a server before
//! opening a secured channel, to learn its endpoints and its certificate.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use super::{Client, ClientOptions, Error, Result};
use crate::cert::InsecureAcceptAnyCertificate;
use crate::channel::ClientConfig;
use crate::codec::{DateTime, DecodeLimits, Reader, RequestHeader, UaString, Writer};
use crate::messages::{
    EndpointDescription, GetEndpointsRequest, GetEndpointsResponse, MessageSecurityMode,
    decode_message, encode_message,
};
use crate::policy::NONE;

/// The body of a GetEndpoints request for `endpoint_url`.
pub fn get_endpoints_request(endpoint_url: &str, request_handle: u32) -> Result<Bytes> {
    let request = GetEndpointsRequest {
        request_header: RequestHeader {
            timestamp: DateTime::from_system_time(SystemTime::now()),
            request_handle,
            ..RequestHeader::default()
        },
        endpoint_url: UaString::from(endpoint_url),
        locale_ids: None,
        profile_uris: None,
    };
    let mut body = Vec::new();
    encode_message(&request, &mut Writer::new(&mut body))?;
    Ok(Bytes::from(body))
}

/// The endpoints in the body of a GetEndpoints response; a Bad
/// ServiceResult is [`Error::ServiceFault`].
pub fn get_endpoints_response(body: &[u8]) -> Result<Vec<EndpointDescription>> {
    let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
    let response: GetEndpointsResponse = decode_message(&mut r)?;
    let code = response.response_header.service_result;
    if code.is_bad() {
        return Err(Error::ServiceFault { code });
    }
    Ok(response.endpoints.unwrap_or_default())
}

/// The endpoint among `endpoints` with the SecurityPolicyUri `policy_uri`
/// and the security mode `mode`.
pub fn find_endpoint<'a>(
    endpoints: &'a [EndpointDescription],
    policy_uri: &str,
    mode: MessageSecurityMode,
) -> Option<&'a EndpointDescription> {
    endpoints
        .iter()
        .find(|e| e.security_policy_uri.as_str() == Some(policy_uri) && e.security_mode == mode)
}

impl Client {
    /// Calls GetEndpoints on this channel, for `endpoint_url`.
    pub async fn get_endpoints(&self, endpoint_url: &str) -> Result<Vec<EndpointDescription>> {
        let request = get_endpoints_request(endpoint_url, self.next_request_handle())?;
        let response = self.call(request).await?;
        get_endpoints_response(&response)
    }
}

/// Fetches the endpoints of the server at `url` over a channel with
/// SecurityPolicy None, then closes it. Each endpoint carries the server's
/// certificate for its policy: what a [`ClientConfig`] for a secured
/// channel needs as `server_certificate`. (Nothing fetched this way is
/// authenticated: the certificate is checked by the validator of the
/// secured channel opened with it.)
pub async fn get_endpoints(url: &str, options: ClientOptions) -> Result<Vec<EndpointDescription>> {
    let config = ClientConfig::new(
        url,
        Arc::new(NONE),
        MessageSecurityMode::None,
        Arc::new(InsecureAcceptAnyCertificate),
    );
    let client = Client::connect(url, config, options).await?;
    let endpoints = client.get_endpoints(url).await;
    // The endpoints are what was asked for; a failing close changes nothing.
    let _ = client.close().await;
    endpoints
}
