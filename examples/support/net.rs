//! Driving a sans-IO channel over a blocking `std::net::TcpStream`: the
//! caller's side of the `handle_input` / `poll_transmit` / `poll_event` /
//! `poll_timeout` / `handle_timeout` discipline.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use uasc::channel::{ClientChannel, Event, ServerChannel};

/// What both channel ends offer their driver.
pub trait Endpoint {
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    fn handle_timeout(&mut self, now: Instant);
    fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> bool;
    fn poll_event(&mut self) -> Option<Event>;
    fn poll_timeout(&self) -> Option<Instant>;
}

macro_rules! endpoint {
    ($t:ty) => {
        impl Endpoint for $t {
            fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
                <$t>::handle_input(self, now, bytes)
            }
            fn handle_timeout(&mut self, now: Instant) {
                <$t>::handle_timeout(self, now)
            }
            fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> bool {
                <$t>::poll_transmit(self, buf)
            }
            fn poll_event(&mut self) -> Option<Event> {
                <$t>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$t>::poll_timeout(self)
            }
        }
    };
}
endpoint!(ClientChannel);
endpoint!(ServerChannel);

/// Why [`run`] returned.
#[derive(Debug)]
pub enum Stop {
    /// The handler asked to stop.
    Done,
    /// The peer closed the connection.
    Disconnected,
    /// `deadline` passed.
    Deadline,
}

/// Moves bytes and time between `stream` and `endpoint` and hands every
/// event to `handler` until it breaks, the peer disconnects, or `deadline`
/// passes. Whatever the endpoint still has to send is written first.
pub fn run<E: Endpoint>(
    stream: &mut TcpStream,
    endpoint: &mut E,
    deadline: Instant,
    mut handler: impl FnMut(&mut E, Event) -> ControlFlow<()>,
) -> io::Result<Stop> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let mut stop = false;
        loop {
            out.clear();
            if endpoint.poll_transmit(&mut out) {
                stream.write_all(&out)?;
            }
            let Some(event) = endpoint.poll_event() else {
                break;
            };
            if handler(endpoint, event).is_break() {
                stop = true;
            }
        }
        out.clear();
        if endpoint.poll_transmit(&mut out) {
            stream.write_all(&out)?;
        }
        if stop {
            return Ok(Stop::Done);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Stop::Deadline);
        }
        if endpoint.poll_timeout().is_some_and(|t| t <= now) {
            endpoint.handle_timeout(now);
            continue;
        }
        let wait = endpoint
            .poll_timeout()
            .unwrap_or(deadline)
            .min(deadline)
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        stream.set_read_timeout(Some(wait))?;
        match stream.read(&mut buf) {
            Ok(0) => return Ok(Stop::Disconnected),
            Ok(n) => endpoint.handle_input(Instant::now(), &buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(Stop::Disconnected),
            Err(e) => return Err(e),
        }
    }
}
