//! The server end of a secure channel (OPC 10000-6 §6.7.4, §6.7.6, §7.1;
//! OPC 10000-4 §5.6.2).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand_core::CryptoRng;

use super::core::{Core, FrameSink, MAX_CERTIFICATE_SIZE, Received};
use super::token::Token;
use super::{ByteBudget, Event, Reassembler, ServerConfig};
use crate::cert::{ValidationContext, leaf, thumbprint};
use crate::chunk::{ChunkHeaders, Framer, MessageType, SecurityHeader, SendLimits};
use crate::codec::{ByteString, DateTime, DecodeLimits, Reader, ResponseHeader};
use crate::messages::ChannelSecurityToken;
use crate::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, OpenSecureChannelResponse,
    SecurityTokenRequestType, decode_message,
};
use crate::policy::{PeerKey, Role, SecurityPolicy};
use crate::uacp::{ReverseHello, UacpMessage, acknowledge};
use crate::{Error, Result, StatusCode};

/// Where a server channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Waiting for the Hello.
    AwaitHello,
    /// Acknowledge sent, waiting for OpenSecureChannel (Issue).
    AwaitOpen,
    /// Open: requests arrive as `Message` events.
    Open,
    /// Ended; see the `Closed` event for why.
    Closed,
}

/// The server end of a secure channel, one per accepted connection, driven
/// by its caller with the same call discipline as
/// [`ClientChannel`](super::ClientChannel).
///
/// Every failure that ends the channel queues an ERR message for the peer
/// first, with a StatusCode that leaks nothing about trust lists
/// (certificate failures other than the three OPC 10000-4 lets pass are
/// sent as `BadSecurityChecksFailed`); the `Closed` event carries the
/// precise code.
#[derive(Debug)]
pub struct ServerChannel {
    config: Arc<ServerConfig>,
    framer: Framer,
    core: Core,
    state: ServerState,
    started: (Instant, SystemTime),
    deadline: Option<Instant>,
    client_certificate: Option<Vec<u8>>,
    client_key: Option<Box<dyn PeerKey>>,
    next_token_id: u32,
}

impl ServerChannel {
    /// A channel for a new connection. Its SecureChannelId is drawn from
    /// `rng`; `budget` is shared by all channels of the server. `now` and
    /// `utc` are the same moment on the caller's monotonic and wall clocks.
    pub fn new(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        mut rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Self {
        let mut channel_id = 0;
        while channel_id == 0 {
            channel_id = rng.next_u32();
        }
        let mut core = Core::new(rng, Reassembler::new(config.receive, budget));
        core.channel_id = channel_id;
        ServerChannel {
            framer: Framer::new(config.connection.receive_buffer_size),
            deadline: Some(now + config.timeouts.handshake),
            config,
            core,
            state: ServerState::AwaitHello,
            started: (now, utc),
            client_certificate: None,
            client_key: None,
            next_token_id: 1,
        }
    }

    /// Where the channel is.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// A channel on a connection the server opened to a client
    /// (ReverseConnect, OPC 10000-6 §7.1.3): queues a ReverseHello naming
    /// this server and the endpoint, then proceeds as [`new`](Self::new).
    pub fn new_reverse(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
        reverse_hello: &ReverseHello,
    ) -> Result<Self> {
        let mut channel = Self::new(config, budget, rng, now, utc);
        channel
            .core
            .send_uacp(&UacpMessage::ReverseHello(reverse_hello.clone()))?;
        Ok(channel)
    }

    /// The SecureChannelId.
    pub fn channel_id(&self) -> u32 {
        self.core.channel_id
    }

    /// The policy the client chose, once it has.
    pub fn policy(&self) -> Option<&Arc<dyn SecurityPolicy>> {
        self.core.policy.as_ref()
    }

    /// The security mode the client chose.
    pub fn mode(&self) -> MessageSecurityMode {
        self.core.mode
    }

    /// Bytes held in partly received messages on this channel.
    pub fn buffered(&self) -> usize {
        self.core.reassembler.buffered()
    }

    /// Bytes received from the client, in any pieces.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.feed(now, bytes);
    }

    fn utc(&self, now: Instant) -> SystemTime {
        self.started.1 + now.saturating_duration_since(self.started.0)
    }

    /// Checks an OPN chunk's security header and the client's certificate
    /// (OPC 10000-6 §6.7.4, §6.7.6); returns the policy.
    fn check_open_header(
        &mut self,
        chunk: &[u8],
        renew: bool,
        now: Instant,
    ) -> Result<Arc<dyn SecurityPolicy>> {
        let headers = ChunkHeaders::parse(chunk, MAX_CERTIFICATE_SIZE)?;
        let SecurityHeader::Asymmetric(security) = headers.security else {
            return Err(Error::TcpMessageTypeInvalid("OPN"));
        };
        if renew && headers.message.secure_channel_id != self.core.channel_id {
            return Err(Error::TcpSecureChannelUnknown);
        }
        let uri = security.security_policy_uri.unwrap_or_default();
        let policy = self
            .config
            .policies
            .iter()
            .find(|p| p.descriptor().uri == uri)
            .cloned()
            .ok_or(Error::SecurityPolicyRejected)?;
        if renew
            && self
                .core
                .policy
                .as_ref()
                .is_none_or(|p| p.descriptor().uri != uri)
        {
            return Err(Error::SecurityPolicyRejected);
        }
        let descriptor = *policy.descriptor();
        if descriptor.is_none() {
            if !self.config.security.allows(MessageSecurityMode::None) {
                return Err(Error::SecurityPolicyRejected);
            }
            return Ok(policy);
        }
        // A secured policy needs Sign or SignAndEncrypt: refuse it before
        // any RSA work when the endpoint allows neither.
        if !self.config.security.allows(MessageSecurityMode::Sign)
            && !self
                .config
                .security
                .allows(MessageSecurityMode::SignAndEncrypt)
        {
            return Err(Error::SecurityPolicyRejected);
        }
        let identity = self
            .config
            .identity
            .as_ref()
            .ok_or(Error::SecurityPolicyRejected)?;
        let own_leaf = leaf(&identity.certificate)?;
        // The chunk must be meant for our certificate.
        let ours = thumbprint(own_leaf);
        if security.receiver_certificate_thumbprint != Some(&ours[..]) {
            return Err(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID));
        }
        let chain = security
            .sender_certificate
            .ok_or(Error::Certificate(StatusCode::BAD_CERTIFICATE_INVALID))?;
        let client_leaf = leaf(chain)?;
        // Our own certificate coming back is a reflection, not a client.
        if client_leaf == own_leaf {
            return Err(Error::SecurityChecksFailed);
        }
        if renew && self.client_certificate.as_deref() != Some(client_leaf) {
            return Err(Error::SecurityChecksFailed);
        }
        // Validated again on every renewal: a certificate revoked, expired
        // or removed from the trust list since the channel opened ends it
        // at its next renewal, while the open token keeps working until
        // then.
        self.config.validator.validate(
            chain,
            &ValidationContext {
                peer_role: Role::Client,
                policy: &descriptor,
                application_uri: None,
                host_name: None,
                now: self.utc(now),
            },
        )?;
        if !renew {
            self.client_key = Some(policy.peer_key(client_leaf)?);
            self.client_certificate = Some(client_leaf.to_vec());
        }
        Ok(policy)
    }

    fn receive_open(&mut self, now: Instant, chunk: &[u8]) -> Result<()> {
        let renew = self.state == ServerState::Open;
        let policy = self.check_open_header(chunk, renew, now)?;
        if !renew {
            self.core.set_security(
                Arc::clone(&policy),
                MessageSecurityMode::Invalid,
                self.config.first_sequence_number,
            );
        }
        let identity = self.config.identity.clone();
        let opened = self.core.receive_opn(
            chunk,
            identity.as_ref().map(|i| &*i.key),
            self.client_key.as_deref(),
        )?;
        let body = opened
            .plaintext
            .get(opened.body.clone())
            .ok_or(Error::SecurityChecksFailed)?;
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let request: OpenSecureChannelRequest = decode_message(&mut r)?;
        r.expect_end("OpenSecureChannelRequest")?;
        let expected_type = if renew {
            SecurityTokenRequestType::Renew
        } else {
            SecurityTokenRequestType::Issue
        };
        if request.request_type != expected_type {
            return Err(Error::RequestTypeInvalid);
        }
        let negotiated = self.core.negotiated.ok_or(Error::SecureChannelClosed)?;
        if request.client_protocol_version != negotiated.protocol_version {
            return Err(Error::ProtocolVersionUnsupported(
                request.client_protocol_version,
            ));
        }
        let mode = request.security_mode;
        let none = policy.descriptor().is_none();
        if none != (mode == MessageSecurityMode::None)
            || !self.config.security.allows(mode)
            || (renew && mode != self.core.mode)
        {
            return Err(Error::SecurityModeRejected);
        }
        self.core.mode = mode;

        let previous = if renew {
            self.core.tokens.latest_chaining().cloned()
        } else {
            None
        };
        let exchange = policy.start_key_exchange(&mut *self.core.rng, previous.as_ref())?;
        let server_nonce = ByteString::from(exchange.local_nonce());
        let client_nonce = request.client_nonce.as_bytes().unwrap_or_default();
        let keys = exchange.complete(Role::Server, client_nonce)?;
        let (min, max) = self.config.lifetime_bounds;
        let lifetime = request.requested_lifetime.clamp(min, max.max(min));
        let token_id = self.next_token_id;
        self.next_token_id = token_id.checked_add(1).unwrap_or(1);
        let response = OpenSecureChannelResponse {
            response_header: ResponseHeader {
                timestamp: DateTime::from_system_time(self.utc(now)),
                request_handle: request.request_header.request_handle,
                service_result: StatusCode::GOOD,
                ..ResponseHeader::default()
            },
            server_protocol_version: negotiated.protocol_version,
            security_token: ChannelSecurityToken {
                channel_id: self.core.channel_id,
                token_id,
                created_at: DateTime::from_system_time(self.utc(now)),
                revised_lifetime: lifetime,
            },
            server_nonce,
        };
        let own = identity.as_ref().map(|i| (&*i.certificate, &*i.key));
        let peer = self
            .client_certificate
            .as_deref()
            .zip(self.client_key.as_deref());
        self.core
            .send_opn(opened.sequence.request_id, &response, own, peer)?;
        self.core.tokens.server_add(Token {
            id: token_id,
            keys,
            created: now,
            lifetime: Duration::from_millis(u64::from(lifetime)),
        });
        self.core.events.push_back(if renew {
            Event::TokenRenewed { token_id }
        } else {
            Event::Opened {
                channel_id: self.core.channel_id,
                token_id,
            }
        });
        self.state = ServerState::Open;
        self.deadline = None;
        Ok(())
    }

    /// Sends the response to request `request_id`. A body over the client's
    /// limits is `BadResponseTooLarge` and leaves the channel open (answer
    /// with a ServiceFault instead).
    pub fn send_response(&mut self, request_id: u32, body: &[u8]) -> Result<()> {
        if self.state != ServerState::Open {
            return Err(Error::SecureChannelClosed);
        }
        self.core
            .send_message(MessageType::Message, request_id, body)
    }

    /// Abandons a response whose chunks were partly sent: queues an abort
    /// chunk (OPC 10000-6 §6.7.3).
    pub fn abort_response(&mut self, request_id: u32, code: StatusCode) -> Result<()> {
        if self.state != ServerState::Open {
            return Err(Error::SecureChannelClosed);
        }
        self.core.send_abort(request_id, code)
    }

    /// Ends the channel from our side, telling the client with an ERR
    /// message carrying `code`.
    pub fn close(&mut self, code: StatusCode) {
        self.fail(&Error::Peer { code });
    }

    /// Time has reached `now`: ends a handshake that took too long, moves
    /// to a renewed token when the old one expired, and ends a channel whose
    /// token expired unrenewed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == ServerState::Closed {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            return self.fail(&Error::Timeout("handshake"));
        }
        if self.state == ServerState::Open && !self.core.tokens.expire(now, true) {
            self.fail(&Error::Timeout("security token expired"));
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be
    /// called at, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ServerState::Closed {
            return None;
        }
        let tokens = self.core.tokens.next_deadline(true);
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

impl FrameSink for ServerChannel {
    fn framing(&mut self) -> (&mut Framer, &mut Vec<u8>) {
        (&mut self.framer, &mut self.core.scratch)
    }

    fn is_closed(&self) -> bool {
        self.state == ServerState::Closed
    }

    fn fail(&mut self, e: &Error) {
        self.state = ServerState::Closed;
        self.core.fail(e, true);
    }

    fn handle_frame(
        &mut self,
        now: Instant,
        message_type: MessageType,
        frame: &mut [u8],
    ) -> Result<()> {
        match (self.state, message_type) {
            (ServerState::AwaitHello, MessageType::Hello) => {
                let UacpMessage::Hello(hello) =
                    UacpMessage::decode_frame(frame, DecodeLimits::DEFAULT)?
                else {
                    return Err(Error::TcpMessageTypeInvalid("HEL"));
                };
                let (ack, negotiated) = acknowledge(&self.config.connection, &hello, false)?;
                self.framer
                    .set_max_frame_size(negotiated.receive_buffer_size);
                self.core.negotiated = Some(negotiated);
                self.core.reassembler.tighten(
                    negotiated.local_max_message_size,
                    negotiated.local_max_chunk_count,
                );
                self.core.send_limits =
                    Some(SendLimits::from_negotiated(&negotiated, Role::Server));
                self.core.send_uacp(&UacpMessage::Acknowledge(ack))?;
                self.state = ServerState::AwaitOpen;
                Ok(())
            }
            (ServerState::AwaitOpen | ServerState::Open, MessageType::Open) => {
                self.receive_open(now, frame)
            }
            (ServerState::Open, MessageType::Message | MessageType::Close) => {
                let token_id = frame
                    .get(12..16)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_le_bytes)
                    .ok_or(Error::Decoding("token id"))?;
                let received = self.core.receive_symmetric(frame, now)?;
                // Once the client uses a renewed token, so do we.
                self.core.tokens.server_seen(token_id);
                match received {
                    Received::Nothing => {}
                    Received::Message { request_id, body } => {
                        self.core
                            .events
                            .push_back(Event::Message { request_id, body });
                    }
                    Received::Close => {
                        self.state = ServerState::Closed;
                        self.core.close(StatusCode::GOOD);
                    }
                }
                Ok(())
            }
            _ => Err(Error::TcpMessageTypeInvalid("unexpected message")),
        }
    }
}
