//! The client end of a secure channel (OPC 10000-6 §6.7.4, §7.1;
//! OPC 10000-4 §5.6.2).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand_core::CryptoRng;

use super::ByteBudget;
use super::core::{Core, FrameSink, MAX_CERTIFICATE_SIZE, Received};
use super::token::Token;
use super::{ClientConfig, Event, Reassembler};
use crate::cert::{ValidationContext, leaf, thumbprint};
use crate::chunk::{ChunkHeaders, Framer, MessageType, SecurityHeader, SendLimits};
use crate::codec::{ByteString, DateTime, DecodeLimits, Reader, RequestHeader};
use crate::messages::{
    CloseSecureChannelRequest, Message, MessageSecurityMode, OpenSecureChannelRequest,
    OpenSecureChannelResponse, SecurityTokenRequestType, ServiceFault, decode_message,
    peek_type_id,
};
use crate::policy::{KeyExchange, PeerKey, Role};
use crate::uacp::{Hello, ReverseHello, UacpMessage, check_acknowledge};
use crate::{Error, Result, StatusCode};

/// Where a client channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// Waiting for a server's ReverseHello on a connection the server
    /// opened (OPC 10000-6 §7.1.3).
    AwaitReverseHello,
    /// Hello sent, waiting for the Acknowledge.
    AwaitAcknowledge,
    /// OpenSecureChannel (Issue) sent, waiting for the response.
    AwaitOpen,
    /// Open: requests can be sent.
    Open,
    /// Ended; see the `Closed` event for why.
    Closed,
}

/// An OpenSecureChannel request waiting for its response.
#[derive(Debug)]
struct PendingOpen {
    request_id: u32,
    exchange: Box<dyn KeyExchange>,
    renew: bool,
}

/// The client end of a secure channel, driven by its caller.
///
/// Call discipline (as in quinn-proto): feed received bytes to
/// [`handle_input`](Self::handle_input), send what
/// [`poll_transmit`](Self::poll_transmit) gives, take
/// [`poll_event`](Self::poll_event) until it returns `None`, and call
/// [`handle_timeout`](Self::handle_timeout) when the instant from
/// [`poll_timeout`](Self::poll_timeout) has come. The channel renews its
/// token by itself at 75 % of the lifetime. Nothing here reads a clock,
/// opens a socket or spawns a thread; randomness comes from the RNG given
/// to [`new`](Self::new).
#[derive(Debug)]
pub struct ClientChannel {
    config: ClientConfig,
    framer: Framer,
    core: Core,
    state: ClientState,
    hello: Hello,
    started: (Instant, SystemTime),
    deadline: Option<Instant>,
    pending: Option<PendingOpen>,
    server_key: Option<Box<dyn PeerKey>>,
    next_request_id: u32,
    reverse_hello: Option<ReverseHello>,
}

impl ClientChannel {
    /// Starts a channel: checks the configuration and the server's
    /// certificate, and queues the Hello. `now` and `utc` are the same
    /// moment on the caller's monotonic and wall clocks.
    pub fn new(
        config: ClientConfig,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        let mut channel = Self::prepare(config, rng, now, utc)?;
        let hello = UacpMessage::Hello(channel.hello.clone());
        channel.core.send_uacp(&hello)?;
        Ok(channel)
    }

    /// Starts a channel on a connection the server opened (ReverseConnect,
    /// OPC 10000-6 §7.1.3): nothing is sent until the server's ReverseHello
    /// arrives; its EndpointUrl must be the configured one, and then the
    /// Hello goes out.
    pub fn new_reverse(
        config: ClientConfig,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        let mut channel = Self::prepare(config, rng, now, utc)?;
        channel.state = ClientState::AwaitReverseHello;
        Ok(channel)
    }

    /// The ReverseHello the server sent, on a reverse connection.
    pub fn reverse_hello(&self) -> Option<&ReverseHello> {
        self.reverse_hello.as_ref()
    }

    fn prepare(
        config: ClientConfig,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        let descriptor = *config.policy.descriptor();
        let none = descriptor.is_none();
        if none != (config.mode == MessageSecurityMode::None)
            || config.mode == MessageSecurityMode::Invalid
        {
            return Err(Error::SecurityModeRejected);
        }
        config.connection.validate(false)?;
        let server_key = match (&config.server_certificate, none) {
            (_, true) => None,
            (None, false) => return Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID)),
            (Some(chain), false) => {
                config.validator.validate(
                    chain,
                    &ValidationContext {
                        peer_role: Role::Server,
                        policy: &descriptor,
                        application_uri: None,
                        host_name: None,
                        now: utc,
                    },
                )?;
                Some(config.policy.peer_key(leaf(chain)?)?)
            }
        };
        match (&config.identity, &config.server_certificate) {
            (None, _) if !none => {
                return Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID));
            }
            // A "server" holding our own certificate is a reflection.
            (Some(own), Some(server)) if !none && leaf(&own.certificate)? == leaf(server)? => {
                return Err(Error::SecurityChecksFailed);
            }
            _ => {}
        }
        let hello = config.connection.hello(config.endpoint_url.as_str());
        let reassembler = Reassembler::new(config.receive, ByteBudget::new(usize::MAX));
        let mut core = Core::new(rng, reassembler);
        core.set_security(
            Arc::clone(&config.policy),
            config.mode,
            config.first_sequence_number,
        );
        Ok(ClientChannel {
            framer: Framer::new(config.connection.receive_buffer_size),
            deadline: Some(now + config.timeouts.handshake),
            config,
            core,
            state: ClientState::AwaitAcknowledge,
            hello,
            started: (now, utc),
            pending: None,
            server_key,
            next_request_id: 1,
            reverse_hello: None,
        })
    }

    /// Where the channel is.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// The SecureChannelId (0 until open).
    pub fn channel_id(&self) -> u32 {
        self.core.channel_id
    }

    /// Bytes received from the server, in any pieces.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.feed(now, bytes);
    }

    fn take_request_id(&mut self) -> u32 {
        let id = self.next_request_id;
        self.next_request_id = id.checked_add(1).unwrap_or(1);
        id
    }

    fn utc(&self, now: Instant) -> SystemTime {
        self.started.1 + now.saturating_duration_since(self.started.0)
    }

    fn send_open(&mut self, now: Instant, renew: bool) -> Result<()> {
        let policy = Arc::clone(self.core.policy()?);
        if renew && let Some(chain) = &self.config.server_certificate {
            // The server's certificate is validated again before every
            // renewal: trust-list, revocation and validity changes apply
            // from the next token on.
            self.config.validator.validate(
                chain,
                &ValidationContext {
                    peer_role: Role::Server,
                    policy: policy.descriptor(),
                    application_uri: None,
                    host_name: None,
                    now: self.utc(now),
                },
            )?;
        }
        let previous = self.core.tokens.latest_chaining().cloned();
        let exchange = policy.start_key_exchange(&mut *self.core.rng, previous.as_ref())?;
        let request_id = self.take_request_id();
        let negotiated = self.core.negotiated.ok_or(Error::SecureChannelClosed)?;
        let request = OpenSecureChannelRequest {
            request_header: RequestHeader {
                timestamp: DateTime::from_system_time(self.utc(now)),
                request_handle: request_id,
                timeout_hint: duration_ms(self.config.timeouts.handshake),
                ..RequestHeader::default()
            },
            client_protocol_version: negotiated.protocol_version,
            request_type: if renew {
                SecurityTokenRequestType::Renew
            } else {
                SecurityTokenRequestType::Issue
            },
            security_mode: self.config.mode,
            client_nonce: ByteString::from(exchange.local_nonce()),
            requested_lifetime: self.config.requested_lifetime,
        };
        let identity = self.config.identity.clone();
        let own = identity.as_ref().map(|i| (&*i.certificate, &*i.key));
        let server_certificate = self.config.server_certificate.clone();
        let peer = server_certificate
            .as_deref()
            .and_then(|c| leaf(c).ok())
            .zip(self.server_key.as_deref());
        self.core.send_opn(request_id, &request, own, peer)?;
        self.pending = Some(PendingOpen {
            request_id,
            exchange,
            renew,
        });
        Ok(())
    }

    fn receive_open(&mut self, now: Instant, chunk: &[u8]) -> Result<()> {
        let pending = self
            .pending
            .take()
            .ok_or(Error::TcpMessageTypeInvalid("OPN without a request"))?;
        let descriptor = *self.config.policy.descriptor();
        let headers = ChunkHeaders::parse(chunk, MAX_CERTIFICATE_SIZE)?;
        let SecurityHeader::Asymmetric(security) = headers.security else {
            return Err(Error::TcpMessageTypeInvalid("OPN"));
        };
        if security.security_policy_uri != Some(descriptor.uri) {
            return Err(Error::SecurityPolicyRejected);
        }
        if !descriptor.is_none() {
            // The response must come from the server we chose, and be meant
            // for our certificate.
            let expected = self
                .config
                .server_certificate
                .as_deref()
                .map(leaf)
                .transpose()?;
            let sent = security.sender_certificate.map(leaf).transpose()?;
            let ours = self.config.identity.as_ref().map(|i| leaf(&i.certificate));
            let ours = ours.transpose()?.map(thumbprint);
            if sent.is_none() || sent != expected {
                return Err(Error::SecurityChecksFailed);
            }
            if security.receiver_certificate_thumbprint != ours.as_ref().map(|t| &t[..]) {
                return Err(Error::SecurityChecksFailed);
            }
        }
        let identity = self.config.identity.clone();
        let opened = self.core.receive_opn(
            chunk,
            identity.as_ref().map(|i| &*i.key),
            self.server_key.as_deref(),
        )?;
        if opened.sequence.request_id != pending.request_id {
            return Err(Error::SecurityChecksFailed);
        }
        let body = opened
            .plaintext
            .get(opened.body.clone())
            .ok_or(Error::SecurityChecksFailed)?;
        if peek_type_id(body)?.as_ns0_numeric() == Some(ServiceFault::TYPE_ID) {
            let fault: ServiceFault = decode_message(&mut Reader::new(body))?;
            return Err(Error::Peer {
                code: fault.response_header.service_result,
            });
        }
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let response: OpenSecureChannelResponse = decode_message(&mut r)?;
        r.expect_end("OpenSecureChannelResponse")?;
        let negotiated = self.core.negotiated.ok_or(Error::SecureChannelClosed)?;
        if response.server_protocol_version != negotiated.protocol_version {
            return Err(Error::ProtocolVersionUnsupported(
                response.server_protocol_version,
            ));
        }
        let result = response.response_header.service_result;
        if result.is_bad() {
            return Err(Error::Peer { code: result });
        }
        let token = response.security_token;
        if token.channel_id == 0 || (pending.renew && token.channel_id != self.core.channel_id) {
            return Err(Error::TcpSecureChannelUnknown);
        }
        let nonce = response.server_nonce.as_bytes().unwrap_or_default();
        let keys = pending.exchange.complete(Role::Client, nonce)?;
        self.core.channel_id = token.channel_id;
        self.core.tokens.client_activate(Token {
            id: token.token_id,
            keys,
            created: now,
            lifetime: Duration::from_millis(u64::from(token.revised_lifetime.max(1))),
        });
        self.core.events.push_back(if pending.renew {
            Event::TokenRenewed {
                token_id: token.token_id,
            }
        } else {
            Event::Opened {
                channel_id: token.channel_id,
                token_id: token.token_id,
            }
        });
        self.state = ClientState::Open;
        self.deadline = None;
        Ok(())
    }

    /// Sends a request body (a service request's encoded NodeId and fields)
    /// and returns its RequestId, which the `Message` event of its response
    /// carries. A body over the server's limits is `BadRequestTooLarge` and
    /// leaves the channel open.
    pub fn send_request(&mut self, body: &[u8]) -> Result<u32> {
        if self.state != ClientState::Open {
            return Err(Error::SecureChannelClosed);
        }
        let request_id = self.take_request_id();
        self.core
            .send_message(MessageType::Message, request_id, body)?;
        Ok(request_id)
    }

    /// Abandons a request whose chunks were partly sent: queues an abort
    /// chunk so that the server drops what it received (OPC 10000-6 §6.7.3).
    pub fn abort_request(&mut self, request_id: u32, code: StatusCode) -> Result<()> {
        if self.state != ClientState::Open {
            return Err(Error::SecureChannelClosed);
        }
        self.core.send_abort(request_id, code)
    }

    /// Closes the channel: queues a CloseSecureChannel request (when open)
    /// and ends with `Good`.
    pub fn close(&mut self) {
        if self.state == ClientState::Open {
            let request_id = self.take_request_id();
            let mut body = Vec::new();
            let close = CloseSecureChannelRequest::default();
            let sent =
                crate::messages::encode_message(&close, &mut crate::codec::Writer::new(&mut body))
                    .and_then(|()| {
                        self.core
                            .send_message(MessageType::Close, request_id, &body)
                    });
            if let Err(e) = sent {
                return self.fail(&e);
            }
        }
        self.state = ClientState::Closed;
        self.core.close(StatusCode::GOOD);
    }

    /// Time has reached `now`: renews the token when 75 % of its lifetime
    /// has passed, drops expired tokens, and ends a handshake or renewal
    /// that took too long.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == ClientState::Closed {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            return self.fail(&Error::Timeout("handshake"));
        }
        if self.state != ClientState::Open {
            return;
        }
        if !self.core.tokens.expire(now, false) {
            return self.fail(&Error::Timeout("security token expired"));
        }
        let renew_due = self
            .core
            .tokens
            .current
            .as_ref()
            .is_some_and(|t| now >= t.renew_at());
        if renew_due
            && self.pending.is_none()
            && let Err(e) = self.send_open(now, true)
        {
            self.fail(&e);
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be
    /// called at, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ClientState::Closed {
            return None;
        }
        let tokens = match (&self.pending, &self.core.tokens.current) {
            // A renewal is on its way: wait for the current token's end.
            (Some(_), Some(t)) => Some(t.grace_end()),
            _ => self.core.tokens.next_deadline(false),
        };
        self.deadline.into_iter().chain(tokens).min()
    }

    /// Appends the bytes to send to `buf`; returns whether there were any.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> bool {
        self.core.transmit(buf)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop_front()
    }
}

/// A duration in whole milliseconds, saturating at `u32::MAX`.
pub(crate) fn duration_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

impl FrameSink for ClientChannel {
    fn framing(&mut self) -> (&mut Framer, &mut Vec<u8>) {
        (&mut self.framer, &mut self.core.scratch)
    }

    fn is_closed(&self) -> bool {
        self.state == ClientState::Closed
    }

    fn fail(&mut self, e: &Error) {
        self.state = ClientState::Closed;
        self.pending = None;
        self.core.fail(e, false);
    }

    fn handle_frame(
        &mut self,
        now: Instant,
        message_type: MessageType,
        frame: &mut [u8],
    ) -> Result<()> {
        match (self.state, message_type) {
            (_, MessageType::Error) => {
                match UacpMessage::decode_frame(frame, DecodeLimits::DEFAULT)? {
                    UacpMessage::Error(e) => Err(e.to_error()),
                    _ => Err(Error::TcpMessageTypeInvalid("ERR")),
                }
            }
            (ClientState::AwaitReverseHello, MessageType::ReverseHello) => {
                let UacpMessage::ReverseHello(rhe) =
                    UacpMessage::decode_frame(frame, DecodeLimits::DEFAULT)?
                else {
                    return Err(Error::TcpMessageTypeInvalid("RHE"));
                };
                let url = rhe.endpoint_url.as_str().unwrap_or_default();
                if url != self.config.endpoint_url {
                    return Err(Error::TcpEndpointUrlInvalid(url.len()));
                }
                self.reverse_hello = Some(rhe);
                self.core
                    .send_uacp(&UacpMessage::Hello(self.hello.clone()))?;
                self.state = ClientState::AwaitAcknowledge;
                Ok(())
            }
            (ClientState::AwaitAcknowledge, MessageType::Acknowledge) => {
                let UacpMessage::Acknowledge(ack) =
                    UacpMessage::decode_frame(frame, DecodeLimits::DEFAULT)?
                else {
                    return Err(Error::TcpMessageTypeInvalid("ACK"));
                };
                let negotiated = check_acknowledge(&self.hello, &ack)?;
                self.framer
                    .set_max_frame_size(negotiated.receive_buffer_size);
                self.core.negotiated = Some(negotiated);
                self.core.reassembler.tighten(
                    negotiated.local_max_message_size,
                    negotiated.local_max_chunk_count,
                );
                self.core.send_limits =
                    Some(SendLimits::from_negotiated(&negotiated, Role::Client));
                self.state = ClientState::AwaitOpen;
                self.send_open(now, false)
            }
            (ClientState::AwaitOpen | ClientState::Open, MessageType::Open) => {
                self.receive_open(now, frame)
            }
            (ClientState::Open, MessageType::Message) => {
                if let Received::Message { request_id, body } =
                    self.core.receive_symmetric(frame, now)?
                {
                    self.core
                        .events
                        .push_back(Event::Message { request_id, body });
                }
                Ok(())
            }
            _ => Err(Error::TcpMessageTypeInvalid("unexpected message")),
        }
    }
}
