//! The server: an accept loop, and one task per connection driving its
//! [`ServerChannel`].

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{self, JoinError, JoinHandle, JoinSet};

use super::connection::{self, Side, now};
use super::service_fault::fault_for;
use super::{ChannelInfo, Handler, Request, Response, Result};
use crate::StatusCode;
use crate::channel::{ByteBudget, Event, ServerChannel, ServerConfig};
use crate::uacp::{ErrorMessage, UacpMessage};

/// Connections being told `BadTcpServerTooBusy` at once; more are dropped
/// unanswered.
const REFUSING_AT_ONCE: usize = 64;
/// How long a refused connection is kept to deliver its ERR.
const REFUSAL_TIME: Duration = Duration::from_secs(1);
/// The pause after a failed accept (out of file descriptors, say).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The driver's settings for a server, beside the channels'
/// [`ServerConfig`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The most connections served at once; one more is sent ERR
    /// `BadTcpServerTooBusy` and closed (OPC 10000-6 §7.1.5). Default 1000.
    pub max_connections: usize,
    /// The bytes all channels together may hold in partly received
    /// messages. Default [`ByteBudget::default`].
    pub budget: ByteBudget,
    /// The requests of one connection being handled at once; while that
    /// many are, nothing more is read from it. Default 64.
    pub max_requests_per_connection: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_connections: 1000,
            budget: ByteBudget::default(),
            max_requests_per_connection: 64,
        }
    }
}

/// Serves secure channels on `listener` with the default
/// [`ServerOptions`]; see [`serve_with`].
pub fn serve<H: Handler>(
    listener: TcpListener,
    config: ServerConfig,
    handler: H,
) -> Result<Server> {
    serve_with(listener, config, ServerOptions::default(), handler)
}

/// Serves secure channels on `listener`: each accepted connection gets a
/// [`ServerChannel`] with the current configuration and the shared
/// [`ByteBudget`], in a task of its own; every request on an open channel
/// goes to `handler`. Must be called within a tokio runtime.
///
/// A configuration that breaks a rule ([`ServerConfig::validate`]) is
/// refused here rather than at each connection.
pub fn serve_with<H: Handler>(
    listener: TcpListener,
    config: ServerConfig,
    options: ServerOptions,
    handler: H,
) -> Result<Server> {
    config.validate()?;
    let local_addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        config: RwLock::new(Arc::new(config)),
        slots: Arc::new(Semaphore::new(options.max_connections)),
        options,
    });
    let (stop, stopped) = watch::channel(false);
    let accept = tokio::spawn(accept_loop(
        listener,
        Arc::clone(&shared),
        Arc::new(handler),
        stopped,
    ));
    Ok(Server {
        shared,
        stop,
        accept: Some(accept),
        local_addr,
    })
}

/// A running server. Dropping it stops the server at once, ending every
/// connection; [`shutdown`](Self::shutdown) stops it gracefully.
#[derive(Debug)]
pub struct Server {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: Option<JoinHandle<()>>,
    local_addr: SocketAddr,
}

#[derive(Debug)]
struct Shared {
    config: RwLock<Arc<ServerConfig>>,
    slots: Arc<Semaphore>,
    options: ServerOptions,
}

impl Shared {
    fn config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Server {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Replaces the configuration for connections accepted from now on (a
    /// new certificate, other policies); channels already open keep the
    /// one they started with, over renewals too. A configuration that
    /// breaks a rule is refused and the current one stays.
    pub fn set_config(&self, config: ServerConfig) -> Result<()> {
        config.validate()?;
        *self
            .shared
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
        Ok(())
    }

    /// The configuration new connections get.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.shared.config()
    }

    /// The connections being served now.
    pub fn connections(&self) -> usize {
        self.shared
            .options
            .max_connections
            .saturating_sub(self.shared.slots.available_permits())
    }

    /// The byte budget the channels share.
    pub fn budget(&self) -> &ByteBudget {
        &self.shared.options.budget
    }

    /// Stops gracefully: accepts no more connections, answers new requests
    /// with a ServiceFault `BadServerHalted`, lets the requests being
    /// handled finish and their responses go out, then ends each channel
    /// with ERR `BadServerHalted` and waits for every connection to end. A
    /// client that closes its channel or hangs up meanwhile ends its
    /// connection at once, whatever its handlers are doing. Dropping this
    /// future before it is done stops the rest at once.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(accept) = self.accept.as_mut() {
            let _ = accept.await;
        }
        self.accept = None;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.take() {
            // The accept task owns the connection tasks: they end with it.
            accept.abort();
        }
    }
}

async fn accept_loop<H: Handler>(
    listener: TcpListener,
    shared: Arc<Shared>,
    handler: Arc<H>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut refusals = JoinSet::new();
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    loop {
        tokio::select! {
            // A dropped sender ends the server as well.
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match Arc::clone(&shared.slots).try_acquire_owned() {
                    Ok(slot) => {
                        let config = shared.config();
                        let budget = shared.options.budget.clone();
                        let per_connection = shared.options.max_requests_per_connection.max(1);
                        connections.spawn(serve_connection(
                            stream,
                            config,
                            budget,
                            Arc::clone(&handler),
                            stop.clone(),
                            per_connection,
                            slot,
                        ));
                    }
                    Err(_) => {
                        if let Ok(permit) = Arc::clone(&refusing).try_acquire_owned() {
                            refusals.spawn(refuse(stream, permit));
                        }
                    }
                },
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            Some(_) = connections.join_next() => {}
            Some(_) = refusals.join_next() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Tells a connection over the limit `BadTcpServerTooBusy` and closes it,
/// reading what it sent meanwhile so that the ERR is not lost to a reset.
async fn refuse(stream: TcpStream, _permit: OwnedSemaphorePermit) {
    let mut frame = Vec::new();
    let err = UacpMessage::Error(ErrorMessage {
        error: StatusCode::BAD_TCP_SERVER_TOO_BUSY,
        reason: "the server serves its maximum number of connections".into(),
    });
    if err.encode_frame(&mut frame).is_err() {
        return;
    }
    let deliver = async {
        let mut written = 0;
        while written < frame.len() {
            stream.writable().await?;
            match stream.try_write(frame.get(written..).unwrap_or_default()) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        let std = stream.into_std()?;
        std.shutdown(std::net::Shutdown::Write)?;
        let stream = TcpStream::from_std(std)?;
        let mut sink = [0u8; 1024];
        loop {
            stream.readable().await?;
            match stream.try_read(&mut sink) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    };
    let _ = tokio::time::timeout(REFUSAL_TIME, deliver).await;
}

async fn serve_connection<H: Handler>(
    stream: TcpStream,
    config: Arc<ServerConfig>,
    budget: ByteBudget,
    handler: Arc<H>,
    stop: watch::Receiver<bool>,
    max_requests: usize,
    _slot: OwnedSemaphorePermit,
) {
    let Ok((peer, local)) = connection::addresses(&stream) else {
        return;
    };
    // The configuration was validated when it was given to the server.
    let Ok(mut channel) = ServerChannel::new(config, budget, now(), SystemTime::now()) else {
        return;
    };
    let stopping = *stop.borrow();
    let mut side = ServerSide {
        stopping,
        handler,
        tasks: JoinSet::new(),
        running: HashMap::new(),
        info: None,
        stop,
        max_requests,
        peer,
        local,
    };
    connection::run(stream, &mut channel, &mut side).await;
}

/// What the server's part of the loop waits for.
enum ServerInput {
    /// A handler finished (or panicked).
    Answered(Result<(task::Id, Response), JoinError>),
    /// The server is shutting down.
    Stop,
}

/// The server's part of the connection loop.
struct ServerSide<H> {
    handler: Arc<H>,
    /// The handlers running, with the RequestId and body of each.
    tasks: JoinSet<Response>,
    running: HashMap<task::Id, (u32, Bytes)>,
    info: Option<Arc<ChannelInfo>>,
    stop: watch::Receiver<bool>,
    stopping: bool,
    max_requests: usize,
    peer: SocketAddr,
    local: SocketAddr,
}

impl<H: Handler> ServerSide<H> {
    fn respond(channel: &mut ServerChannel, request_id: u32, request: &[u8], response: Response) {
        let refused = match response {
            Ok(body) => match channel.send_response(request_id, &body) {
                Ok(()) => return,
                Err(e) => e.status_code(),
            },
            Err(code) => code,
        };
        if !channel.is_closed() {
            // Refused by the handler, or over the client's limits: a
            // ServiceFault says why, and the channel stays open.
            let fault = fault_for(request, refused, SystemTime::now());
            let _ = channel.send_response(request_id, &fault);
        }
    }

    fn stop_when_idle(&self, channel: &mut ServerChannel) {
        if self.stopping && self.tasks.is_empty() && !channel.is_closed() {
            channel.close(StatusCode::BAD_SERVER_HALTED);
        }
    }
}

impl<H: Handler> Side for ServerSide<H> {
    type Channel = ServerChannel;
    type Input = ServerInput;

    fn on_event(&mut self, channel: &mut ServerChannel, event: Event, _now: Instant) {
        match event {
            Event::Opened { .. } => {
                self.info = Some(Arc::new(ChannelInfo::of(channel, self.peer, self.local)));
            }
            Event::Message { request_id, body } => {
                let Some(info) = self.info.clone() else {
                    return;
                };
                if self.stopping {
                    // No new work while stopping: the client is told why.
                    Self::respond(
                        channel,
                        request_id,
                        &body,
                        Err(StatusCode::BAD_SERVER_HALTED),
                    );
                    return;
                }
                let body = Bytes::from(body);
                let request = Request {
                    request_id,
                    body: body.clone(),
                    channel: info,
                };
                let handler = Arc::clone(&self.handler);
                let task = self
                    .tasks
                    .spawn(async move { handler.handle(request).await });
                self.running.insert(task.id(), (request_id, body));
            }
            _ => {}
        }
    }

    async fn next_input(&mut self) -> Option<ServerInput> {
        tokio::select! {
            Some(done) = self.tasks.join_next_with_id() => Some(ServerInput::Answered(done)),
            _ = self.stop.changed(), if !self.stopping => Some(ServerInput::Stop),
            else => std::future::pending().await,
        }
    }

    fn on_input(&mut self, channel: &mut ServerChannel, input: ServerInput, _now: Instant) {
        match input {
            ServerInput::Answered(done) => {
                let (id, response) = match done {
                    Ok((id, response)) => (id, response),
                    Err(e) => (e.id(), Err(StatusCode::BAD_INTERNAL_ERROR)),
                };
                if let Some((request_id, body)) = self.running.remove(&id) {
                    Self::respond(channel, request_id, &body, response);
                }
            }
            ServerInput::Stop => self.stopping = true,
        }
        self.stop_when_idle(channel);
    }

    fn on_inputs_ended(&mut self, _channel: &mut ServerChannel, _now: Instant) {}

    /// Reading goes on while the server stops, so that a client that
    /// closes or hangs up ends its connection at once instead of waiting
    /// for its handlers (which might never finish).
    fn wants_read(&self) -> bool {
        self.tasks.len() < self.max_requests
    }

    fn on_io_error(&mut self, _error: io::Error) {
        // The client is gone; its handlers are dropped with this side.
    }
}
