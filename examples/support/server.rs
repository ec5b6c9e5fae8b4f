//! The example server: one thread per connection, each driving a
//! `ServerChannel`, answering GetEndpoints and FindServers and refusing
//! every other service with a ServiceFault.

use std::net::{TcpListener, TcpStream};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use uasc::StatusCode;
use uasc::channel::{ByteBudget, Event, SecurityRequirement, ServerChannel, ServerConfig};
use uasc::codec::{
    DateTime, Decode, DecodeLimits, LocalizedText, Reader, RequestHeader, ResponseHeader, UaString,
    Writer,
};
use uasc::messages::{
    ApplicationDescription, ApplicationType, EndpointDescription, FindServersRequest,
    FindServersResponse, GetEndpointsRequest, GetEndpointsResponse, Message, MessageSecurityMode,
    ServiceFault, TRANSPORT_PROFILE_UATCP, UserTokenPolicy, UserTokenType, decode_message,
    encode_message, peek_type_id,
};
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

use super::app::{App, load_or_create, validator};
use super::net::{Stop, run};

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
}

pub const SERVER_URI: &str = "urn:uasc:example:server";

/// A server accepting connections on its own thread.
pub struct RunningServer {
    pub url: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting and waits for the listener thread.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Waits until the listener ends (after `--duration`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
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
pub fn start(options: ServerOptions) -> Result<RunningServer, String> {
    let hosts = ["localhost", "127.0.0.1", options.host.as_str()];
    let app = load_or_create(&options.pki, SERVER_URI, &hosts)?;
    let listener = TcpListener::bind((options.host.as_str(), options.port))
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
    let shared = Arc::new(Shared {
        config: Arc::new(config),
        budget: ByteBudget::default(),
        endpoints: endpoints(&options, &app, &url),
        application: application(&app),
    });
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let end = options.duration.map(|d| Instant::now() + d);
    let thread = std::thread::spawn(move || {
        while !flag.load(Ordering::SeqCst) && end.is_none_or(|e| Instant::now() < e) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || serve(stream, &shared));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    Ok(RunningServer {
        url,
        stop,
        thread: Some(thread),
    })
}

struct Shared {
    config: Arc<ServerConfig>,
    budget: ByteBudget,
    endpoints: Vec<EndpointDescription>,
    application: ApplicationDescription,
}

fn serve(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_nonblocking(false);
    let mut channel = match ServerChannel::new(
        Arc::clone(&shared.config),
        shared.budget.clone(),
        Instant::now(),
        SystemTime::now(),
    ) {
        Ok(channel) => channel,
        Err(e) => return eprintln!("channel: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(24 * 3600);
    let result = run(&mut stream, &mut channel, deadline, |channel, event| {
        match event {
            Event::Message { request_id, body } => {
                let response = answer(&body, shared);
                if let Err(e) = channel.send_response(request_id, &response) {
                    eprintln!("response to request {request_id}: {e}");
                }
            }
            Event::Closed { error } => {
                if let Some(e) = error {
                    eprintln!("channel closed: {e}");
                }
                return ControlFlow::Break(());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    if let Ok(Stop::Disconnected) | Err(_) = result {
        // The client went away; nothing to tell it.
    }
}

/// The response body to a request body.
fn answer(body: &[u8], shared: &Shared) -> Vec<u8> {
    let type_id = peek_type_id(body).ok().and_then(|id| id.as_ns0_numeric());
    let mut reader = Reader::with_limits(body, DecodeLimits::DEFAULT);
    let mut out = Vec::new();
    let mut w = Writer::new(&mut out);
    let header = |request: &RequestHeader, result: StatusCode| ResponseHeader {
        timestamp: DateTime::from_system_time(SystemTime::now()),
        request_handle: request.request_handle,
        service_result: result,
        ..ResponseHeader::default()
    };
    let written = match type_id {
        Some(GetEndpointsRequest::TYPE_ID) => {
            match decode_message::<GetEndpointsRequest>(&mut reader) {
                Ok(request) => encode_message(
                    &GetEndpointsResponse {
                        response_header: header(&request.request_header, StatusCode::GOOD),
                        endpoints: Some(shared.endpoints.clone()),
                    },
                    &mut w,
                ),
                Err(e) => fault(&mut w, &RequestHeader::default(), e.status_code(), header),
            }
        }
        Some(FindServersRequest::TYPE_ID) => {
            match decode_message::<FindServersRequest>(&mut reader) {
                Ok(request) => encode_message(
                    &FindServersResponse {
                        response_header: header(&request.request_header, StatusCode::GOOD),
                        servers: Some(vec![shared.application.clone()]),
                    },
                    &mut w,
                ),
                Err(e) => fault(&mut w, &RequestHeader::default(), e.status_code(), header),
            }
        }
        _ => {
            // Any other service: the request header tells the handle.
            let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
            let request = uasc::codec::NodeId::decode(&mut r)
                .and_then(|_| RequestHeader::decode(&mut r))
                .unwrap_or_default();
            fault(
                &mut w,
                &request,
                StatusCode::BAD_SERVICE_UNSUPPORTED,
                header,
            )
        }
    };
    if written.is_err() {
        out.clear();
    }
    out
}

fn fault(
    w: &mut Writer<'_>,
    request: &RequestHeader,
    code: StatusCode,
    header: impl Fn(&RequestHeader, StatusCode) -> ResponseHeader,
) -> uasc::Result<()> {
    encode_message(
        &ServiceFault {
            response_header: header(request, code),
        },
        w,
    )
}
