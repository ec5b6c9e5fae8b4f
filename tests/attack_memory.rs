//! An attack run against the example server process, measuring its peak
//! resident memory (VmHWM): slowloris before the Hello, stalled
//! OpenSecureChannel frames after it, chunk floods of messages that never
//! end, large frames on channels that then idle, and a connection flood
//! over `--max-connections`. However the connections are spent, the
//! server's peak must stay within its byte budget plus 64 MiB; the budget
//! must be what refuses the attacks that would exceed it, and a connection
//! over the limit must be told BadTcpServerTooBusy.
//!
//! Run with `--nocapture` to see each phase's numbers.
#![cfg(all(
    feature = "tokio",
    feature = "cert-generate",
    feature = "cert-store",
    target_os = "linux"
))]

mod process_support;

#[allow(dead_code)]
#[path = "../examples/support/limits.rs"]
mod limits;
#[allow(dead_code)]
#[path = "../examples/support/procfs.rs"]
mod procfs;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use process_support::{ServerProcess, TempDir};
use uasc::StatusCode;
use uasc::cert::InsecureAcceptAnyCertificate;
use uasc::channel::{ClientChannel, ClientConfig, Event};
use uasc::codec::DecodeLimits;
use uasc::messages::MessageSecurityMode;
use uasc::policy::NONE;
use uasc::uacp::{Hello, MAX_HELLO_SIZE, UacpMessage};

/// The server's byte budget in this run.
const BUDGET: u64 = 32 << 20;
/// What the server may use beyond its budget.
const SLACK: u64 = 64 << 20;
/// Connections per phase, if the open-file limit allows.
const CONNECTIONS: usize = 2000;
/// Connections the flood opens beyond `--max-connections`.
const OVER_THE_LIMIT: usize = 500;
/// The largest chunk the channels negotiate.
const BUFFER: u32 = 65_535;

/// How a connection ended up after an attack: still held, told an error,
/// or closed without one.
#[derive(Debug, Default)]
struct Outcome {
    held: usize,
    refused: Vec<StatusCode>,
    closed: usize,
}

impl Outcome {
    fn refused_with(&self, code: StatusCode) -> usize {
        self.refused.iter().filter(|c| **c == code).count()
    }
}

/// Looks at each connection without waiting: an ERR from the server, its
/// end, or nothing (the server still holds it).
fn outcome(streams: &mut [TcpStream]) -> Outcome {
    let mut out = Outcome::default();
    let mut buf = vec![0u8; 1 << 16];
    for stream in streams.iter_mut() {
        stream.set_nonblocking(true).unwrap();
        let mut got = Vec::new();
        let ended = loop {
            match stream.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                Err(_) => break true,
            }
        };
        match last_error(&got) {
            Some(code) => out.refused.push(code),
            None if ended => out.closed += 1,
            None => out.held += 1,
        }
    }
    out
}

/// The code of the ERR frame among `bytes` (whole frames from the start).
fn last_error(mut bytes: &[u8]) -> Option<StatusCode> {
    let mut code = None;
    while bytes.len() >= 8 {
        let size = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        if size < 8 || size > bytes.len() {
            break;
        }
        if let Ok(UacpMessage::Error(e)) =
            UacpMessage::decode_frame(&bytes[..size], DecodeLimits::DEFAULT)
        {
            code = Some(e.error);
        }
        bytes = &bytes[size..];
    }
    code
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connecting to the server");
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

fn hello(url: &str) -> Vec<u8> {
    let mut frame = Vec::new();
    UacpMessage::Hello(Hello {
        protocol_version: 0,
        receive_buffer_size: BUFFER,
        send_buffer_size: BUFFER,
        max_message_size: 0,
        max_chunk_count: 0,
        endpoint_url: url.into(),
    })
    .encode_frame(&mut frame)
    .unwrap();
    frame
}

/// A frame header claiming `size` bytes, and all of its body but the last
/// byte.
fn all_but_the_last_byte(kind: &[u8; 4], size: u32) -> Vec<u8> {
    let mut frame = kind.to_vec();
    frame.extend_from_slice(&size.to_le_bytes());
    frame.resize(size as usize - 1, 0);
    frame
}

/// A channel with SecurityPolicy None, opened over a blocking socket by
/// the sans-IO client.
struct NoneChannel {
    stream: TcpStream,
    channel: ClientChannel,
}

impl NoneChannel {
    fn open(addr: &str, url: &str) -> Result<Self, String> {
        let mut config = ClientConfig::new(
            url,
            Arc::new(NONE),
            MessageSecurityMode::None,
            Arc::new(InsecureAcceptAnyCertificate),
        );
        config.connection.receive_buffer_size = BUFFER;
        config.connection.send_buffer_size = BUFFER;
        let channel = ClientChannel::new(config, Instant::now(), SystemTime::now())
            .map_err(|e| e.to_string())?;
        let mut c = NoneChannel {
            stream: connect(addr),
            channel,
        };
        let mut buf = vec![0u8; 1 << 16];
        loop {
            c.flush(0)?;
            while let Some(event) = c.channel.poll_event() {
                match event {
                    Event::Opened { .. } => return Ok(c),
                    Event::Closed { error } => return Err(format!("closed: {error:?}")),
                    _ => {}
                }
            }
            let n = c.stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server hung up".into());
            }
            c.channel.handle_input(Instant::now(), &buf[..n]);
        }
    }

    /// Writes the chunks the channel has queued but the last `leave`
    /// (which are dropped).
    fn flush(&mut self, leave: usize) -> Result<(), String> {
        let mut out = Vec::new();
        while self.channel.poll_transmit(&mut out) {}
        let mut ends = Vec::new();
        let mut end = 0;
        while let Some(size) = out.get(end + 4..end + 8) {
            end += u32::from_le_bytes(size.try_into().unwrap()) as usize;
            ends.push(end.min(out.len()));
        }
        let keep = ends.len().saturating_sub(leave);
        let end = if keep == 0 { 0 } else { ends[keep - 1] };
        self.stream
            .write_all(&out[..end])
            .map_err(|e| e.to_string())
    }

    /// Queues a request of `size` bytes and writes all of its chunks but
    /// the final one: a message that never completes.
    fn send_all_but_the_final_chunk(&mut self, size: usize) -> Result<(), String> {
        self.channel
            .send_request(&vec![0u8; size])
            .map_err(|e| e.to_string())?;
        self.flush(1)
    }
}

/// Opens `n` None channels on `threads` threads.
fn open_none_channels(server: &ServerProcess, n: usize) -> Vec<NoneChannel> {
    let addr = server.addr();
    let threads = 4;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (addr, url) = (addr.clone(), server.url.clone());
                s.spawn(move || {
                    (0..n)
                        .filter(|i| i % threads == t)
                        .filter_map(|_| NoneChannel::open(&addr, &url).ok())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Waits until the server says it serves no connection.
fn until_idle(server: &ServerProcess) {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if let Some(line) = server.line_starting("STATS ", Duration::from_secs(1))
            && line.contains("connections=0 ")
        {
            return;
        }
    }
    panic!("the server still serves connections 20 s after they closed");
}

struct Run {
    server: ServerProcess,
    connections: usize,
    _pki: TempDir,
}

impl Run {
    fn peak(&self) -> u64 {
        procfs::memory(self.server.pid()).unwrap().peak
    }

    /// After `wait`, how the phase's connections ended up (reported), then
    /// closes them and waits until the server has let them go.
    fn settle(&self, phase: &str, mut streams: Vec<TcpStream>, wait: Duration) -> Outcome {
        std::thread::sleep(wait);
        let outcome = outcome(&mut streams);
        self.report(phase, &outcome);
        drop(streams);
        until_idle(&self.server);
        outcome
    }

    fn report(&self, phase: &str, outcome: &Outcome) {
        let memory = procfs::memory(self.server.pid()).unwrap();
        println!(
            "{phase:<34} held {:>5}, refused {:>5}, closed {:>5}; server RSS {:>6.1} MiB, peak {:>6.1} MiB",
            outcome.held,
            outcome.refused.len(),
            outcome.closed,
            memory.rss as f64 / 1048576.0,
            memory.peak as f64 / 1048576.0,
        );
    }
}

#[test]
fn the_servers_peak_memory_stays_within_its_budget_plus_64_mib() {
    let limit = limits::raise_open_file_limit().unwrap_or(1024);
    // This process and the server each need a descriptor per connection,
    // and the flood goes OVER_THE_LIMIT beyond them.
    let connections = CONNECTIONS.min(limit.saturating_sub(OVER_THE_LIMIT as u64 + 100) as usize);
    assert!(
        connections >= 1000,
        "a hard open-file limit of {limit} leaves too few connections for the attack run"
    );
    let pki = TempDir::new("attack");
    let server = ServerProcess::start(
        &pki.path().join("server"),
        &[
            "--policies",
            "None",
            "--security",
            "optional",
            "--max-connections",
            &connections.to_string(),
            "--budget",
            &BUDGET.to_string(),
            "--stats",
            "200",
            "--pki-poll",
            "0",
        ],
    );
    assert_eq!(server.budget, BUDGET, "READY names the budget given");
    let run = Run {
        server,
        connections,
        _pki: pki,
    };
    let started = procfs::memory(run.server.pid()).unwrap();
    println!(
        "{connections} connections per phase, budget {} MiB; server RSS at start {:.1} MiB",
        BUDGET >> 20,
        started.rss as f64 / 1048576.0
    );
    slowloris_before_the_hello(&run);
    stalled_open_after_the_hello(&run);
    chunk_flood(&run);
    large_frames_then_idle(&run);
    connection_flood_over_the_limit(&run);
    let peak = run.peak();
    println!(
        "peak RSS {:.1} MiB, limit {:.1} MiB (budget {} MiB + 64 MiB)",
        peak as f64 / 1048576.0,
        (BUDGET + SLACK) as f64 / 1048576.0,
        BUDGET >> 20
    );
    assert!(
        peak <= BUDGET + SLACK,
        "peak RSS {peak} B over the budget {BUDGET} B + 64 MiB"
    );
}

/// Every connection sends all of the largest Hello but its last byte and
/// stalls.
fn slowloris_before_the_hello(run: &Run) {
    let addr = run.server.addr();
    let partial = all_but_the_last_byte(b"HELF", MAX_HELLO_SIZE);
    let streams: Vec<TcpStream> = (0..run.connections)
        .map(|_| {
            let mut s = connect(&addr);
            let _ = s.write_all(&partial);
            s
        })
        .collect();
    let outcome = run.settle(
        "slowloris before the Hello",
        streams,
        Duration::from_millis(500),
    );
    // 2 000 × 4 KiB fit in the budget: the server holds them all.
    assert_eq!(outcome.held, run.connections, "{outcome:?}");
}

/// Every connection is acknowledged, then sends all of a 64 KiB
/// OpenSecureChannel frame but its last byte and stalls: together far more
/// than the budget.
fn stalled_open_after_the_hello(run: &Run) {
    let addr = run.server.addr();
    let hello = hello(&run.server.url);
    let mut streams: Vec<TcpStream> = (0..run.connections)
        .map(|_| {
            let mut s = connect(&addr);
            s.write_all(&hello).unwrap();
            s
        })
        .collect();
    let mut ack = [0u8; 28];
    for s in &mut streams {
        s.read_exact(&mut ack).expect("an Acknowledge");
        assert_eq!(&ack[..3], b"ACK");
    }
    let partial = all_but_the_last_byte(b"OPNF", BUFFER);
    for s in &mut streams {
        let _ = s.write_all(&partial);
    }
    let outcome = run.settle(
        "stalled OPN after the Hello",
        streams,
        Duration::from_secs(1),
    );
    let fit = (BUDGET / u64::from(BUFFER)) as usize;
    assert!(outcome.held <= fit, "{outcome:?}");
    assert!(
        outcome.refused_with(StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES) >= run.connections - fit,
        "the budget refused the frames over it: {outcome:?}"
    );
}

/// Channels send 8 MiB messages whose final chunk never comes: four times
/// the budget in all.
fn chunk_flood(run: &Run) {
    let channels = 16;
    let mut open = open_none_channels(&run.server, channels);
    assert_eq!(open.len(), channels);
    for c in &mut open {
        let _ = c.send_all_but_the_final_chunk(8 << 20);
    }
    let streams = open.into_iter().map(|c| c.stream).collect();
    let outcome = run.settle("chunk flood", streams, Duration::from_secs(1));
    assert!(outcome.held <= (BUDGET >> 23) as usize, "{outcome:?}");
    assert!(
        outcome.refused_with(StatusCode::BAD_TCP_NOT_ENOUGH_RESOURCES) > 0,
        "{outcome:?}"
    );
}

/// Every connection opens a channel, sends one whole request in a 64 KiB
/// chunk (answered with a ServiceFault) and then idles.
fn large_frames_then_idle(run: &Run) {
    let mut open = open_none_channels(&run.server, run.connections);
    assert_eq!(open.len(), run.connections);
    for c in &mut open {
        c.channel.send_request(&vec![0u8; 60_000]).unwrap();
        c.flush(0).unwrap();
    }
    let streams = open.into_iter().map(|c| c.stream).collect();
    let outcome = run.settle("large frames, then idle", streams, Duration::from_secs(1));
    assert_eq!(outcome.held, run.connections, "{outcome:?}");
}

/// The limit's worth of idle connections, then more: those over the limit
/// are told BadTcpServerTooBusy (at most 64 at once; more are dropped).
fn connection_flood_over_the_limit(run: &Run) {
    let addr = run.server.addr();
    let mut served: Vec<TcpStream> = (0..run.connections).map(|_| connect(&addr)).collect();
    // The server has accepted them all before the flood.
    std::thread::sleep(Duration::from_millis(500));
    let mut over: Vec<TcpStream> = (0..OVER_THE_LIMIT).map(|_| connect(&addr)).collect();
    std::thread::sleep(Duration::from_millis(1000));
    let outcome_over = outcome(&mut over);
    run.report("connections over the limit", &outcome_over);
    assert!(
        outcome_over.refused_with(StatusCode::BAD_TCP_SERVER_TOO_BUSY) > 0,
        "{outcome_over:?}"
    );
    assert_eq!(
        outcome_over.refused_with(StatusCode::BAD_TCP_SERVER_TOO_BUSY),
        outcome_over.refused.len(),
        "{outcome_over:?}"
    );
    assert_eq!(outcome_over.held, 0, "{outcome_over:?}");
    let outcome_served = outcome(&mut served);
    assert_eq!(outcome_served.held, run.connections, "{outcome_served:?}");
    drop(over);
    drop(served);
    until_idle(&run.server);
}
