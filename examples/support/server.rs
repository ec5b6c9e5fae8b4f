//! The example server on `uasc::driver`: answers GetEndpoints and
//! FindServers and refuses every other service with a ServiceFault.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use uasc::StatusCode;
use uasc::channel::{Identity, SecurityRequirement, ServerConfig};
use uasc::codec::{
    ByteString, DateTime, DecodeLimits, LocalizedText, Reader, RequestHeader, ResponseHeader,
    UaString, Writer,
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
use super::own_cert::{OwnWatcher, identity_thumbprint};

/// Connections waiting to be accepted that the listener keeps (the kernel
/// may cap it lower: `net.core.somaxconn` on Linux); tokio's default of
/// 128 overflows when thousands of clients connect at once.
const LISTEN_BACKLOG: u32 = 4096;

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
    /// The bytes all channels together may hold in partly received
    /// messages.
    pub budget: usize,
    /// How often to print a `STATS` line (connections, budget held).
    pub stats: Option<Duration>,
    /// How often to look for a new own certificate in the PKI folder.
    pub pki_poll: Option<Duration>,
}

pub const SERVER_URI: &str = "urn:uasc:example:server";

/// A server accepting connections.
pub struct RunningServer {
    pub url: String,
    server: Server,
    app: App,
    options: ServerOptions,
    answers: Arc<RwLock<Arc<Answers>>>,
    watcher: OwnWatcher,
}

impl RunningServer {
    /// Stops gracefully.
    pub async fn stop(self) {
        self.server.shutdown().await
    }

    /// The line printed once listening: `READY <url>`, then the byte budget
    /// and the connection limit.
    pub fn ready_line(&self) -> String {
        format!(
            "READY {} budget={} max-connections={}",
            self.url,
            self.server.budget().limit(),
            self.options.max_connections
        )
    }

    /// The line printed every `--stats` interval.
    pub fn stats_line(&self) -> String {
        format!(
            "STATS connections={} budget-used={}",
            self.server.connections(),
            self.server.budget().used()
        )
    }

    /// The thumbprints of the identities new connections get, one per
    /// certificate type.
    pub fn identity_thumbprints(&self) -> Vec<String> {
        self.server
            .config()
            .all_identities()
            .map(identity_thumbprint)
            .collect()
    }

    /// Looks at the PKI folder's `own/` certificates: when a new one is
    /// there (for a certificate type, the one written last, with its key),
    /// new connections and GetEndpoints get it from now on, while open
    /// channels keep theirs. Returns the lines to print about it, if
    /// anything changed.
    pub fn reload_own_certificate(&mut self) -> Vec<String> {
        let Some((identities, new)) = self.watcher.poll() else {
            return Vec::new();
        };
        let mut config = (*self.server.config()).clone();
        set_identities(&mut config, &identities);
        if let Err(e) = self.server.set_config(config) {
            return vec![format!("own certificate not loaded: {e}")];
        }
        self.app.identities = identities;
        let answers = Answers::new(&self.options, &self.app, &self.url);
        *self.answers.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(answers);
        new.iter()
            .map(|t| format!("CERTIFICATE {t} now used for new connections"))
            .collect()
    }

    /// Runs until `--duration` has passed (for ever without it), printing
    /// what `--stats` and `--pki-poll` ask for, then stops.
    pub async fn wait(mut self) {
        let end = self
            .options
            .duration
            .map(|d| tokio::time::Instant::now() + d);
        let ticker = |every: Option<Duration>| {
            let mut t = tokio::time::interval(every.unwrap_or(Duration::from_secs(3600)));
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        };
        let mut stats = ticker(self.options.stats);
        let mut poll = ticker(self.options.pki_poll);
        loop {
            tokio::select! {
                () = async {
                    match end {
                        Some(end) => tokio::time::sleep_until(end).await,
                        None => std::future::pending().await,
                    }
                } => break,
                _ = stats.tick(), if self.options.stats.is_some() => {
                    println!("{}", self.stats_line());
                }
                _ = poll.tick(), if self.options.pki_poll.is_some() => {
                    for line in self.reload_own_certificate() {
                        println!("{line}");
                    }
                }
            }
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
                server_certificate: ByteString(
                    app.identity_for(*policy).map(|i| i.certificate.to_vec()),
                ),
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

/// A listener on `host:port` with room for [`LISTEN_BACKLOG`] connections
/// waiting to be accepted.
async fn listen(host: &str, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket
            .bind(addr)
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
}

/// Starts the server: opens (or creates) the PKI folder, binds, prints
/// nothing; the caller prints [`RunningServer::ready_line`].
pub async fn start(options: ServerOptions) -> Result<RunningServer, String> {
    let hosts = ["localhost", "127.0.0.1", options.host.as_str()];
    let app = load_or_create(&options.pki, SERVER_URI, &hosts, &options.policies)?;
    let listener = listen(&options.host, options.port)
        .await
        .map_err(|e| format!("binding {}:{}: {e}", options.host, options.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let url = format!("opc.tcp://{}:{port}", options.host);
    let policies: Vec<Arc<dyn SecurityPolicy>> = options
        .policies
        .iter()
        .map(|p| Arc::new(**p) as Arc<dyn SecurityPolicy>)
        .collect();
    let mut config = ServerConfig::new(policies, None, validator(&app.store, options.auto_trust));
    set_identities(&mut config, &app.identities);
    config.security = options.security;
    if let Some(ms) = options.token_lifetime {
        config.lifetime_bounds = (ms, ms);
    }
    let answers = Arc::new(RwLock::new(Arc::new(Answers::new(&options, &app, &url))));
    let mut driver_options = driver::ServerOptions::default();
    driver_options.max_connections = options.max_connections;
    driver_options.budget = uasc::channel::ByteBudget::new(options.budget);
    let handler = {
        let answers = Arc::clone(&answers);
        move |request: Request| {
            let answers = Arc::clone(&answers.read().unwrap_or_else(PoisonError::into_inner));
            async move { answers.answer(&request.body) }
        }
    };
    let server =
        driver::serve_with(listener, config, driver_options, handler).map_err(|e| e.to_string())?;
    let watcher = OwnWatcher::new(app.store.clone(), &options.policies, &app.identities);
    Ok(RunningServer {
        url,
        server,
        app,
        options,
        answers,
        watcher,
    })
}

/// The server holds `identities`, one per certificate type: the first as
/// [`ServerConfig::identity`], the others as [`ServerConfig::identities`].
fn set_identities(config: &mut ServerConfig, identities: &[Identity]) {
    config.identity = identities.first().cloned();
    config.identities = identities.iter().skip(1).cloned().collect();
}

/// What the server answers with.
struct Answers {
    endpoints: Vec<EndpointDescription>,
    application: ApplicationDescription,
}

impl Answers {
    fn new(options: &ServerOptions, app: &App, url: &str) -> Self {
        Answers {
            endpoints: endpoints(options, app, url),
            application: application(app),
        }
    }

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
