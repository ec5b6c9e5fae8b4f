//! The client: a [`ClientChannel`] on a TCP connection of its own task,
//! and a handle that sends requests over it.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::connection::{self, Side, now};
use super::service_fault::fault_code;
use super::url::host_and_port;
use super::{ChannelInfo, Error, Result};
use crate::StatusCode;
use crate::channel::{ClientChannel, ClientConfig, Event, TokenInfo};

/// How many requests may wait for the connection task at once before
/// callers wait for room.
const COMMAND_QUEUE: usize = 256;

/// The driver's settings for a client, beside the channel's own
/// [`ClientConfig`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// How long [`Client::call`] waits for a response. Default 30 s.
    pub request_timeout: Duration,
    /// How long the TCP connect may take. Default 10 s. (The secure
    /// channel's own handshake is bounded by the
    /// [`ClientConfig::timeouts`].)
    pub connect_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens a secure channel to the server at `url` (`opc.tcp://host:port`)
/// with the default [`ClientOptions`]; see [`Client::connect`].
pub async fn connect(url: &str, config: ClientConfig) -> Result<Client> {
    Client::connect(url, config, ClientOptions::default()).await
}

/// A handle to an open secure channel.
///
/// Clones share the channel; any number of calls may be in flight at once,
/// from clones or from one `&Client`, and each response goes to its caller
/// by its RequestId. The channel renews its token by itself at 75 % of the
/// lifetime. When the last clone is dropped, the channel is closed as by
/// [`close`](Self::close).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    commands: mpsc::Sender<Command>,
    info: ChannelInfo,
    shared: Arc<Shared>,
    options: ClientOptions,
    next_handle: AtomicU32,
}

/// What the connection task and the handles both see.
#[derive(Debug, Default)]
struct Shared {
    token: Mutex<Option<TokenInfo>>,
    /// Why the channel ended, once it has.
    end: Mutex<Option<Error>>,
}

impl Shared {
    fn end(&self) -> Option<Error> {
        self.end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records why the channel ended, unless it already had.
    fn set_end(&self, error: Error) -> Error {
        self.end
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(error)
            .clone()
    }

    fn set_token(&self, token: Option<TokenInfo>) {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

#[derive(Debug)]
enum Command {
    Call {
        body: Bytes,
        deadline: Instant,
        reply: oneshot::Sender<Result<Bytes>>,
    },
    Renew {
        force: bool,
        reply: oneshot::Sender<Result<u32>>,
    },
    Close {
        reply: oneshot::Sender<()>,
    },
}

impl Client {
    /// Connects to `url` (`opc.tcp://host[:port][/path]`, port 4840 if none)
    /// and opens a secure channel with `config`; returns once the channel is
    /// open. The EndpointUrl sent in the Hello is `config.endpoint_url`,
    /// which is usually `url` itself.
    ///
    /// Fails with [`Error::InvalidUrl`], [`Error::Io`] (the TCP connect),
    /// or [`Error::Channel`] (the server's ERR, a refused certificate, the
    /// handshake timeout, a hang-up).
    pub async fn connect(url: &str, config: ClientConfig, options: ClientOptions) -> Result<Self> {
        let (host, port) = host_and_port(url)?;
        let stream =
            tokio::time::timeout(options.connect_timeout, TcpStream::connect((host, port)))
                .await
                .map_err(|_| Error::Channel(crate::Error::Timeout("TCP connect")))??;
        let (peer, local) = connection::addresses(&stream)?;
        let channel = ClientChannel::new(config, now(), SystemTime::now())?;
        let (commands, receiver) = mpsc::channel(COMMAND_QUEUE);
        let (opened, on_open) = oneshot::channel();
        let shared = Arc::new(Shared::default());
        let mut side = ClientSide {
            commands: receiver,
            pending: HashMap::new(),
            deadlines: BTreeSet::new(),
            renewals: Vec::new(),
            closers: Vec::new(),
            opened: Some((opened, peer, local)),
            shared: Arc::clone(&shared),
        };
        tokio::spawn(async move {
            let mut channel = channel;
            connection::run(stream, &mut channel, &mut side).await;
            side.finish();
        });
        let info = match on_open.await {
            Ok(result) => result?,
            Err(_) => return Err(shared.end().unwrap_or(Error::Closed)),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                commands,
                info,
                shared,
                options,
                next_handle: AtomicU32::new(1),
            }),
        })
    }

    /// Sends a request body (the service request's encoded NodeId and
    /// fields) and waits for the response body, at most the
    /// [`request_timeout`](ClientOptions::request_timeout).
    ///
    /// A ServiceFault answer is [`Error::ServiceFault`] with its
    /// ServiceResult; no answer in time is [`Error::Timeout`] (the channel
    /// stays open); a body over the server's limits is
    /// [`Error::Channel`] with `BadRequestTooLarge` (the channel stays
    /// open); the end of the channel is the error it ended with.
    pub async fn call(&self, body: impl Into<Bytes>) -> Result<Bytes> {
        self.call_with_timeout(body, self.inner.options.request_timeout)
            .await
    }

    /// [`call`](Self::call) with its own timeout.
    pub async fn call_with_timeout(
        &self,
        body: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<Bytes> {
        let deadline = now() + timeout;
        let (reply, response) = oneshot::channel();
        let command = Command::Call {
            body: body.into(),
            deadline,
            reply,
        };
        let exchange = async {
            self.send(command).await?;
            response.await.map_err(|_| self.end_error())?
        };
        tokio::time::timeout_at(deadline.into(), exchange)
            .await
            .unwrap_or(Err(Error::Timeout))
    }

    /// Renews the security token now and waits for the new one; returns
    /// its TokenId. While a renewal is in flight, waits for that one.
    pub async fn renew(&self) -> Result<u32> {
        self.renewal(true).await
    }

    /// Waits for the next token renewal, which the channel starts by itself
    /// at 75 % of the token lifetime; returns the new TokenId.
    pub async fn renewed(&self) -> Result<u32> {
        self.renewal(false).await
    }

    async fn renewal(&self, force: bool) -> Result<u32> {
        let (reply, renewed) = oneshot::channel();
        self.send(Command::Renew { force, reply }).await?;
        renewed.await.map_err(|_| self.end_error())?
    }

    /// Closes the channel: sends CloseSecureChannel (OPC 10000-6 §6.7.5)
    /// and waits until it is written. Requests still waiting fail with
    /// [`Error::Closed`]. `Ok` also when the channel was closed before;
    /// the error it ended with otherwise.
    pub async fn close(&self) -> Result<()> {
        let (reply, closed) = oneshot::channel();
        if self.send(Command::Close { reply }).await.is_ok() {
            let _ = closed.await;
        }
        match self.inner.shared.end() {
            None | Some(Error::Closed) => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Whether the channel has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.commands.is_closed() || self.inner.shared.end().is_some()
    }

    /// The channel as it was when it opened.
    pub fn info(&self) -> &ChannelInfo {
        &self.inner.info
    }

    /// The current security token.
    pub fn token(&self) -> Option<TokenInfo> {
        *self
            .inner
            .shared
            .token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh RequestHandle for a request header: 1, 2, 3, … per channel.
    pub fn next_request_handle(&self) -> u32 {
        self.inner.next_handle.fetch_add(1, Ordering::Relaxed)
    }

    async fn send(&self, command: Command) -> Result<()> {
        self.inner
            .commands
            .send(command)
            .await
            .map_err(|_| self.end_error())
    }

    fn end_error(&self) -> Error {
        self.inner.shared.end().unwrap_or(Error::Closed)
    }
}

/// A request waiting for its response.
#[derive(Debug)]
struct Pending {
    deadline: Instant,
    reply: oneshot::Sender<Result<Bytes>>,
}

/// The client's part of the connection loop.
struct ClientSide {
    commands: mpsc::Receiver<Command>,
    pending: HashMap<u32, Pending>,
    deadlines: BTreeSet<(Instant, u32)>,
    renewals: Vec<oneshot::Sender<Result<u32>>>,
    closers: Vec<oneshot::Sender<()>>,
    opened: Option<(oneshot::Sender<Result<ChannelInfo>>, SocketAddr, SocketAddr)>,
    shared: Arc<Shared>,
}

impl ClientSide {
    fn answer(&mut self, request_id: u32, response: Result<Bytes>) {
        if let Some(p) = self.pending.remove(&request_id) {
            self.deadlines.remove(&(p.deadline, request_id));
            let _ = p.reply.send(response);
        }
        // Otherwise a late answer to a request that timed out: dropped.
    }

    /// The channel ended with `error`: everyone waiting hears it.
    fn fail_all(&mut self, error: Error) {
        let error = self.shared.set_end(error);
        if let Some((opened, ..)) = self.opened.take() {
            let _ = opened.send(Err(error.clone()));
        }
        for (_, p) in self.pending.drain() {
            let _ = p.reply.send(Err(error.clone()));
        }
        self.deadlines.clear();
        for r in self.renewals.drain(..) {
            let _ = r.send(Err(error.clone()));
        }
    }

    /// The connection task ends.
    fn finish(&mut self) {
        self.fail_all(Error::Closed);
        self.commands.close();
        for c in self.closers.drain(..) {
            let _ = c.send(());
        }
    }
}

impl Side for ClientSide {
    type Channel = ClientChannel;
    type Input = Command;

    fn on_event(&mut self, channel: &mut ClientChannel, event: Event, _now: Instant) {
        match event {
            Event::Opened { .. } => {
                self.shared.set_token(channel.token());
                if let Some((opened, peer, local)) = self.opened.take() {
                    let _ = opened.send(Ok(ChannelInfo::of(channel, peer, local)));
                }
            }
            Event::Message { request_id, body } => {
                let response = match fault_code(&body) {
                    Ok(None) => Ok(Bytes::from(body)),
                    Ok(Some(code)) => Err(Error::ServiceFault { code }),
                    Err(e) => Err(Error::Channel(e)),
                };
                self.answer(request_id, response);
            }
            Event::Aborted { request_id, code } => {
                self.answer(request_id, Err(Error::Aborted { code }));
            }
            Event::TokenRenewed { token_id } => {
                self.shared.set_token(channel.token());
                for r in self.renewals.drain(..) {
                    let _ = r.send(Ok(token_id));
                }
            }
            Event::Closed { error } => {
                self.fail_all(error.map_or(Error::Closed, Error::Channel));
            }
        }
    }

    async fn next_input(&mut self) -> Option<Command> {
        self.commands.recv().await
    }

    fn on_input(&mut self, channel: &mut ClientChannel, command: Command, now: Instant) {
        match command {
            Command::Call {
                body,
                deadline,
                reply,
            } => {
                if reply.is_closed() {
                    return; // the caller gave up while the call was queued
                }
                if deadline <= now {
                    let _ = reply.send(Err(Error::Timeout));
                    return;
                }
                match channel.send_request(&body) {
                    Ok(request_id) => {
                        self.deadlines.insert((deadline, request_id));
                        self.pending.insert(request_id, Pending { deadline, reply });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(Error::Channel(e)));
                    }
                }
            }
            Command::Renew { force, reply } => {
                if force && let Err(e) = channel.renew(now) {
                    let _ = reply.send(Err(Error::Channel(e)));
                    return;
                }
                self.renewals.push(reply);
            }
            Command::Close { reply } => {
                channel.close(StatusCode::GOOD);
                self.closers.push(reply);
            }
        }
    }

    fn on_inputs_ended(&mut self, channel: &mut ClientChannel, _now: Instant) {
        // Every handle is gone: nobody can send or wait any more.
        channel.close(StatusCode::GOOD);
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(d, _)| *d)
    }

    fn on_deadline(&mut self, now: Instant) {
        while let Some(&(deadline, request_id)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(p) = self.pending.remove(&request_id) {
                let _ = p.reply.send(Err(Error::Timeout));
            }
        }
    }

    fn on_io_error(&mut self, error: io::Error) {
        self.fail_all(Error::from(error));
    }
}
