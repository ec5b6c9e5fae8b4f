//! The client end of a secure channel (OPC 10000-6 §6.7.4, §7.1;
//! OPC 10000-4 §5.6.2).

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand_core::CryptoRng;

use super::core::{CommonState, FrameSink, MAX_CERTIFICATE_SIZE, Received, expect_opn_body_end};
use super::token::{Nonces, Token, TokenInfo};
use super::{ByteBudget, ClientConfig, Event, Reassembler, endpoint_host, os_rng};
use crate::cert::{ValidationContext, leaf, thumbprint};
use crate::chunk::{ChunkHeaders, Framer, MessageType, SecurityHeader, SendLimits};
use crate::codec::{ByteString, DateTime, DecodeLimits, Reader, RequestHeader};
use crate::messages::{
    CloseSecureChannelRequest, Message, OpenSecureChannelRequest, OpenSecureChannelResponse,
    SecurityTokenRequestType, ServiceFault, decode_message, peek_type_id,
};
use crate::policy::{KeyExchange, PeerKey, Role};
use crate::uacp::{Hello, ReverseHello, UacpMessage, check_acknowledge};
use crate::{Error, Result, StatusCode};

/// Where a client channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// The request's signature, which the response of the first exchange
    /// under a SecureChannelEnhancements policy is signed over too.
    signature: Vec<u8>,
}

/// The client end of a secure channel, driven by its caller (see the
/// [module docs](super#call-discipline) for the order of calls).
///
/// The channel renews its token by itself at 75 % of the lifetime, or when
/// [`renew`](Self::renew) asks. Nothing here reads a clock, opens a socket
/// or spawns a thread. The getters of [`CommonState`] (certificates,
/// nonces, token, limits) are reached through `Deref`.
#[derive(Debug)]
pub struct ClientChannel {
    config: ClientConfig,
    common: CommonState,
    state: ClientState,
    hello: Hello,
    started: (Instant, SystemTime),
    /// When the first token was issued, on the wall clock.
    opened_at: Option<SystemTime>,
    deadline: Option<Instant>,
    pending: Option<PendingOpen>,
    server_key: Option<Box<dyn PeerKey>>,
    next_request_id: u32,
    reverse_hello: Option<ReverseHello>,
}

impl Deref for ClientChannel {
    type Target = CommonState;

    fn deref(&self) -> &CommonState {
        &self.common
    }
}

impl ClientChannel {
    /// Starts a channel with randomness from the operating system: checks
    /// the configuration and the server's certificate (with the host of the
    /// EndpointUrl), and queues the Hello. `now` and `utc` are the same
    /// moment on the caller's monotonic and wall clocks.
    pub fn new(config: ClientConfig, now: Instant, utc: SystemTime) -> Result<Self> {
        Self::with_rng(config, os_rng(), now, utc)
    }

    /// As [`new`](Self::new), with randomness (nonces, padding) from `rng`:
    /// for deterministic tests.
    pub fn with_rng(
        config: ClientConfig,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        let mut channel = Self::prepare(config, rng, now, utc)?;
        let hello = UacpMessage::Hello(channel.hello.clone());
        channel.common.send_uacp(&hello)?;
        Ok(channel)
    }

    /// Starts a channel on a connection the server opened (ReverseConnect,
    /// OPC 10000-6 §7.1.3): nothing is sent until the server's ReverseHello
    /// arrives; its EndpointUrl must be the configured one, and then the
    /// Hello goes out.
    pub fn new_reverse(config: ClientConfig, now: Instant, utc: SystemTime) -> Result<Self> {
        Self::reverse_with_rng(config, os_rng(), now, utc)
    }

    /// As [`new_reverse`](Self::new_reverse), with randomness from `rng`.
    pub fn reverse_with_rng(
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
        config.validate()?;
        let descriptor = *config.policy.descriptor();
        let none = descriptor.is_none();
        let server_key = match (&config.server_certificate, none) {
            (_, true) => None,
            (None, false) => return Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID)),
            (Some(chain), false) => {
                validate_server(&config, chain, utc, None)?;
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
        let hello = config
            .receive
            .announce(&config.connection)
            .hello(config.endpoint_url.as_str());
        let reassembler = Reassembler::new(config.receive, ByteBudget::new(usize::MAX));
        let framer = Framer::new(config.connection.receive_buffer_size);
        let mut common = CommonState::new(rng, reassembler, framer, false);
        common.set_security(
            Arc::clone(&config.policy),
            config.mode,
            config.first_sequence_number,
        );
        common.identity = config.identity.clone().filter(|_| !none);
        Ok(ClientChannel {
            deadline: Some(now + config.timeouts.handshake),
            config,
            common,
            state: ClientState::AwaitAcknowledge,
            hello,
            started: (now, utc),
            opened_at: None,
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

    /// Bytes received from the server, in any pieces.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.feed(now, bytes);
    }

    /// The server closed its end of the connection. Unless the channel
    /// had already ended, it ends with [`Error::ConnectionClosed`].
    pub fn handle_eof(&mut self, _now: Instant) {
        if self.state != ClientState::Closed {
            self.state = ClientState::Closed;
            self.pending = None;
            self.common.end(Some(Error::ConnectionClosed));
        }
    }

    /// Starts a token renewal now, before the 75 % mark: an
    /// OpenSecureChannel Renew request is queued, and a `TokenRenewed`
    /// event follows its response. Nothing happens while a renewal is
    /// already on its way. `BadSecureChannelClosed` unless the channel is
    /// open.
    pub fn renew(&mut self, now: Instant) -> Result<()> {
        if self.state != ClientState::Open {
            return Err(Error::SecureChannelClosed);
        }
        if self.pending.is_some() {
            return Ok(());
        }
        let sent = self.send_open(now, true);
        if let Err(e) = &sent {
            self.fail(e);
        }
        sent
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
        let policy = Arc::clone(self.common.policy_or_closed()?);
        if renew && let Some(chain) = &self.config.server_certificate {
            // The server's certificate is validated again before every
            // renewal: trust-list and revocation changes apply from the
            // next token on; validity periods are checked as of the
            // opening, so a certificate expiring mid-channel does not end
            // it.
            validate_server(&self.config, chain, self.utc(now), self.opened_at)?;
        }
        let previous = self.common.tokens.latest_chaining().cloned();
        let exchange = policy.start_key_exchange(
            self.config.mode,
            &mut *self.common.rng,
            previous.as_ref(),
        )?;
        let request_id = self.take_request_id();
        let negotiated = self.common.negotiated.ok_or(Error::SecureChannelClosed)?;
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
        let identity = self.common.identity.clone();
        let own = identity.as_ref().map(|i| (&*i.certificate, &*i.key));
        let server_certificate = self.config.server_certificate.clone();
        let peer = server_certificate
            .as_deref()
            .and_then(|c| leaf(c).ok())
            .zip(self.server_key.as_deref());
        let signature = self.common.send_opn(request_id, &request, own, peer, &[])?;
        self.pending = Some(PendingOpen {
            request_id,
            exchange,
            renew,
            signature,
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
        let sent_chain = security.sender_certificate;
        if !descriptor.is_none() {
            // The response must come from the server we chose, and be meant
            // for our certificate.
            let expected = self
                .config
                .server_certificate
                .as_deref()
                .map(leaf)
                .transpose()?;
            let sent = sent_chain.map(leaf).transpose()?;
            let ours = self.config.identity.as_ref().map(|i| leaf(&i.certificate));
            let ours = ours.transpose()?.map(thumbprint);
            if sent.is_none() || sent != expected {
                return Err(Error::SecurityChecksFailed);
            }
            if security.receiver_certificate_thumbprint != ours.as_ref().map(|t| &t[..]) {
                return Err(Error::SecurityChecksFailed);
            }
        }
        // SecureChannelEnhancements: the first response is signed over our
        // request's signature too; renewals are signed plainly.
        let enhanced = descriptor.secure_channel_enhancements && !pending.renew;
        let suffix = if enhanced {
            &pending.signature[..]
        } else {
            &[]
        };
        let identity = self.common.identity.clone();
        let opened = self.common.receive_opn(
            chunk,
            identity.as_ref().map(|i| &*i.key),
            self.server_key.as_deref(),
            suffix,
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
                reason: "ServiceFault".into(),
            });
        }
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let response: OpenSecureChannelResponse = decode_message(&mut r)?;
        expect_opn_body_end(&r, &descriptor, "OpenSecureChannelResponse")?;
        let negotiated = self.common.negotiated.ok_or(Error::SecureChannelClosed)?;
        if response.server_protocol_version != negotiated.protocol_version {
            return Err(Error::ProtocolVersionUnsupported(
                response.server_protocol_version,
            ));
        }
        let result = response.response_header.service_result;
        if result.is_bad() {
            return Err(Error::Peer {
                code: result,
                reason: "OpenSecureChannel ServiceResult".into(),
            });
        }
        let token = response.security_token;
        // The chunk header and the token name the same channel, and a
        // renewal keeps it (OPC 10000-6 §6.7.4).
        let header_id = headers.message.secure_channel_id;
        if token.channel_id == 0
            || token.channel_id != header_id
            || (pending.renew && token.channel_id != self.common.channel_id)
        {
            return Err(Error::SecureChannelIdInvalid);
        }
        // A token that expires at once would be renewed in a loop.
        if token.revised_lifetime == 0 {
            return Err(Error::Decoding("RevisedLifetime of 0"));
        }
        let nonce = response.server_nonce.as_bytes().unwrap_or_default();
        let nonces = Nonces::new(pending.exchange.local_nonce(), nonce);
        let keys = pending.exchange.complete(Role::Client, nonce)?;
        self.common.channel_id = token.channel_id;
        if !pending.renew {
            self.common.peer_chain = sent_chain.map(<[u8]>::to_vec);
            self.opened_at = Some(self.utc(now));
            if enhanced {
                let thumbprint = opened.plaintext.get(opened.signature.clone());
                self.common.channel_thumbprint = thumbprint.map(<[u8]>::to_vec);
            }
        }
        self.common.tokens.client_activate(Token::new(
            TokenInfo {
                id: token.token_id,
                created: now,
                created_at: token.created_at,
                revised_lifetime: Duration::from_millis(u64::from(token.revised_lifetime)),
            },
            keys,
            nonces,
        ));
        self.common.events.push_back(if pending.renew {
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
        self.common
            .send_message(MessageType::Message, request_id, body)?;
        Ok(request_id)
    }

    /// Abandons a request whose chunks were partly sent: queues an abort
    /// chunk so that the server drops what it received (OPC 10000-6 §6.7.3).
    pub fn abort_request(&mut self, request_id: u32, code: StatusCode) -> Result<()> {
        if self.state != ClientState::Open {
            return Err(Error::SecureChannelClosed);
        }
        self.common.send_abort(request_id, code)
    }

    /// Closes the channel: queues a CloseSecureChannel request when open
    /// (OPC 10000-4 §5.6.3) and ends with a `Closed` event that carries no
    /// error. `code` says why, for symmetry with
    /// [`ServerChannel::close`](super::ServerChannel::close); a
    /// CloseSecureChannel request carries no code, so it is not sent.
    pub fn close(&mut self, code: StatusCode) {
        let _ = code;
        if self.state == ClientState::Open {
            let request_id = self.take_request_id();
            let mut body = Vec::new();
            let close = CloseSecureChannelRequest::default();
            let sent =
                crate::messages::encode_message(&close, &mut crate::codec::Writer::new(&mut body))
                    .and_then(|()| {
                        self.common
                            .send_message(MessageType::Close, request_id, &body)
                    });
            if let Err(e) = sent {
                return self.fail(&e);
            }
        }
        self.state = ClientState::Closed;
        self.pending = None;
        self.common.end(None);
    }

    /// Time has reached `now`: renews the token when 75 % of its lifetime
    /// has passed, or earlier when its sequence numbers run low under an
    /// AEAD policy (see the [module docs](super#sequence-numbers-and-aead-nonces)),
    /// drops expired tokens, and ends a handshake or renewal that took too
    /// long.
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
        if !self.common.tokens.expire(now) {
            return self.fail(&Error::Timeout("security token expired"));
        }
        let renew_due = self
            .common
            .tokens
            .current
            .as_ref()
            .is_some_and(|t| now >= t.renew_at())
            || self.sequence_renewal_due();
        if renew_due
            && self.pending.is_none()
            && let Err(e) = self.send_open(now, true)
        {
            self.fail(&e);
        }
    }

    /// Whether the current token's sequence numbers run low under an AEAD
    /// policy, with no renewal on its way.
    fn sequence_renewal_due(&self) -> bool {
        self.pending.is_none()
            && self
                .common
                .policy
                .as_ref()
                .is_some_and(|p| p.descriptor().aead)
            && self.common.tokens.sequence_running_low()
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be
    /// called at, if any (one already past when a renewal is due at once).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ClientState::Closed {
            return None;
        }
        if self.state == ClientState::Open && self.sequence_renewal_due() {
            return self.common.tokens.current.as_ref().map(|t| t.info.created);
        }
        let tokens = match (&self.pending, &self.common.tokens.current) {
            // A renewal is on its way: wait for the current token's end.
            (Some(_), Some(t)) => Some(t.grace_end()),
            _ => self.common.tokens.next_deadline(),
        };
        self.deadline.into_iter().chain(tokens).min()
    }

    /// Appends the bytes to send to `buf`; returns whether there were any.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> bool {
        self.common.transmit(buf)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.common.events.pop_front()
    }
}

/// A duration in whole milliseconds, saturating at `u32::MAX`.
pub(crate) fn duration_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

/// Validates the server's certificate `chain` for `config`: with the host
/// of the EndpointUrl (OPC 10000-4 §6.1.3 step "Host Name") and, at a
/// renewal, validity periods as of `opened`.
fn validate_server(
    config: &ClientConfig,
    chain: &[u8],
    utc: SystemTime,
    opened: Option<SystemTime>,
) -> Result<()> {
    config.validator.validate(
        chain,
        &ValidationContext {
            host_name: endpoint_host(&config.endpoint_url),
            suppress_host_name_invalid: config.suppress_host_name_invalid,
            opened,
            ..ValidationContext::new(Role::Server, config.policy.descriptor(), utc)
        },
    )
}

#[cfg(all(test, feature = "cert-generate"))]
impl ClientChannel {
    /// The shared state, for the tests of this crate.
    pub(crate) fn common_mut(&mut self) -> &mut CommonState {
        &mut self.common
    }
}

impl FrameSink for ClientChannel {
    fn common(&mut self) -> &mut CommonState {
        &mut self.common
    }

    fn fail(&mut self, e: &Error) {
        self.state = ClientState::Closed;
        self.pending = None;
        self.common.fail(e, false);
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
                self.common
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
                self.common.negotiated = Some(negotiated);
                self.common.reassembler.tighten(
                    negotiated.local_max_message_size,
                    negotiated.local_max_chunk_count,
                );
                self.common.send_limits =
                    Some(SendLimits::from_negotiated(&negotiated, Role::Client));
                self.state = ClientState::AwaitOpen;
                self.send_open(now, false)
            }
            (ClientState::AwaitOpen | ClientState::Open, MessageType::Open) => {
                self.receive_open(now, frame)
            }
            (ClientState::Open, MessageType::Message) => {
                if let Received::Message { request_id, body } =
                    self.common.receive_symmetric(frame, now)?
                {
                    self.common
                        .events
                        .push_back(Event::Message { request_id, body });
                }
                Ok(())
            }
            _ => Err(Error::TcpMessageTypeInvalid("unexpected message")),
        }
    }
}
