//! The example server on `uasc::driver`: answers GetEndpoints and
//! FindServers and refuses every other service with a ServiceFault.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use uasc::StatusCode;
use uasc::channel::{SecurityRequirement, ServerConfig};
use uasc::codec::{
    DateTime, DecodeLimits, LocalizedText, Reader, RequestHeader, ResponseHeader, UaString, Writer,
};
use uasc::driver::Bytes;
use uasc::driver::{self, Request, Response, Server};
use uasc::messages::{
    ApplicationDescription, ApplicationType, EndpointDescription, FindServersRequest,
    FindServersResponse, GetEndpointsRequest, GetEndpointsResponse, Message, MessageSecurityMode,
    TRANSPORT_PROFILE_UATCP, UserTokenPolicy, UserTokenType, decode_message, encode_message,
    peek_type_id,
};
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

use super::app::{App, load_or_create, validator};

/// How the example server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub host: String,
    pub port: u16,
    pub pki: PathBuf,
    pub policies: Vec<&'static BuiltinPolicy>,
    pub modes: Vec<MessageSecurityMode>,
    pub security: SecurityRequirement,
    /// The token lifetime granted, in milliseconds (both bounds).
    pub token_lifetime: Option<u32>,
    pub auto_trust: bool,
    pub duration: Option<Duration>,
    /// Connections served at once.
    pub max_connections: usize,
}

pub const SERVER_URI: &str = "urn:uasc:example:server";

/// A server accepting connections.
pub struct RunningServer {
    pub url: String,
    server: Server,
    duration: Option<Duration>,
}

impl RunningServer {
    /// Stops gracefully.
    pub async fn stop(self) {
        self.server.shutdown().await
    }

    /// Runs until `--duration` has passed (for ever without it), then stops.
    pub async fn wait(self) {
        match self.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
        self.stop().await
    }
}

/// The endpoints the server offers: every policy × allowed mode.
fn endpoints(options: &ServerOptions, app: &App, url: &str) -> Vec<EndpointDescription> {
    let mut out = Vec::new();
    for policy in &options.policies {
        let d = policy.descriptor();
        let modes: Vec<MessageSecurityMode> = if d.is_none() {
            vec![MessageSecurityMode::None]
        } else {
            options
                .modes
                .iter()
                .copied()
                .filter(|m| *m != MessageSecurityMode::None)
                .collect()
        };
        for mode in modes {
            if !options.security.allows(mode) {
                continue;
            }
            out.push(EndpointDescription {
                endpoint_url: url.into(),
                server: application(app),
                server_certificate: app.identity.certificate.to_vec().into(),
                security_mode: mode,
                security_policy_uri: d.uri.into(),
                user_identity_tokens: Some(vec![UserTokenPolicy {
                    policy_id: "anonymous".into(),
                    token_type: UserTokenType::Anonymous,
                    issued_token_type: UaString::default(),
                    issuer_endpoint_url: UaString::default(),
                    security_policy_uri: UaString::default(),
                }]),
                transport_profile_uri: TRANSPORT_PROFILE_UATCP.into(),
                security_level: match mode {
                    MessageSecurityMode::SignAndEncrypt => 3,
                    MessageSecurityMode::Sign => 2,
                    _ => 0,
                },
            });
        }
    }
    out
}

fn application(app: &App) -> ApplicationDescription {
    ApplicationDescription {
        application_uri: app.application_uri.as_str().into(),
        product_uri: "urn:uasc:example".into(),
        application_name: LocalizedText {
            locale: UaString::default(),
            text: "uasc example server".into(),
        },
        application_type: ApplicationType::Server,
        gateway_server_uri: UaString::default(),
        discovery_profile_uri: UaString::default(),
        discovery_urls: None,
    }
}

/// Starts the server: opens (or creates) the PKI folder, binds, prints
/// nothing; the caller prints `READY <url>`.
pub async fn start(options: ServerOptions) -> Result<RunningServer, String> {
    let hosts = ["localhost", "127.0.0.1", options.host.as_str()];
    let app = load_or_create(&options.pki, SERVER_URI, &hosts)?;
    let listener = tokio::net::TcpListener::bind((options.host.as_str(), options.port))
        .await
        .map_err(|e| format!("binding {}:{}: {e}", options.host, options.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let url = format!("opc.tcp://{}:{port}", options.host);
    let policies: Vec<Arc<dyn SecurityPolicy>> = options
        .policies
        .iter()
        .map(|p| Arc::new(**p) as Arc<dyn SecurityPolicy>)
        .collect();
    let mut config = ServerConfig::new(
        policies,
        Some(app.identity.clone()),
        validator(&app.store, options.auto_trust),
    );
    config.security = options.security;
    if let Some(ms) = options.token_lifetime {
        config.lifetime_bounds = (ms, ms);
    }
    let answers = Arc::new(Answers {
        endpoints: endpoints(&options, &app, &url),
        application: application(&app),
    });
    let mut driver_options = driver::ServerOptions::default();
    driver_options.max_connections = options.max_connections;
    let handler = move |request: Request| {
        let answers = Arc::clone(&answers);
        async move { answers.answer(&request.body) }
    };
    let server =
        driver::serve_with(listener, config, driver_options, handler).map_err(|e| e.to_string())?;
    Ok(RunningServer {
        url,
        server,
        duration: options.duration,
    })
}

/// What the server answers with.
struct Answers {
    endpoints: Vec<EndpointDescription>,
    application: ApplicationDescription,
}

impl Answers {
    /// The response to a request body; a StatusCode becomes a ServiceFault.
    fn answer(&self, body: &[u8]) -> Response {
        let header = |request: &RequestHeader| ResponseHeader {
            timestamp: DateTime::from_system_time(SystemTime::now()),
            request_handle: request.request_handle,
            ..ResponseHeader::default()
        };
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let written = match peek_type_id(body).ok().and_then(|id| id.as_ns0_numeric()) {
            Some(GetEndpointsRequest::TYPE_ID) => {
                let request: GetEndpointsRequest =
                    decode_message(&mut r).map_err(|e| e.status_code())?;
                let response = GetEndpointsResponse {
                    response_header: header(&request.request_header),
                    endpoints: Some(self.endpoints.clone()),
                };
                encode_message(&response, &mut w)
            }
            Some(FindServersRequest::TYPE_ID) => {
                let request: FindServersRequest =
                    decode_message(&mut r).map_err(|e| e.status_code())?;
                let response = FindServersResponse {
                    response_header: header(&request.request_header),
                    servers: Some(vec![self.application.clone()]),
                };
                encode_message(&response, &mut w)
            }
            _ => return Err(StatusCode::BAD_SERVICE_UNSUPPORTED),
        };
        written.map_err(|e| e.status_code())?;
        Ok(Bytes::from(out))
    }
}
