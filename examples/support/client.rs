//! The example client: opens a secure channel over TCP, calls GetEndpoints,
//! keeps the channel over token renewals, and closes it, timing each step.

use std::net::TcpStream;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use uasc::StatusCode;
use uasc::channel::{ClientChannel, ClientConfig, Event};
use uasc::codec::{DateTime, DecodeLimits, Reader, RequestHeader, UaString, Writer};
use uasc::messages::Message;
use uasc::messages::{
    EndpointDescription, GetEndpointsRequest, GetEndpointsResponse, MessageSecurityMode,
    ServiceFault, decode_message, encode_message, peek_type_id,
};
use uasc::policy::{BuiltinPolicy, NONE, SecurityPolicy};

use super::app::{load_or_create, validator};
use super::net::{Stop, run};

pub const CLIENT_URI: &str = "urn:uasc:example:client";

/// How the example client runs.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub url: String,
    pub policy: &'static BuiltinPolicy,
    pub mode: MessageSecurityMode,
    pub pki: PathBuf,
    pub server_cert: Option<PathBuf>,
    pub renewals: u32,
    /// The token lifetime asked for when renewing, in milliseconds.
    pub token_lifetime: u32,
    pub alternative_url: Option<String>,
    pub auto_trust: bool,
    pub timeout: Duration,
}

/// What a successful run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub url: String,
    pub handshake: Duration,
    pub round_trip: Duration,
    pub renewals: u32,
}

/// Why a run failed: the step, and the StatusCode (or a message).
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: &'static str,
    pub code: Option<StatusCode>,
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "{}: {code} {}", self.step, self.detail),
            None => write!(f, "{}: {}", self.step, self.detail),
        }
    }
}

fn fail(step: &'static str, code: Option<StatusCode>, detail: impl Into<String>) -> Failure {
    Failure {
        step,
        code,
        detail: detail.into(),
    }
}

/// Runs the client against `options.url`, then, if that fails and an
/// alternative URL is given, against it. `log` receives each step and its
/// duration.
pub fn run_client(
    options: &ClientOptions,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Report, Failure> {
    match run_once(options, &options.url, log) {
        Ok(report) => Ok(report),
        Err(e) => match &options.alternative_url {
            Some(alt) => {
                log(&format!("{e}; switching to {alt}"), Duration::ZERO);
                run_once(options, alt, log)
            }
            None => Err(e),
        },
    }
}

fn run_once(
    options: &ClientOptions,
    url: &str,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Report, Failure> {
    let app = load_or_create(&options.pki, CLIENT_URI, &["localhost", "127.0.0.1"])
        .map_err(|e| fail("pki", None, e))?;
    let policy: Arc<dyn SecurityPolicy> = Arc::new(*options.policy);
    let secure = !options.policy.descriptor().is_none();
    let server_certificate = match (&options.server_cert, secure) {
        (_, false) => None,
        (Some(path), true) => {
            Some(std::fs::read(path).map_err(|e| fail("server certificate", None, e.to_string()))?)
        }
        (None, true) => Some(fetch_server_certificate(options, url, log)?),
    };
    let mut config = ClientConfig::new(
        url,
        policy,
        options.mode,
        validator(&app.store, options.auto_trust),
    );
    config.requested_lifetime = options.token_lifetime;
    if secure {
        config.identity = Some(app.identity.clone());
        config.server_certificate = server_certificate.map(Into::into);
    }
    let mut session = Session::connect(config, url, options.timeout, log)?;
    let round_trip = session.get_endpoints(url, log)?.1;
    let mut renewals = 0;
    while renewals < options.renewals {
        session.await_renewal(log)?;
        renewals += 1;
        session.get_endpoints(url, log)?;
    }
    session.close(log)?;
    Ok(Report {
        url: url.to_owned(),
        handshake: session.handshake,
        round_trip,
        renewals,
    })
}

/// GetEndpoints over a None channel, to learn the server's certificate for
/// the policy and mode asked for.
fn fetch_server_certificate(
    options: &ClientOptions,
    url: &str,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Vec<u8>, Failure> {
    let config = ClientConfig::new(
        url,
        Arc::new(NONE),
        MessageSecurityMode::None,
        Arc::new(uasc::cert::InsecureAcceptAnyCertificate),
    );
    let mut session = Session::connect(config, url, options.timeout, log)?;
    let (endpoints, _) = session.get_endpoints(url, log)?;
    session.close(log)?;
    let uri = options.policy.descriptor().uri;
    endpoints
        .into_iter()
        .find(|e| e.security_policy_uri.as_str() == Some(uri) && e.security_mode == options.mode)
        .and_then(|e| e.server_certificate.0)
        .ok_or_else(|| {
            fail(
                "GetEndpoints",
                Some(StatusCode::BAD_SECURITY_POLICY_REJECTED),
                "no endpoint with that policy and mode",
            )
        })
}

/// An open channel over a TCP connection.
struct Session {
    stream: TcpStream,
    channel: ClientChannel,
    handshake: Duration,
    deadline: Duration,
    request_handle: u32,
}

impl Session {
    fn connect(
        config: ClientConfig,
        url: &str,
        timeout: Duration,
        log: &mut dyn FnMut(&str, Duration),
    ) -> Result<Session, Failure> {
        let address = url
            .strip_prefix("opc.tcp://")
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .ok_or_else(|| {
                fail(
                    "connect",
                    Some(StatusCode::BAD_TCP_ENDPOINT_URL_INVALID),
                    url,
                )
            })?;
        let start = Instant::now();
        let stream = TcpStream::connect(address).map_err(|e| {
            fail(
                "connect",
                Some(StatusCode::BAD_CONNECTION_CLOSED),
                e.to_string(),
            )
        })?;
        let _ = stream.set_nodelay(true);
        log(&format!("connect {address}"), start.elapsed());
        let channel = ClientChannel::new(config, Instant::now(), SystemTime::now())
            .map_err(|e| fail("configure", Some(e.status_code()), e.to_string()))?;
        let mut session = Session {
            stream,
            channel,
            handshake: Duration::ZERO,
            deadline: timeout,
            request_handle: 0,
        };
        let start = Instant::now();
        session.until("open secure channel", |e| matches!(e, Event::Opened { .. }))?;
        session.handshake = start.elapsed();
        log("open secure channel", session.handshake);
        Ok(session)
    }

    /// Runs until `want` matches an event; a `Closed` event, a disconnect or
    /// the deadline is a failure of `step`.
    fn until(
        &mut self,
        step: &'static str,
        mut want: impl FnMut(&Event) -> bool,
    ) -> Result<Event, Failure> {
        let mut found = None;
        let mut closed = None;
        let deadline = Instant::now() + self.deadline;
        let stop = run(&mut self.stream, &mut self.channel, deadline, |_, event| {
            if let Event::Closed { error } = event {
                closed = Some(error.map_or(StatusCode::GOOD, |e| e.status_code()));
                return ControlFlow::Break(());
            }
            if want(&event) {
                found = Some(event);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
        .map_err(|e| fail(step, Some(StatusCode::BAD_CONNECTION_CLOSED), e.to_string()))?;
        if let Some(event) = found {
            return Ok(event);
        }
        if let Some(code) = closed {
            return Err(fail(step, Some(code), "channel closed"));
        }
        Err(match stop {
            Stop::Deadline => fail(step, Some(StatusCode::BAD_TIMEOUT), "no answer in time"),
            _ => fail(
                step,
                Some(StatusCode::BAD_CONNECTION_CLOSED),
                "the server closed the connection",
            ),
        })
    }

    fn get_endpoints(
        &mut self,
        url: &str,
        log: &mut dyn FnMut(&str, Duration),
    ) -> Result<(Vec<EndpointDescription>, Duration), Failure> {
        self.request_handle += 1;
        let request = GetEndpointsRequest {
            request_header: RequestHeader {
                timestamp: DateTime::from_system_time(SystemTime::now()),
                request_handle: self.request_handle,
                timeout_hint: 10_000,
                ..RequestHeader::default()
            },
            endpoint_url: UaString::from(url),
            locale_ids: None,
            profile_uris: None,
        };
        let mut body = Vec::new();
        encode_message(&request, &mut Writer::new(&mut body))
            .map_err(|e| fail("GetEndpoints", Some(e.status_code()), e.to_string()))?;
        let start = Instant::now();
        let id = self
            .channel
            .send_request(&body)
            .map_err(|e| fail("GetEndpoints", Some(e.status_code()), e.to_string()))?;
        let event = self.until(
            "GetEndpoints",
            |e| matches!(e, Event::Message { request_id, .. } if *request_id == id),
        )?;
        let elapsed = start.elapsed();
        let Event::Message { body, .. } = event else {
            return Err(fail("GetEndpoints", None, "unexpected event"));
        };
        let bad = |e: uasc::Error| fail("GetEndpoints", Some(e.status_code()), e.to_string());
        let type_id = peek_type_id(&body).map_err(bad)?.as_ns0_numeric();
        let mut r = Reader::with_limits(&body, DecodeLimits::DEFAULT);
        if type_id == Some(ServiceFault::TYPE_ID) {
            let fault: ServiceFault = decode_message(&mut r).map_err(bad)?;
            let code = fault.response_header.service_result;
            return Err(fail("GetEndpoints", Some(code), "service fault"));
        }
        let response: GetEndpointsResponse = decode_message(&mut r).map_err(bad)?;
        let code = response.response_header.service_result;
        if code.is_bad() {
            return Err(fail("GetEndpoints", Some(code), "bad service result"));
        }
        let endpoints = response.endpoints.unwrap_or_default();
        log(
            &format!("GetEndpoints ({} endpoints)", endpoints.len()),
            elapsed,
        );
        Ok((endpoints, elapsed))
    }

    fn await_renewal(&mut self, log: &mut dyn FnMut(&str, Duration)) -> Result<(), Failure> {
        let start = Instant::now();
        let event = self.until("token renewal", |e| matches!(e, Event::TokenRenewed { .. }))?;
        if let Event::TokenRenewed { token_id } = event {
            log(
                &format!("token renewed (token {token_id})"),
                start.elapsed(),
            );
        }
        Ok(())
    }

    fn close(&mut self, log: &mut dyn FnMut(&str, Duration)) -> Result<(), Failure> {
        let start = Instant::now();
        self.channel.close(StatusCode::GOOD);
        // Sends the CloseSecureChannel request and the Closed event.
        let _ = self.until("close", |e| matches!(e, Event::Closed { .. }));
        log("close", start.elapsed());
        Ok(())
    }
}
