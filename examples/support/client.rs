//! The example client on `uasc::driver`: opens a secure channel, calls
//! GetEndpoints, keeps the channel over token renewals, and closes it,
//! timing each step.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use uasc::StatusCode;
use uasc::channel::ClientConfig;
use uasc::driver::{self, Client, find_endpoint};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

use super::app::{load_or_create, validator};

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
    /// How long each step may take.
    pub timeout: Duration,
    /// GetEndpoints calls on the opened channel, each timed.
    pub round_trips: u32,
}

/// What a successful run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub url: String,
    pub handshake: Duration,
    /// One GetEndpoints round trip per `round_trips`, in order.
    pub round_trips: Vec<Duration>,
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

/// A failure of `step` from a driver error.
fn failed(step: &'static str) -> impl Fn(driver::Error) -> Failure {
    move |e| fail(step, Some(e.status_code()), e.to_string())
}

/// Runs the client against `options.url`, then, if that fails and an
/// alternative URL is given, against it. `log` receives each step and its
/// duration.
pub async fn run_client(
    options: &ClientOptions,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Report, Failure> {
    match run_once(options, &options.url, log).await {
        Ok(report) => Ok(report),
        Err(e) => match &options.alternative_url {
            Some(alt) => {
                log(&format!("{e}; switching to {alt}"), Duration::ZERO);
                run_once(options, alt, log).await
            }
            None => Err(e),
        },
    }
}

fn driver_options(options: &ClientOptions) -> driver::ClientOptions {
    let mut o = driver::ClientOptions::default();
    o.request_timeout = options.timeout;
    o.connect_timeout = options.timeout;
    o
}

async fn run_once(
    options: &ClientOptions,
    url: &str,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Report, Failure> {
    let hosts = ["localhost", "127.0.0.1"];
    let app = load_or_create(&options.pki, CLIENT_URI, &hosts, &[options.policy])
        .map_err(|e| fail("pki", None, e))?;
    let policy: Arc<dyn SecurityPolicy> = Arc::new(*options.policy);
    let secure = !options.policy.descriptor().is_none();
    let server_certificate = match (&options.server_cert, secure) {
        (_, false) => None,
        (Some(path), true) => {
            Some(std::fs::read(path).map_err(|e| fail("server certificate", None, e.to_string()))?)
        }
        (None, true) => Some(fetch_server_certificate(options, url, log).await?),
    };
    let mut config = ClientConfig::new(
        url,
        policy,
        options.mode,
        validator(&app.store, options.auto_trust),
    );
    config.requested_lifetime = options.token_lifetime;
    config.timeouts.handshake = options.timeout;
    if secure {
        config.identity = app.identity_for(options.policy).cloned();
        config.server_certificate = server_certificate.map(Into::into);
    }
    let start = Instant::now();
    let client = Client::connect(url, config, driver_options(options))
        .await
        .map_err(failed("open secure channel"))?;
    let handshake = start.elapsed();
    log("open secure channel", handshake);

    let mut round_trips = Vec::new();
    let mut count = 0;
    for _ in 0..options.round_trips.max(1) {
        let (n, took) = get_endpoints(&client, url).await?;
        count = n;
        round_trips.push(took);
    }
    log(&steps_line(count, &round_trips), median(&round_trips));

    let mut renewals = 0;
    while renewals < options.renewals {
        let start = Instant::now();
        let token = tokio::time::timeout(options.timeout, client.renewed())
            .await
            .unwrap_or(Err(driver::Error::Timeout))
            .map_err(failed("token renewal"))?;
        log(&format!("token renewed (token {token})"), start.elapsed());
        renewals += 1;
        let (count, took) = get_endpoints(&client, url).await?;
        log(&format!("GetEndpoints ({count} endpoints)"), took);
    }

    let start = Instant::now();
    client.close().await.map_err(failed("close"))?;
    log("close", start.elapsed());
    Ok(Report {
        url: url.to_owned(),
        handshake,
        round_trips,
        renewals,
    })
}

/// One GetEndpoints call on `client`: how many endpoints, how long.
async fn get_endpoints(client: &Client, url: &str) -> Result<(usize, Duration), Failure> {
    let start = Instant::now();
    let endpoints = client
        .get_endpoints(url)
        .await
        .map_err(failed("GetEndpoints"))?;
    Ok((endpoints.len(), start.elapsed()))
}

/// The log line of the first GetEndpoints calls.
fn steps_line(endpoints: usize, round_trips: &[Duration]) -> String {
    match round_trips {
        [_] => format!("GetEndpoints ({endpoints} endpoints)"),
        _ => format!(
            "GetEndpoints ({endpoints} endpoints) x{}, median; p99 {:.3} ms",
            round_trips.len(),
            percentile(round_trips, 99).as_secs_f64() * 1e3
        ),
    }
}

/// The `p`th percentile of `samples` (nearest rank).
pub fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

pub fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50)
}

/// GetEndpoints over a None channel, to learn the server's certificate for
/// the policy and mode asked for.
async fn fetch_server_certificate(
    options: &ClientOptions,
    url: &str,
    log: &mut dyn FnMut(&str, Duration),
) -> Result<Vec<u8>, Failure> {
    let start = Instant::now();
    let endpoints = driver::get_endpoints(url, driver_options(options))
        .await
        .map_err(failed("GetEndpoints"))?;
    log(
        &format!("GetEndpoints ({} endpoints, None channel)", endpoints.len()),
        start.elapsed(),
    );
    find_endpoint(&endpoints, options.policy.descriptor().uri, options.mode)
        .and_then(|e| e.server_certificate.0.clone())
        .ok_or_else(|| {
            fail(
                "GetEndpoints",
                Some(StatusCode::BAD_SECURITY_POLICY_REJECTED),
                "no endpoint with that policy and mode",
            )
        })
}
