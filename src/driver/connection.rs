//! The loop that drives one channel over one TCP connection: the caller's
//! side of the call discipline of [`crate::channel`], shared by the client
//! and the server.
//!
//! Each turn it handles whatever happened first — bytes from the socket,
//! the socket ready for the bytes queued, the channel's timer, or an input
//! from the application (a client's requests, a server handler's answers) —
//! and then takes every event and every byte the channel has to give. The
//! socket is never waited on for writing while bytes can be read, so two
//! peers sending large messages to each other cannot block each other;
//! reading and taking inputs pause while more than [`HIGH_WATER`] bytes wait
//! to be written.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::channel::{ClientChannel, CommonState, Event, ServerChannel};

/// Bytes waiting to be written above which no more input is taken.
pub(crate) const HIGH_WATER: usize = 1 << 20;
/// The most bytes read from the socket at once.
const READ_SIZE: usize = 64 << 10;
/// The write buffer's capacity kept once it is empty; a larger one (after a
/// large message) is given back.
const KEEP_CAPACITY: usize = 16 << 10;

thread_local! {
    /// The read buffer, one per worker thread rather than one per
    /// connection: bytes read are handed to the channel before the next
    /// await.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; READ_SIZE]);
}

/// What one read from the socket gave.
enum Read {
    Bytes,
    Eof,
    WouldBlock,
}

/// Reads what the socket has into the thread's buffer and hands it to
/// `channel`.
fn read_into<E: Endpoint>(stream: &TcpStream, channel: &mut E) -> io::Result<Read> {
    READ_BUFFER.with_borrow_mut(|buf| match stream.try_read(buf) {
        Ok(0) => {
            channel.handle_eof(now());
            Ok(Read::Eof)
        }
        Ok(n) => {
            channel.handle_input(now(), buf.get(..n).unwrap_or_default());
            Ok(Read::Bytes)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Read::WouldBlock),
        Err(e) => Err(e),
    })
}

/// Bytes queued for the socket.
#[derive(Default)]
struct Outgoing {
    buf: Vec<u8>,
    written: usize,
}

impl Outgoing {
    fn backlog(&self) -> usize {
        self.buf.len() - self.written
    }

    /// Writes what the socket takes without waiting.
    fn write(&mut self, stream: &TcpStream) -> io::Result<()> {
        if self.backlog() == 0 {
            return Ok(());
        }
        match stream.try_write(self.buf.get(self.written..).unwrap_or_default()) {
            Ok(n) => self.written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if self.backlog() == 0 {
            self.buf.clear();
            self.written = 0;
            if self.buf.capacity() > KEEP_CAPACITY {
                self.buf = Vec::new();
            }
        }
        Ok(())
    }
}
/// How long a closed channel's last bytes (an ERR, a CloseSecureChannel)
/// may take to leave before the socket is dropped anyway.
const LINGER: Duration = Duration::from_secs(5);

/// What both channel ends offer their driver; the getters (channel id,
/// policy, certificates, token, …) come through `Deref` to
/// [`CommonState`].
pub(crate) trait Endpoint: Deref<Target = CommonState> + Send {
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    fn handle_eof(&mut self, now: Instant);
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
            fn handle_eof(&mut self, now: Instant) {
                <$t>::handle_eof(self, now)
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

/// One end's part in the loop: what it does with the channel's events and
/// with its own inputs.
pub(crate) trait Side: Send {
    type Channel: Endpoint;
    /// Something from the application for the channel.
    type Input: Send;

    /// Takes one event of the channel.
    fn on_event(&mut self, channel: &mut Self::Channel, event: Event, now: Instant);

    /// The next input; `None` once there will be no more. Must be
    /// cancel-safe: the loop drops it when something else happens first.
    fn next_input(&mut self) -> impl Future<Output = Option<Self::Input>> + Send;

    /// Applies one input to the channel.
    fn on_input(&mut self, channel: &mut Self::Channel, input: Self::Input, now: Instant);

    /// There will be no more input ([`next_input`](Self::next_input)
    /// returned `None`).
    fn on_inputs_ended(&mut self, channel: &mut Self::Channel, now: Instant);

    /// Whether to take inputs now.
    fn wants_input(&self) -> bool {
        true
    }

    /// Whether to read from the socket now.
    fn wants_read(&self) -> bool {
        true
    }

    /// The side's own next deadline (a request timeout), if any.
    fn deadline(&self) -> Option<Instant> {
        None
    }

    /// The side's deadline has come.
    fn on_deadline(&mut self, _now: Instant) {}

    /// The socket failed; the loop ends after this.
    fn on_io_error(&mut self, error: io::Error);
}

/// The addresses of a connection.
pub(crate) fn addresses(stream: &TcpStream) -> io::Result<(SocketAddr, SocketAddr)> {
    Ok((stream.peer_addr()?, stream.local_addr()?))
}

/// The time now, on tokio's clock (which tests may pause).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Drives `channel` over `stream` until the channel is closed and its last
/// bytes are written, or the socket fails.
pub(crate) async fn run<S: Side>(stream: TcpStream, channel: &mut S::Channel, side: &mut S) {
    let _ = stream.set_nodelay(true);
    let mut out = Outgoing::default();
    let mut eof = false;
    let mut inputs_open = true;
    let mut linger_until: Option<Instant> = None;
    loop {
        // Everything the channel has to give, events and bytes, until it
        // has nothing more: handling an event may queue bytes, and bytes
        // must be taken again after events.
        loop {
            let queued = channel.poll_transmit(&mut out.buf);
            match channel.poll_event() {
                Some(event) => side.on_event(channel, event, now()),
                None if !queued => break,
                None => {}
            }
        }
        if let Err(e) = out.write(&stream) {
            return side.on_io_error(e);
        }
        let backlog = out.backlog();
        if channel.is_closed() {
            if backlog == 0 {
                return;
            }
            let until = *linger_until.get_or_insert_with(|| now() + LINGER);
            if now() >= until {
                return;
            }
        }
        let open = !channel.is_closed();
        let reading = open && !eof && backlog < HIGH_WATER && side.wants_read();
        let taking = open && inputs_open && backlog < HIGH_WATER && side.wants_input();
        let deadline = [channel.poll_timeout(), side.deadline(), linger_until]
            .into_iter()
            .flatten()
            .min();
        let sleep = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ready = stream.writable(), if backlog > 0 => {
                if let Err(e) = ready.and_then(|()| out.write(&stream)) {
                    return side.on_io_error(e);
                }
            }
            ready = stream.readable(), if reading => {
                match ready.and_then(|()| read_into(&stream, channel)) {
                    Ok(Read::Eof) => eof = true,
                    Ok(Read::Bytes | Read::WouldBlock) => {}
                    Err(e) => return side.on_io_error(e),
                }
            }
            input = side.next_input(), if taking => match input {
                Some(input) => side.on_input(channel, input, now()),
                None => {
                    inputs_open = false;
                    side.on_inputs_ended(channel, now());
                }
            },
            () = sleep => {
                let now = now();
                if channel.poll_timeout().is_some_and(|t| t <= now) {
                    channel.handle_timeout(now);
                }
                if side.deadline().is_some_and(|t| t <= now) {
                    side.on_deadline(now);
                }
            }
        }
    }
}
