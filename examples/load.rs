//! A load run against the example server, in a process of its own: opens
//! many secure channels over loopback with a bounded number of handshakes
//! at a time, has each send a FindServers request of a given size at a
//! fixed interval for a while, closes them all, and prints what it
//! measured: the ramp, the request latency, the server's memory per open
//! channel and its CPU time.
//!
//! ```text
//! cargo run --release --features tokio --example load -- [--channels 5000]
//!     [--seconds 60] [--interval 1] [--policy Basic256Sha256]
//!     [--mode SignAndEncrypt] [--ramp-concurrency 16] [--request-size 200]
//!     [--server PATH] [--max-connections N] [--timeout SECONDS]
//! ```
//!
//! The server is the example server binary (`--server`, by default the
//! `server` beside this program), started with fresh PKI folders in which
//! each side trusts the other's certificate, so every handshake runs the
//! full validation. Its resident memory and CPU time come from
//! `/proc/<pid>` (Linux), the bytes its channels' shared budget holds from
//! its `STATS` lines. Every response is decoded and matched with its
//! request. Exits 0 only if every channel opened, had every request
//! answered and closed; otherwise it names each failure and its StatusCode
//! and exits 1. `benches/load.sh` builds it in release and runs it.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;
use support::app::{App, load_or_create, validator};
use support::client::percentile;
use support::limits::raise_open_file_limit;
use support::procfs::{self, Cpu, Memory};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{Semaphore, mpsc, watch};
use uasc::StatusCode;
use uasc::cert::{DirectoryStore, Folder};
use uasc::channel::ClientConfig;
use uasc::codec::{DateTime, DecodeLimits, Reader, RequestHeader, UaString, Writer};
use uasc::driver::{self, Bytes, Client};
use uasc::messages::{
    FindServersRequest, FindServersResponse, MessageSecurityMode, decode_message, encode_message,
};
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

const LOAD_URI: &str = "urn:uasc:example:load";

/// Opens many secure channels to the example server, sends requests on
/// each at a fixed interval, closes them, and reports latency, memory and
/// CPU.
#[derive(Debug, Clone, Parser)]
#[command(name = "load")]
struct LoadArgs {
    /// Channels open at once
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..))]
    channels: u32,
    /// How long each channel sends requests, in seconds
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// The time between two requests of a channel, in seconds
    #[arg(long, default_value_t = 1.0)]
    interval: f64,
    /// The security policy, by short name or URI
    #[arg(long, default_value = "Basic256Sha256", value_parser = support::args::policy)]
    policy: &'static BuiltinPolicy,
    /// None, Sign or SignAndEncrypt [default: None with policy None,
    /// SignAndEncrypt otherwise]
    #[arg(long, value_parser = support::args::mode)]
    mode: Option<MessageSecurityMode>,
    /// Handshakes in flight at once while the channels open
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..))]
    ramp_concurrency: u32,
    /// The size of each request body in bytes (a FindServers request,
    /// padded; at least its size with the endpoint URL alone)
    #[arg(long, default_value_t = 200)]
    request_size: usize,
    /// The example server binary [default: `server` beside this program]
    #[arg(long)]
    server: Option<PathBuf>,
    /// The server's --max-connections [default: channels + 16]
    #[arg(long)]
    max_connections: Option<usize>,
    /// How long one handshake, request or close may take, in seconds
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

/// Why a channel failed.
#[derive(Debug)]
struct Failure {
    channel: u32,
    step: &'static str,
    code: StatusCode,
    detail: String,
}

impl Failure {
    fn of(channel: u32, step: &'static str, e: driver::Error) -> Self {
        Failure {
            channel,
            step,
            code: e.status_code(),
            detail: e.to_string(),
        }
    }
}

/// What one channel did.
#[derive(Debug, Default)]
struct ChannelRun {
    handshake: Option<Duration>,
    latencies: Vec<Duration>,
    failure: Option<Failure>,
}

/// What the server last said in a `STATS` line, and the most its budget
/// held since [`ServerView::reset_peak`].
#[derive(Debug, Default, Clone, Copy)]
struct ServerView {
    /// How many `STATS` lines came.
    lines: u64,
    connections: usize,
    budget_used: usize,
    budget_peak: usize,
}

/// The example server as a child process.
struct ServerProcess {
    child: tokio::process::Child,
    pid: u32,
    url: String,
    budget_limit: usize,
    view: Arc<Mutex<ServerView>>,
}

impl ServerProcess {
    async fn start(binary: &Path, pki: &Path, args: &LoadArgs) -> Result<Self, String> {
        let max_connections = args.max_connections.unwrap_or(args.channels as usize + 16);
        let mut child = tokio::process::Command::new(binary)
            .arg("--port=0")
            .arg("--host=127.0.0.1")
            .arg(format!("--pki={}", pki.display()))
            .arg(format!("--policies=None,{}", args.policy.descriptor().name))
            .arg("--modes=all")
            .arg(format!("--max-connections={max_connections}"))
            .arg("--stats=200")
            .arg("--pki-poll=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", binary.display()))?;
        let pid = child.id().ok_or("the server ended at once")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(60), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("READY ") {
                    return Some(line);
                }
                eprintln!("server: {line}");
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or("the server ended (or took a minute) without READY")?;
        let field = |name: &str| {
            ready
                .split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .map(str::to_owned)
        };
        let url = ready
            .split_whitespace()
            .nth(1)
            .ok_or("no URL on READY")?
            .to_owned();
        let budget_limit = field("budget=").and_then(|b| b.parse().ok()).unwrap_or(0);
        let view = Arc::new(Mutex::new(ServerView::default()));
        let shared = Arc::clone(&view);
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                match parse_stats(&line) {
                    Some((connections, used)) => {
                        let mut v = shared.lock().unwrap_or_else(PoisonError::into_inner);
                        v.lines += 1;
                        v.connections = connections;
                        v.budget_used = used;
                        v.budget_peak = v.budget_peak.max(used);
                    }
                    None => eprintln!("server: {line}"),
                }
            }
        });
        Ok(ServerProcess {
            child,
            pid,
            url,
            budget_limit,
            view,
        })
    }

    /// Ends the server process.
    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    fn view(&self) -> ServerView {
        *self.view.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reset_peak(&self) {
        let mut v = self.view.lock().unwrap_or_else(PoisonError::into_inner);
        v.budget_peak = v.budget_used;
    }

    /// Waits until a `STATS` line printed from now on reports `n`
    /// connections, at most `limit`.
    async fn await_connections(&self, n: usize, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        let seen = self.view().lines;
        while Instant::now() < end {
            let view = self.view();
            if view.lines > seen + 1 && view.connections == n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn sample(&self) -> Result<Sample, String> {
        let memory = procfs::memory(self.pid).map_err(|e| format!("server memory: {e}"))?;
        let cpu = procfs::cpu(self.pid).map_err(|e| format!("server CPU: {e}"))?;
        Ok(Sample {
            memory,
            cpu,
            view: self.view(),
        })
    }
}

/// `STATS connections=N budget-used=B` → (N, B).
fn parse_stats(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("STATS ")?;
    let mut connections = None;
    let mut used = None;
    for word in rest.split_whitespace() {
        if let Some(n) = word.strip_prefix("connections=") {
            connections = n.parse().ok();
        } else if let Some(n) = word.strip_prefix("budget-used=") {
            used = n.parse().ok();
        }
    }
    Some((connections?, used?))
}

/// The server at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    memory: Memory,
    cpu: Cpu,
    view: ServerView,
}

/// The body of a FindServers request of `size` bytes (or as small as it
/// can be), with the given RequestHandle.
fn request_body(url: &str, size: usize, handle: u32) -> Result<Bytes, uasc::Error> {
    let encode = |endpoint_url: &str| -> Result<Vec<u8>, uasc::Error> {
        let request = FindServersRequest {
            request_header: RequestHeader {
                timestamp: DateTime::from_system_time(SystemTime::now()),
                request_handle: handle,
                timeout_hint: 10_000,
                ..RequestHeader::default()
            },
            endpoint_url: UaString::from(endpoint_url),
            locale_ids: None,
            server_uris: None,
        };
        let mut body = Vec::new();
        encode_message(&request, &mut Writer::new(&mut body))?;
        Ok(body)
    };
    let bare = encode(url)?;
    if bare.len() >= size {
        return Ok(Bytes::from(bare));
    }
    // The endpoint URL with a path that brings the body to `size` bytes.
    let padded = format!("{url}/{}", "x".repeat(size - bare.len() - 1));
    encode(&padded).map(Bytes::from)
}

/// Checks a FindServers response: the RequestHandle sent, one server.
fn check_response(body: &[u8], handle: u32) -> Result<(), driver::Error> {
    let response: FindServersResponse =
        decode_message(&mut Reader::with_limits(body, DecodeLimits::DEFAULT))
            .map_err(driver::Error::Channel)?;
    let header = &response.response_header;
    if header.request_handle != handle || response.servers.map_or(0, |s| s.len()) != 1 {
        return Err(driver::Error::Channel(uasc::Error::Decoding(
            "a response to another request",
        )));
    }
    Ok(())
}

/// The client's configuration for one channel.
fn client_config(
    args: &LoadArgs,
    app: &App,
    url: &str,
    server_certificate: Option<&[u8]>,
) -> ClientConfig {
    let policy: Arc<dyn SecurityPolicy> = Arc::new(*args.policy);
    let mut config = ClientConfig::new(url, policy, mode(args), validator(&app.store, false));
    config.timeouts.handshake = Duration::from_secs(args.timeout);
    if let Some(der) = server_certificate {
        config.identity = app.identity_for(args.policy).cloned();
        config.server_certificate = Some(der.to_vec().into());
    }
    config
}

fn mode(args: &LoadArgs) -> MessageSecurityMode {
    args.mode.unwrap_or(if args.policy.descriptor().is_none() {
        MessageSecurityMode::None
    } else {
        MessageSecurityMode::SignAndEncrypt
    })
}

fn driver_options(args: &LoadArgs) -> driver::ClientOptions {
    let mut o = driver::ClientOptions::default();
    o.request_timeout = Duration::from_secs(args.timeout);
    o.connect_timeout = Duration::from_secs(args.timeout);
    o
}

/// What the channels share.
struct Plan {
    args: LoadArgs,
    url: String,
    app: App,
    server_certificate: Option<Vec<u8>>,
    ramp: Semaphore,
    /// When the requests start, once every channel is open.
    start: watch::Receiver<Option<Instant>>,
    /// Set once the channels are to close.
    close: watch::Receiver<bool>,
    /// The channels open now.
    opened: AtomicUsize,
    /// Each channel reports here when it is open (or failed to open), when
    /// its requests are done, and when it is closed.
    progress: mpsc::UnboundedSender<Phase>,
}

/// What a channel has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Open,
    Requests,
    Close,
}

/// One channel: open, requests, close.
async fn channel(plan: Arc<Plan>, index: u32) -> ChannelRun {
    let mut run = ChannelRun::default();
    let args = &plan.args;
    let opened = {
        let _permit = plan.ramp.acquire().await;
        let config = client_config(
            args,
            &plan.app,
            &plan.url,
            plan.server_certificate.as_deref(),
        );
        let begun = Instant::now();
        let client = Client::connect(&plan.url, config, driver_options(args)).await;
        run.handshake = Some(begun.elapsed());
        client
    };
    let client = match opened {
        Ok(client) => {
            plan.opened.fetch_add(1, Ordering::SeqCst);
            let _ = plan.progress.send(Phase::Open);
            client
        }
        Err(e) => {
            run.failure = Some(Failure::of(index, "open secure channel", e));
            for phase in [Phase::Open, Phase::Requests, Phase::Close] {
                let _ = plan.progress.send(phase);
            }
            return run;
        }
    };
    let mut start = plan.start.clone();
    let start = match start.wait_for(Option::is_some).await {
        Ok(start) => start.unwrap_or_else(Instant::now),
        Err(_) => Instant::now(),
    };
    // The channels' requests are spread evenly over one interval.
    let interval = Duration::from_secs_f64(args.interval);
    let offset = interval.mul_f64(f64::from(index) / f64::from(args.channels));
    let requests = (args.seconds / args.interval).floor() as u32;
    for k in 0..requests {
        tokio::time::sleep_until((start + offset + interval * k).into()).await;
        let handle = client.next_request_handle();
        let body = match request_body(&plan.url, args.request_size, handle) {
            Ok(body) => body,
            Err(e) => {
                run.failure = Some(Failure::of(index, "request", driver::Error::Channel(e)));
                break;
            }
        };
        let sent = Instant::now();
        let answer = client.call(body).await;
        let took = sent.elapsed();
        match answer.and_then(|body| check_response(&body, handle)) {
            Ok(()) => run.latencies.push(took),
            Err(e) => {
                run.failure = Some(Failure::of(index, "request", e));
                break;
            }
        }
    }
    let _ = plan.progress.send(Phase::Requests);
    let mut close = plan.close.clone();
    let _ = close.wait_for(|c| *c).await;
    let closed = tokio::time::timeout(Duration::from_secs(args.timeout), client.close())
        .await
        .unwrap_or(Err(driver::Error::Timeout));
    if let Err(e) = closed
        && run.failure.is_none()
    {
        run.failure = Some(Failure::of(index, "close", e));
    }
    let _ = plan.progress.send(Phase::Close);
    run
}

/// The progress reports of the channels, counted by phase.
struct Progress {
    reports: mpsc::UnboundedReceiver<Phase>,
    seen: BTreeMap<Phase, usize>,
}

impl Progress {
    /// Waits until `n` channels are done with `phase`, printing how many
    /// are every second.
    async fn wait(&mut self, phase: Phase, n: usize) {
        let name = match phase {
            Phase::Open => "opened",
            Phase::Requests => "requests done",
            Phase::Close => "closed",
        };
        let mut last_print = Instant::now();
        while self.seen.get(&phase).copied().unwrap_or(0) < n {
            match tokio::time::timeout(Duration::from_secs(1), self.reports.recv()).await {
                Ok(Some(p)) => *self.seen.entry(p).or_default() += 1,
                Ok(None) => return,
                Err(_) => {}
            }
            if last_print.elapsed() >= Duration::from_secs(1) {
                let seen = self.seen.get(&phase).copied().unwrap_or(0);
                eprintln!("{name}: {seen}/{n}");
                last_print = Instant::now();
            }
        }
    }
}

/// The server's certificate for the policy and mode, over a None channel;
/// it is then trusted in the client's store.
async fn discover(args: &LoadArgs, app: &App, url: &str) -> Result<Option<Vec<u8>>, String> {
    if args.policy.descriptor().is_none() {
        return Ok(None);
    }
    let endpoints = driver::get_endpoints(url, driver_options(args))
        .await
        .map_err(|e| format!("GetEndpoints: {} {e}", e.status_code()))?;
    let der = driver::find_endpoint(&endpoints, args.policy.descriptor().uri, mode(args))
        .and_then(|e| e.server_certificate.0.clone())
        .ok_or("the server offers no endpoint with that policy and mode")?;
    app.store
        .add(Folder::TrustedCerts, &der)
        .map_err(|e| format!("trusting the server certificate: {e}"))?;
    Ok(Some(der))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The report, as a Markdown table.
struct Report<'a> {
    args: &'a LoadArgs,
    opened: usize,
    runs: &'a [ChannelRun],
    ramp: Duration,
    close: Duration,
    before: Sample,
    open: Sample,
    steady: Sample,
    closed: Sample,
    budget_limit: usize,
    load_cpu: Cpu,
}

impl Report<'_> {
    fn print(&self) {
        let args = self.args;
        let latencies: Vec<Duration> = self
            .runs
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        let handshakes: Vec<Duration> = self.runs.iter().filter_map(|r| r.handshake).collect();
        let expected = (args.seconds / args.interval).floor() as usize * self.opened;
        let per_channel = |s: &Sample| {
            s.memory.rss.saturating_sub(self.before.memory.rss) as f64 / self.opened.max(1) as f64
        };
        let cpu = |s: Cpu| {
            format!(
                "{:.2} s ({:.2} user, {:.2} sys)",
                s.total().as_secs_f64(),
                s.user.as_secs_f64(),
                s.system.as_secs_f64()
            )
        };
        let steady_cpu = self.steady.cpu.since(self.open.cpu);
        let ramp_cpu = self.open.cpu.since(self.before.cpu);
        let close_cpu = self.closed.cpu.since(self.steady.cpu);
        println!("| load run | |");
        println!("|---|---|");
        println!(
            "| channels | {} × {} {:?}, {} open |",
            args.channels,
            args.policy.descriptor().name,
            mode(args),
            self.opened
        );
        println!(
            "| ramp | {:.1} s ({:.0} handshakes/s, {} at a time); handshake p50 {:.1} ms, p99 {:.1} ms |",
            self.ramp.as_secs_f64(),
            self.opened as f64 / self.ramp.as_secs_f64().max(1e-9),
            args.ramp_concurrency,
            ms(percentile(&handshakes, 50)),
            ms(percentile(&handshakes, 99)),
        );
        println!(
            "| requests | {} B every {} s for {} s: {} of {} answered |",
            args.request_size,
            args.interval,
            args.seconds,
            latencies.len(),
            expected
        );
        println!(
            "| latency | p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms |",
            ms(percentile(&latencies, 50)),
            ms(percentile(&latencies, 99)),
            ms(latencies.iter().copied().max().unwrap_or_default()),
        );
        println!(
            "| server RSS | {:.1} MiB before, {:.1} MiB all open, {:.1} MiB after the requests, {:.1} MiB after closing; peak {:.1} MiB |",
            mib(self.before.memory.rss),
            mib(self.open.memory.rss),
            mib(self.steady.memory.rss),
            mib(self.closed.memory.rss),
            mib(self.closed.memory.peak),
        );
        println!(
            "| memory per open channel | {:.1} KiB of RSS after the requests ({:.1} KiB before them) |",
            per_channel(&self.steady) / 1024.0,
            per_channel(&self.open) / 1024.0,
        );
        println!(
            "| budget held | {} B all open, {} B after the requests, at most {} B during them ({:.2} B per channel) of {} B |",
            self.open.view.budget_used,
            self.steady.view.budget_used,
            self.steady.view.budget_peak,
            self.steady.view.budget_peak as f64 / self.opened.max(1) as f64,
            self.budget_limit,
        );
        println!(
            "| server CPU | ramp {}, requests {} ({:.1} µs per request), close {} |",
            cpu(ramp_cpu),
            cpu(steady_cpu),
            steady_cpu.total().as_secs_f64() * 1e6 / latencies.len().max(1) as f64,
            cpu(close_cpu),
        );
        println!(
            "| close | {:.2} s for all channels |",
            self.close.as_secs_f64()
        );
        println!("| load generator CPU | {} |", cpu(self.load_cpu));
    }
}

/// Prints the failures grouped by step and error; returns how many
/// channels failed.
fn print_failures(runs: &[ChannelRun]) -> usize {
    let mut groups: BTreeMap<(&str, String), Vec<&Failure>> = BTreeMap::new();
    for failure in runs.iter().filter_map(|r| r.failure.as_ref()) {
        groups
            .entry((failure.step, failure.code.to_string()))
            .or_default()
            .push(failure);
    }
    let failed: usize = groups.values().map(Vec::len).sum();
    for ((step, code), failures) in &groups {
        let first = failures[0];
        println!(
            "FAILED {} channel(s) at {step}: {code} (first: channel {}, {})",
            failures.len(),
            first.channel,
            first.detail
        );
    }
    failed
}

async fn run(args: LoadArgs) -> Result<bool, String> {
    let needed = u64::from(args.channels) + 64;
    if let Some(limit) = raise_open_file_limit()
        && limit < needed
    {
        return Err(format!(
            "the open-file limit is {limit}, {} channels need {needed}: raise it (ulimit -n)",
            args.channels
        ));
    }
    let binary = match &args.server {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name(format!("server{}", std::env::consts::EXE_SUFFIX)),
    };
    let work = std::env::temp_dir().join(format!("uasc-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let result = run_in(&args, &binary, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn run_in(args: &LoadArgs, binary: &Path, work: &Path) -> Result<bool, String> {
    // Each side trusts the other: the client's certificate is in the
    // server's trusted folder before it starts, the server's in the
    // client's once GetEndpoints told it.
    let hosts = ["localhost", "127.0.0.1"];
    let app = load_or_create(&work.join("client"), LOAD_URI, &hosts, &[args.policy])?;
    let server_pki = work.join("server");
    DirectoryStore::open(&server_pki)
        .and_then(|s| {
            app.identities
                .iter()
                .try_for_each(|i| s.add(Folder::TrustedCerts, &i.certificate).map(|_| ()))
        })
        .map_err(|e| format!("{}: {e}", server_pki.display()))?;
    let server = ServerProcess::start(binary, &server_pki, args).await?;
    let server_certificate = discover(args, &app, &server.url).await?;
    // The discovery channel is gone before the first sample.
    server.await_connections(0, Duration::from_secs(10)).await;
    let before = server.sample()?;
    let load_before = procfs::cpu(std::process::id()).unwrap_or_default();

    let (start_tx, start) = watch::channel(None);
    let (close_tx, close) = watch::channel(false);
    let (progress_tx, reports) = mpsc::unbounded_channel();
    let mut progress = Progress {
        reports,
        seen: BTreeMap::new(),
    };
    let plan = Arc::new(Plan {
        args: args.clone(),
        url: server.url.clone(),
        app,
        server_certificate,
        ramp: Semaphore::new(args.ramp_concurrency as usize),
        start,
        close,
        opened: AtomicUsize::new(0),
        progress: progress_tx,
    });
    let n = args.channels as usize;
    let ramp_begun = Instant::now();
    let mut channels = tokio::task::JoinSet::new();
    for index in 0..args.channels {
        channels.spawn(channel(Arc::clone(&plan), index));
    }
    progress.wait(Phase::Open, n).await;
    let ramp = ramp_begun.elapsed();
    let opened = plan.opened.load(Ordering::SeqCst);
    drop(plan);
    // The server's count catches up with ours within a STATS interval.
    server
        .await_connections(opened, Duration::from_secs(10))
        .await;
    let open = server.sample()?;
    server.reset_peak();

    let _ = start_tx.send(Some(Instant::now() + Duration::from_millis(100)));
    progress.wait(Phase::Requests, n).await;
    let steady = server.sample()?;

    let close_begun = Instant::now();
    let _ = close_tx.send(true);
    progress.wait(Phase::Close, n).await;
    let close = close_begun.elapsed();
    server.await_connections(0, Duration::from_secs(10)).await;
    let closed = server.sample()?;
    let load_cpu = procfs::cpu(std::process::id())
        .unwrap_or_default()
        .since(load_before);

    let runs: Vec<ChannelRun> = channels.join_all().await;
    Report {
        args,
        opened,
        runs: &runs,
        ramp,
        close,
        before,
        open,
        steady,
        closed,
        budget_limit: server.budget_limit,
        load_cpu,
    }
    .print();
    let failed = print_failures(&runs);
    server.stop().await;
    if failed == 0 {
        println!("OK {} channels, none failed", args.channels);
    }
    Ok(failed == 0)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(LoadArgs::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
