//! The server end of a secure channel (OPC 10000-6 §6.7.4, §6.7.6, §7.1;
//! OPC 10000-4 §5.6.2).

use std::ops::Deref;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand_core::CryptoRng;

use super::core::{CommonState, FrameSink, MAX_CERTIFICATE_SIZE, Received, expect_opn_body_end};
use super::token::{Nonces, Token, TokenInfo};
use super::{ByteBudget, Event, Reassembler, ServerConfig, os_rng};
use crate::cert::{ValidationContext, leaf, thumbprint};
use crate::chunk::{ChunkHeaders, Framer, MessageType, SecurityHeader, SendLimits};
use crate::codec::{ByteString, DateTime, DecodeLimits, Reader, ResponseHeader};
use crate::messages::ChannelSecurityToken;
use crate::messages::{
    MessageSecurityMode, OpenSecureChannelRequest, OpenSecureChannelResponse,
    SecurityTokenRequestType, decode_message,
};
use crate::policy::{PeerKey, Role, SecurityPolicy};
use crate::uacp::{MAX_HELLO_SIZE, ReverseHello, UacpMessage, acknowledge};
use crate::{Error, Result, StatusCode};

/// Where a server channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
/// [`ClientChannel`](super::ClientChannel) (see the [module
/// docs](super#call-discipline)).
///
/// Every failure that ends the channel queues an ERR message for the peer
/// first, with a StatusCode that leaks nothing about trust lists
/// (certificate failures other than the three OPC 10000-4 lets pass are
/// sent as `BadSecurityChecksFailed`); the `Closed` event carries the
/// precise error.
///
/// Before the Hello is acknowledged a connection is held to
/// [`MAX_HELLO_SIZE`] bytes, and every partly received frame is counted
/// against the [`ByteBudget`] shared by the server's channels, so idle and
/// slow connections are bounded together.
///
/// The getters of [`CommonState`] (certificates, nonces, token, limits)
/// are reached through `Deref`.
#[derive(Debug)]
pub struct ServerChannel {
    config: Arc<ServerConfig>,
    common: CommonState,
    state: ServerState,
    started: (Instant, SystemTime),
    /// When the first token was issued, on the wall clock.
    opened_at: Option<SystemTime>,
    deadline: Option<Instant>,
    client_key: Option<Box<dyn PeerKey>>,
}

impl Deref for ServerChannel {
    type Target = CommonState;

    fn deref(&self) -> &CommonState {
        &self.common
    }
}

impl ServerChannel {
    /// A channel for a new connection, with randomness from the operating
    /// system. `budget` is shared by all channels of the server. `now` and
    /// `utc` are the same moment on the caller's monotonic and wall clocks.
    /// A configuration that breaks a rule ([`ServerConfig::validate`]) is
    /// refused.
    pub fn new(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        Self::with_rng(config, budget, os_rng(), now, utc)
    }

    /// As [`new`](Self::new), with randomness (the SecureChannelId, nonces,
    /// padding) from `rng`: for deterministic tests.
    pub fn with_rng(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        mut rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
    ) -> Result<Self> {
        config.validate()?;
        let mut channel_id = 0;
        while channel_id == 0 {
            channel_id = rng.next_u32();
        }
        let framer = Framer::with_budget(MAX_HELLO_SIZE, budget.clone());
        let reassembler = Reassembler::new(config.receive, budget);
        let mut common = CommonState::new(rng, reassembler, framer, true);
        common.channel_id = channel_id;
        Ok(ServerChannel {
            deadline: Some(now + config.timeouts.handshake),
            config,
            common,
            state: ServerState::AwaitHello,
            started: (now, utc),
            opened_at: None,
            client_key: None,
        })
    }

    /// A channel on a connection the server opened to a client
    /// (ReverseConnect, OPC 10000-6 §7.1.3): queues a ReverseHello naming
    /// this server and the endpoint, then proceeds as [`new`](Self::new).
    pub fn new_reverse(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        now: Instant,
        utc: SystemTime,
        reverse_hello: &ReverseHello,
    ) -> Result<Self> {
        Self::reverse_with_rng(config, budget, os_rng(), now, utc, reverse_hello)
    }

    /// As [`new_reverse`](Self::new_reverse), with randomness from `rng`.
    pub fn reverse_with_rng(
        config: Arc<ServerConfig>,
        budget: ByteBudget,
        rng: Box<dyn CryptoRng + Send>,
        now: Instant,
        utc: SystemTime,
        reverse_hello: &ReverseHello,
    ) -> Result<Self> {
        let mut channel = Self::with_rng(config, budget, rng, now, utc)?;
        channel
            .common
            .send_uacp(&UacpMessage::ReverseHello(reverse_hello.clone()))?;
        Ok(channel)
    }

    /// Where the channel is.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// Bytes received from the client, in any pieces.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.feed(now, bytes);
    }

    /// The client closed its end of the connection. Unless the channel
    /// had already ended (after a CloseSecureChannel, say), it ends with
    /// [`Error::ConnectionClosed`]; nothing more is sent.
    pub fn handle_eof(&mut self, _now: Instant) {
        if self.state != ServerState::Closed {
            self.state = ServerState::Closed;
            self.common.end(Some(Error::ConnectionClosed));
        }
    }

    /// Checks that the client's certificate carries `application_uri`, the
    /// ApplicationUri of the ClientDescription in its CreateSession request
    /// (OPC 10000-4 §5.7.2, §6.1.3 step "Application URI"): for the session
    /// layer, which learns the URI after the channel opened.
    /// `BadCertificateUriInvalid` if it does not; `BadSecureChannelClosed`
    /// without a client certificate.
    pub fn check_client_application_uri(&self, application_uri: &str) -> Result<()> {
        let chain = self
            .common
            .peer_chain
            .as_deref()
            .ok_or(Error::SecureChannelClosed)?;
        crate::cert::check_application_uri(leaf(chain)?, application_uri)
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
        // A renewal names this channel; an Issue names none: "This
        // parameter shall be null when creating a new SecureChannel".
        let expected_id = if renew { self.common.channel_id } else { 0 };
        if headers.message.secure_channel_id != expected_id {
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
                .common
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
        // The identity is the one the channel opened with: a certificate
        // replaced in the configuration since applies to new channels only.
        let identity = match &self.common.identity {
            Some(identity) if renew => identity.clone(),
            _ => self.identity_for_open(&*policy, security.receiver_certificate_thumbprint)?,
        };
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
        let known = self.common.peer_chain.as_deref().map(leaf).transpose()?;
        if renew && known != Some(client_leaf) {
            return Err(Error::SecurityChecksFailed);
        }
        // Validated again on every renewal: a certificate revoked or
        // removed from the trust list since the channel opened ends it at
        // its next renewal, while the open token keeps working until then.
        // Validity periods are checked as of the opening.
        self.config.validator.validate(
            chain,
            &ValidationContext {
                opened: self.opened_at.filter(|_| renew),
                ..ValidationContext::new(Role::Client, &descriptor, self.utc(now))
            },
        )?;
        if !renew {
            self.client_key = Some(policy.peer_key(client_leaf)?);
            self.common.peer_chain = Some(chain.to_vec());
            self.common.identity = Some(identity);
        }
        Ok(policy)
    }

    /// The identity an OpenSecureChannel Issue is meant for: among the
    /// identities whose key fits `policy`, the one whose certificate has
    /// the ReceiverCertificateThumbprint, or else the first (whose
    /// thumbprint the caller then finds wrong: `BadCertificateInvalid`).
    /// No identity of the policy's type is `BadSecurityPolicyRejected`.
    fn identity_for_open(
        &self,
        policy: &dyn SecurityPolicy,
        receiver_thumbprint: Option<&[u8]>,
    ) -> Result<super::Identity> {
        let mut fitting = self.config.all_identities().filter(|i| i.fits(policy));
        let first = fitting.next().ok_or(Error::SecurityPolicyRejected)?;
        let named = |i: &&super::Identity| {
            leaf(&i.certificate).is_ok_and(|l| Some(&thumbprint(l)[..]) == receiver_thumbprint)
        };
        let chosen = if named(&first) {
            first
        } else {
            fitting.find(named).unwrap_or(first)
        };
        Ok(chosen.clone())
    }

    fn receive_open(&mut self, now: Instant, chunk: &[u8]) -> Result<()> {
        let renew = self.state == ServerState::Open;
        let policy = self.check_open_header(chunk, renew, now)?;
        if !renew {
            self.common.set_security(
                Arc::clone(&policy),
                MessageSecurityMode::Invalid,
                self.config.first_sequence_number,
            );
        }
        let secured = !policy.descriptor().is_none();
        let identity = self.common.identity.clone().filter(|_| secured);
        let opened = self.common.receive_opn(
            chunk,
            identity.as_ref().map(|i| &*i.key),
            self.client_key.as_deref(),
            &[],
        )?;
        let body = opened
            .plaintext
            .get(opened.body.clone())
            .ok_or(Error::SecurityChecksFailed)?;
        let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
        let request: OpenSecureChannelRequest = decode_message(&mut r)?;
        expect_opn_body_end(&r, policy.descriptor(), "OpenSecureChannelRequest")?;
        let expected_type = if renew {
            SecurityTokenRequestType::Renew
        } else {
            SecurityTokenRequestType::Issue
        };
        if request.request_type != expected_type {
            return Err(Error::RequestTypeInvalid);
        }
        let negotiated = self.common.negotiated.ok_or(Error::SecureChannelClosed)?;
        if request.client_protocol_version != negotiated.protocol_version {
            return Err(Error::ProtocolVersionUnsupported(
                request.client_protocol_version,
            ));
        }
        let mode = request.security_mode;
        let none = policy.descriptor().is_none();
        if none != (mode == MessageSecurityMode::None)
            || !self.config.security.allows(mode)
            || (renew && mode != self.common.mode)
        {
            return Err(Error::SecurityModeRejected);
        }
        self.common.mode = mode;

        let previous = if renew {
            self.common.tokens.latest_chaining().cloned()
        } else {
            None
        };
        let exchange = policy.start_key_exchange(mode, &mut *self.common.rng, previous.as_ref())?;
        let server_nonce = ByteString::from(exchange.local_nonce());
        let client_nonce = request.client_nonce.as_bytes().unwrap_or_default();
        let nonces = Nonces::new(exchange.local_nonce(), client_nonce);
        let keys = exchange.complete(Role::Server, client_nonce)?;
        let (min, max) = self.config.lifetime_bounds;
        let lifetime = request.requested_lifetime.clamp(min, max.max(min));
        let token_id = self.config.token_ids.next_id();
        let created_at = DateTime::from_system_time(self.utc(now));
        let response = OpenSecureChannelResponse {
            response_header: ResponseHeader {
                timestamp: created_at,
                request_handle: request.request_header.request_handle,
                service_result: StatusCode::GOOD,
                ..ResponseHeader::default()
            },
            server_protocol_version: negotiated.protocol_version,
            security_token: ChannelSecurityToken {
                channel_id: self.common.channel_id,
                token_id,
                created_at,
                revised_lifetime: lifetime,
            },
            server_nonce,
        };
        let own = identity.as_ref().map(|i| (&*i.certificate, &*i.key));
        let client_chain = self.common.peer_chain.clone();
        let client_leaf = client_chain.as_deref().map(leaf).transpose()?;
        let peer = client_leaf.zip(self.client_key.as_deref());
        // SecureChannelEnhancements: the first response is signed over the
        // request's signature too, and its signature is the
        // ChannelThumbprint; renewals are signed plainly.
        let enhanced = policy.descriptor().secure_channel_enhancements && !renew;
        let request_signature = opened
            .plaintext
            .get(opened.signature.clone())
            .filter(|_| enhanced)
            .unwrap_or_default();
        let signature = self.common.send_opn(
            opened.sequence.request_id,
            &response,
            own,
            peer,
            request_signature,
        )?;
        if enhanced {
            self.common.channel_thumbprint = Some(signature);
        }
        self.common.tokens.server_add(Token::new(
            TokenInfo {
                id: token_id,
                created: now,
                created_at,
                revised_lifetime: Duration::from_millis(u64::from(lifetime)),
            },
            keys,
            nonces,
        ));
        self.common.events.push_back(if renew {
            Event::TokenRenewed { token_id }
        } else {
            self.opened_at = Some(self.utc(now));
            Event::Opened {
                channel_id: self.common.channel_id,
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
        self.common
            .send_message(MessageType::Message, request_id, body)
    }

    /// Abandons a response whose chunks were partly sent: queues an abort
    /// chunk (OPC 10000-6 §6.7.3).
    pub fn abort_response(&mut self, request_id: u32, code: StatusCode) -> Result<()> {
        if self.state != ServerState::Open {
            return Err(Error::SecureChannelClosed);
        }
        self.common.send_abort(request_id, code)
    }

    /// Ends the channel from our side. With a Bad `code` the client is told
    /// with an ERR message carrying it (OPC 10000-6 §7.1.2.5; e.g.
    /// `BadServerHalted` at shutdown); with a Good one nothing is sent and
    /// the caller just closes the connection. The `Closed` event that
    /// follows carries no error.
    pub fn close(&mut self, code: StatusCode) {
        if self.state == ServerState::Closed {
            return;
        }
        if code.is_bad() {
            let _ = self
                .common
                .send_uacp(&UacpMessage::Error(crate::uacp::ErrorMessage {
                    error: code,
                    reason: code.name().unwrap_or("").into(),
                }));
        }
        self.state = ServerState::Closed;
        self.common.end(None);
    }

    /// Time has reached `now`: ends a handshake that took too long, moves
    /// to a renewed token when the old one expired, and ends a channel
    /// whose token expired unrenewed, with [`Error::Timeout`] (a chunk that
    /// arrives under an expired token before this is called is refused
    /// with `BadSecureChannelTokenUnknown`).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == ServerState::Closed {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            return self.fail(&Error::Timeout("handshake"));
        }
        if self.state == ServerState::Open && !self.common.tokens.expire(now) {
            self.fail(&Error::Timeout("security token expired"));
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) must be
    /// called at, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == ServerState::Closed {
            return None;
        }
        let tokens = self.common.tokens.next_deadline();
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

#[cfg(all(test, feature = "cert-generate"))]
impl ServerChannel {
    /// The shared state, for the tests of this crate.
    pub(crate) fn common_mut(&mut self) -> &mut CommonState {
        &mut self.common
    }
}

impl FrameSink for ServerChannel {
    fn common(&mut self) -> &mut CommonState {
        &mut self.common
    }

    fn fail(&mut self, e: &Error) {
        self.state = ServerState::Closed;
        self.common.fail(e, true);
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
                let own = self.config.receive.announce(&self.config.connection);
                let (ack, negotiated) = acknowledge(&own, &hello, self.config.offers_ecc())?;
                self.common.negotiated = Some(negotiated);
                self.common.reassembler.tighten(
                    negotiated.local_max_message_size,
                    negotiated.local_max_chunk_count,
                );
                self.common.send_limits =
                    Some(SendLimits::from_negotiated(&negotiated, Role::Server));
                self.common.send_uacp(&UacpMessage::Acknowledge(ack))?;
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
                let received = self.common.receive_symmetric(frame, now)?;
                // Once the client uses a renewed token, so do we.
                self.common.tokens.server_seen(token_id);
                match received {
                    Received::Nothing => {}
                    Received::Message { request_id, body } => {
                        self.common
                            .events
                            .push_back(Event::Message { request_id, body });
                    }
                    Received::Close => {
                        self.state = ServerState::Closed;
                        self.common.end(None);
                    }
                }
                Ok(())
            }
            _ => Err(Error::TcpMessageTypeInvalid("unexpected message")),
        }
    }
}
