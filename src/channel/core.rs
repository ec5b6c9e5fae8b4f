//! What client and server channels share: the send and receive paths of
//! MSG/CLO chunks, OPN chunks, and ending a channel
//! (OPC 10000-6 §6.7.2, §6.7.6).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use rand_core::CryptoRng;

use super::token::{TokenInfo, Tokens};
use super::{Event, Identity, Reassembler, ReceiveLimits, ReceiveSequence, SendSequence};
use crate::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, ChunkType, Framer, MessageChunkHeader, MessageType,
    OpenedChunk, OpnChunk, SecurityHeader, SendLimits, SequenceHeader, max_body_size,
    open_asymmetric_with_suffix, open_symmetric, secure_asymmetric_with_suffix, secure_message,
};
use crate::codec::{Decode, DecodeLimits, Encode, Reader, UaString, Writer};
use crate::messages::{Message, MessageSecurityMode, encode_message};
use crate::policy::{OwnKey, PeerKey, PolicyDescriptor, SecurityPolicy};
use crate::uacp::{ErrorMessage, Negotiated, UacpMessage};
use crate::{Error, Result, StatusCode};

/// The largest SenderCertificate (with its chain) accepted in an OPN chunk.
pub(crate) const MAX_CERTIFICATE_SIZE: u32 = crate::chunk::DEFAULT_MAX_CERTIFICATE_SIZE;

/// What both channel ends have in common: the security state, the
/// negotiated limits and the I/O queues, with the accessors a session layer
/// needs (OPC 10000-4 §5.6.2, §5.7.2: CreateSession and ActivateSession
/// refer to the channel's certificates and policy).
///
/// [`ClientChannel`](super::ClientChannel) and
/// [`ServerChannel`](super::ServerChannel) dereference to it, as rustls'
/// connections do to their `CommonState`, so `channel.peer_certificate()`
/// works on either end. Every method here is a getter: none changes the
/// channel.
pub struct CommonState {
    pub(crate) framer: Framer,
    /// The largest frame accepted before HEL/ACK set the receive buffer
    /// size.
    pub(crate) initial_frame_limit: u32,
    pub(crate) outgoing: Vec<u8>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) rng: Box<dyn CryptoRng + Send>,
    pub(crate) policy: Option<Arc<dyn SecurityPolicy>>,
    pub(crate) mode: MessageSecurityMode,
    pub(crate) channel_id: u32,
    pub(crate) tokens: Tokens,
    pub(crate) send_sequence: SendSequence,
    pub(crate) receive_sequence: ReceiveSequence,
    pub(crate) reassembler: Reassembler,
    pub(crate) send_limits: Option<SendLimits>,
    pub(crate) negotiated: Option<Negotiated>,
    pub(crate) closed: bool,
    pub(crate) scratch: Vec<u8>,
    /// Our certificate and key, fixed for the channel's life once it opens.
    pub(crate) identity: Option<Identity>,
    /// The peer's SenderCertificate as received (leaf and chain).
    pub(crate) peer_chain: Option<Vec<u8>>,
    /// The signature of the first OpenSecureChannel response, under a
    /// SecureChannelEnhancements policy.
    pub(crate) channel_thumbprint: Option<Vec<u8>>,
}

impl core::fmt::Debug for CommonState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CommonState")
            .field("policy", &self.policy.as_ref().map(|p| p.descriptor().name))
            .field("mode", &self.mode)
            .field("channel_id", &self.channel_id)
            .field("token", &self.token())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl CommonState {
    /// The SecureChannelId (on a client, 0 until the channel opens).
    pub fn channel_id(&self) -> u32 {
        self.channel_id
    }

    /// The security policy: on a client the configured one, on a server the
    /// one the client chose (`None` until its OpenSecureChannel arrived).
    pub fn policy(&self) -> Option<&Arc<dyn SecurityPolicy>> {
        self.policy.as_ref()
    }

    /// The MessageSecurityMode in use (on a server, `Invalid` until the
    /// client's OpenSecureChannel request arrived).
    pub fn mode(&self) -> MessageSecurityMode {
        self.mode
    }

    /// The peer's certificate as it arrived in the SenderCertificate of its
    /// OpenSecureChannel chunk: the DER leaf, optionally followed by its
    /// issuers. `None` with policy None or before the OPN arrived.
    pub fn peer_certificate(&self) -> Option<&[u8]> {
        self.peer_chain.as_deref()
    }

    /// The certificate (and chain) this end opened the channel with; a
    /// server's CreateSession compares the client's with the one the
    /// channel was opened with (OPC 10000-4 §5.7.2).
    pub fn own_certificate(&self) -> Option<&[u8]> {
        self.identity.as_ref().map(|i| &*i.certificate)
    }

    /// Our nonce of the current token (the ClientNonce on a client, the
    /// ServerNonce on a server). Key material: handle with care.
    pub fn local_nonce(&self) -> Option<&[u8]> {
        self.tokens.current.as_ref().map(|t| &t.nonces.local[..])
    }

    /// The peer's nonce of the current token.
    pub fn peer_nonce(&self) -> Option<&[u8]> {
        self.tokens.current.as_ref().map(|t| &t.nonces.peer[..])
    }

    /// The ChannelThumbprint of a channel under a SecureChannelEnhancements
    /// policy (ECC_nistP256_AesGcm, ECC_nistP256_ChaChaPoly): the signature
    /// of the first OpenSecureChannel response, which covered the first
    /// request's signature too. The session layer signs it into
    /// CreateSession and ActivateSession (OPC 10000-4 §5.7.2, §5.7.3), which
    /// binds the session to this channel. Renewals do not change it. `None`
    /// under other policies and before the channel opened.
    pub fn channel_thumbprint(&self) -> Option<&[u8]> {
        self.channel_thumbprint.as_deref()
    }

    /// The current token: the one chunks are sent under.
    pub fn token(&self) -> Option<TokenInfo> {
        self.tokens.current.as_ref().map(|t| t.info)
    }

    /// The buffer sizes and message limits both sides announced in
    /// Hello/Acknowledge, once exchanged.
    pub fn negotiated(&self) -> Option<Negotiated> {
        self.negotiated
    }

    /// What is accepted from the peer: the configured [`ReceiveLimits`]
    /// lowered to what this end announced in its Hello or Acknowledge.
    pub fn receive_limits(&self) -> ReceiveLimits {
        self.reassembler.limits()
    }

    /// Bytes held for the peer: a partly received frame and partly
    /// received messages.
    pub fn buffered(&self) -> usize {
        self.reassembler.buffered() + self.framer.buffered()
    }

    /// Whether the channel has ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// What a verified MSG or CLO chunk amounted to.
pub(crate) enum Received {
    /// Nothing yet: an intermediate chunk was buffered.
    Nothing,
    /// A whole message.
    Message { request_id: u32, body: Vec<u8> },
    /// A CloseSecureChannel request.
    Close,
}

impl CommonState {
    pub(crate) fn new(
        rng: Box<dyn CryptoRng + Send>,
        reassembler: Reassembler,
        framer: Framer,
        server: bool,
    ) -> Self {
        CommonState {
            initial_frame_limit: framer.max_frame_size(),
            framer,
            outgoing: Vec::new(),
            events: VecDeque::new(),
            rng,
            policy: None,
            mode: MessageSecurityMode::None,
            channel_id: 0,
            tokens: Tokens::new(server),
            send_sequence: SendSequence::new(0),
            receive_sequence: ReceiveSequence::new(true),
            reassembler,
            send_limits: None,
            negotiated: None,
            closed: false,
            scratch: Vec::new(),
            identity: None,
            peer_chain: None,
            channel_thumbprint: None,
        }
    }

    /// The largest frame accepted now: the negotiated receive buffer size
    /// once HEL/ACK are through, the initial limit before.
    pub(crate) fn frame_limit(&self) -> u32 {
        self.negotiated
            .map_or(self.initial_frame_limit, |n| n.receive_buffer_size)
    }

    /// Sets the policy and mode, and the sequence-number rules that follow
    /// from the policy.
    pub(crate) fn set_security(
        &mut self,
        policy: Arc<dyn SecurityPolicy>,
        mode: MessageSecurityMode,
        first_legacy_sequence_number: u32,
    ) {
        let legacy = policy.descriptor().legacy_sequence_numbers;
        self.send_sequence = SendSequence::new(if legacy {
            first_legacy_sequence_number
        } else {
            0
        });
        self.receive_sequence = ReceiveSequence::new(legacy);
        self.policy = Some(policy);
        self.mode = mode;
    }

    pub(crate) fn policy_or_closed(&self) -> Result<&Arc<dyn SecurityPolicy>> {
        self.policy.as_ref().ok_or(Error::SecureChannelClosed)
    }

    /// Moves the queued bytes to `buf`; returns whether there were any.
    pub(crate) fn transmit(&mut self, buf: &mut Vec<u8>) -> bool {
        if self.outgoing.is_empty() {
            return false;
        }
        buf.append(&mut self.outgoing);
        true
    }

    /// Queues a UACP message.
    pub(crate) fn send_uacp(&mut self, message: &UacpMessage) -> Result<()> {
        message.encode_frame(&mut self.outgoing)
    }

    /// Queues a message as MSG (or CLO) chunks under the current token.
    pub(crate) fn send_message(
        &mut self,
        message_type: MessageType,
        request_id: u32,
        body: &[u8],
    ) -> Result<()> {
        let limits = self.send_limits.ok_or(Error::SecureChannelClosed)?;
        let (token_id, keys) = self.tokens.sending()?;
        let per_chunk = max_body_size(keys, self.mode, limits.max_chunk_size)?;
        let chunks = body.len().div_ceil(per_chunk).max(1);
        self.check_sequence_room(chunks)?;
        let header = MessageChunkHeader {
            message_type,
            secure_channel_id: self.channel_id,
            token_id,
            request_id,
        };
        let sent = secure_message(
            &mut self.outgoing,
            &header,
            self.send_sequence.counter(),
            body,
            keys,
            self.mode,
            &limits,
        )?;
        self.tokens.consume_sequence_numbers(sent);
        Ok(())
    }

    /// Refuses to send `chunks` more chunks under the current token when
    /// that would bring the sequence number back to one already sealed
    /// under it: an AEAD policy's nonce is made of the TokenId and the
    /// previous sequence number, so that chunk would repeat a key and
    /// nonce. `BadEncodingLimitsExceeded`, and the channel stays open; a
    /// renewed token starts afresh.
    fn check_sequence_room(&self, chunks: usize) -> Result<()> {
        let aead = self.policy.as_ref().is_some_and(|p| p.descriptor().aead);
        if aead && self.tokens.sequence_room() < chunks as u64 {
            return Err(Error::EncodingLimitsExceeded(
                "the sequence numbers of this token are used up until it is renewed",
            ));
        }
        Ok(())
    }

    /// Queues an OPN chunk carrying `message`, signed with our key (over
    /// the chunk and `signed_suffix`) and encrypted for the peer's (per the
    /// policy). Returns the chunk's signature (empty without one).
    pub(crate) fn send_opn<M: Message>(
        &mut self,
        request_id: u32,
        message: &M,
        own: Option<(&[u8], &dyn OwnKey)>,
        peer: Option<(&[u8], &dyn PeerKey)>,
        signed_suffix: &[u8],
    ) -> Result<Vec<u8>> {
        let policy = Arc::clone(self.policy_or_closed()?);
        let descriptor = policy.descriptor();
        // SenderCertificate and ReceiverCertificateThumbprint "shall be null
        // if the Message is not signed" (OPC 10000-6 Table 50).
        let signed = descriptor.asymmetric_signature.is_some();
        let (own, peer) = (own.filter(|_| signed), peer.filter(|_| signed));
        let mut body = std::mem::take(&mut self.scratch);
        body.clear();
        encode_message(message, &mut Writer::new(&mut body))?;
        let thumbprint = peer.map(|(cert, _)| crate::cert::thumbprint(cert));
        let security_header = AsymmetricSecurityHeader {
            security_policy_uri: Some(descriptor.uri),
            sender_certificate: own.map(|(cert, _)| cert),
            receiver_certificate_thumbprint: thumbprint.as_ref().map(|t| &t[..]),
        };
        let chunk = OpnChunk {
            secure_channel_id: self.channel_id,
            security_header,
            sequence: SequenceHeader {
                sequence_number: self.send_sequence.peek(),
                request_id,
            },
        };
        let keys = own.zip(peer).map(|((_, o), (_, p))| (o, p));
        let max = self
            .negotiated
            .map_or(usize::MAX, |n| n.send_buffer_size as usize);
        let start = self.outgoing.len();
        let result = secure_asymmetric_with_suffix(
            &mut self.outgoing,
            &chunk,
            &body,
            descriptor,
            keys,
            max,
            signed_suffix,
            &mut *self.rng,
        );
        self.scratch = body;
        result?;
        self.send_sequence.take();
        self.tokens.consume_sequence_numbers(1);
        // Not encrypted (ECC), the signature ends the chunk as sent.
        let sig_len = match (descriptor.asymmetric_signature, own) {
            (Some(scheme), Some((_, key))) if descriptor.asymmetric_encryption.is_none() => {
                key.signature_len(scheme)
            }
            _ => 0,
        };
        let sent = self.outgoing.get(start..).unwrap_or_default();
        Ok(sent
            .get(sent.len().saturating_sub(sig_len)..)
            .unwrap_or_default()
            .to_vec())
    }

    /// Opens an OPN chunk with our key and the peer's (its signature over
    /// the chunk and `signed_suffix`), then checks its sequence number.
    pub(crate) fn receive_opn(
        &mut self,
        chunk: &[u8],
        own: Option<&dyn OwnKey>,
        peer: Option<&dyn PeerKey>,
        signed_suffix: &[u8],
    ) -> Result<OpenedChunk> {
        let policy = Arc::clone(self.policy_or_closed()?);
        let opened = open_asymmetric_with_suffix(
            chunk,
            policy.descriptor(),
            own.zip(peer),
            MAX_CERTIFICATE_SIZE,
            signed_suffix,
        )?;
        self.receive_sequence
            .check(opened.sequence.sequence_number)?;
        Ok(opened)
    }

    /// Verifies and opens a MSG or CLO chunk in place, checks its sequence
    /// number, and buffers its body (OPC 10000-6 §6.7.6).
    ///
    /// Order: channel id, then token, then the signature (and decryption),
    /// then the sequence number, and only then the body is looked at.
    pub(crate) fn receive_symmetric(&mut self, chunk: &mut [u8], now: Instant) -> Result<Received> {
        let headers = ChunkHeaders::parse(chunk, MAX_CERTIFICATE_SIZE)?;
        let SecurityHeader::Symmetric(security) = headers.security else {
            return Err(Error::TcpMessageTypeInvalid(
                "OPN where MSG or CLO was expected",
            ));
        };
        let frame = headers.message.frame;
        if headers.message.secure_channel_id != self.channel_id {
            return Err(Error::TcpSecureChannelUnknown);
        }
        let keys = self.tokens.receiving(security.token_id, now)?;
        let expected = self.receive_sequence.expected();
        let (sequence, body) = open_symmetric(chunk, keys, self.mode, expected)?;
        self.receive_sequence.check(sequence.sequence_number)?;
        self.tokens.count_received(security.token_id);
        let body = chunk.get(body).ok_or(Error::SecurityChecksFailed)?;
        let request_id = sequence.request_id;
        if frame.message_type == MessageType::Close {
            return Ok(Received::Close);
        }
        if frame.chunk_type == ChunkType::Abort {
            let (code, _reason) = decode_abort(body)?;
            self.reassembler.abort(request_id);
            self.events.push_back(Event::Aborted { request_id, code });
            return Ok(Received::Nothing);
        }
        Ok(
            match self.reassembler.push(request_id, frame.chunk_type, body)? {
                Some(body) => Received::Message { request_id, body },
                None => Received::Nothing,
            },
        )
    }

    /// Queues an abort chunk for `request_id` (OPC 10000-6 §6.7.3): the
    /// peer drops what it received of that message and keeps the channel.
    pub(crate) fn send_abort(&mut self, request_id: u32, code: StatusCode) -> Result<()> {
        let limits = self.send_limits.ok_or(Error::SecureChannelClosed)?;
        let (token_id, keys) = self.tokens.sending()?;
        let mut body = std::mem::take(&mut self.scratch);
        body.clear();
        {
            let mut w = Writer::new(&mut body);
            code.encode(&mut w)?;
            UaString::from(code.name().unwrap_or("")).encode(&mut w)?;
        }
        let chunk = crate::chunk::SymmetricChunk {
            message_type: MessageType::Message,
            chunk_type: ChunkType::Abort,
            secure_channel_id: self.channel_id,
            token_id,
            sequence: SequenceHeader {
                sequence_number: self.send_sequence.peek(),
                request_id,
            },
        };
        let fits = crate::chunk::symmetric_chunk_size(keys, self.mode, body.len())?
            <= limits.max_chunk_size;
        let room = self.check_sequence_room(1);
        let result = if let Err(e) = room {
            Err(e)
        } else if fits {
            crate::chunk::secure_symmetric(&mut self.outgoing, &chunk, &body, keys, self.mode)
        } else {
            Err(Error::EncodingLimitsExceeded("abort chunk"))
        };
        self.scratch = body;
        result?;
        self.send_sequence.take();
        self.tokens.consume_sequence_numbers(1);
        Ok(())
    }

    /// Ends the channel with `error`: reports it, and with `send_err`
    /// queues an ERR message carrying what the peer may be told.
    pub(crate) fn fail(&mut self, error: &Error, send_err: bool) {
        if self.closed {
            return;
        }
        if send_err {
            let code = wire_code(error);
            let wire = ErrorMessage {
                error: code,
                reason: UaString::from(code.name().unwrap_or("")),
            };
            let _ = self.send_uacp(&UacpMessage::Error(wire));
        }
        self.end(Some(error.clone()));
    }

    /// Marks the channel closed and reports it once, with `None` for an
    /// orderly close. Every key is dropped and every byte reserved for
    /// the peer is given back: "it shall release all resources allocated
    /// for the channel" (OPC 10000-6 §6.7.7).
    pub(crate) fn end(&mut self, error: Option<Error>) {
        if !self.closed {
            self.closed = true;
            self.tokens.clear();
            self.reassembler.clear();
            self.framer = Framer::new(0);
            self.events.push_back(Event::Closed { error });
        }
    }
}

/// Checks that nothing but what the policy allows follows a decoded
/// OpenSecureChannel body: nothing, or under a policy whose OPN chunks are
/// signed and not encrypted (the ECC policies) the single 0x00 PaddingSize
/// byte open62541 writes before the signature, which its signature covers.
pub(crate) fn expect_opn_body_end(
    r: &Reader<'_>,
    policy: &PolicyDescriptor,
    what: &'static str,
) -> Result<()> {
    let unencrypted =
        policy.asymmetric_signature.is_some() && policy.asymmetric_encryption.is_none();
    if unencrypted && r.rest() == [0] {
        return Ok(());
    }
    r.expect_end(what)
}

/// A channel end fed with received bytes: the loop that cuts them into
/// frames and hands each to the end, shared by client and server.
pub(crate) trait FrameSink {
    /// The state both ends share.
    fn common(&mut self) -> &mut CommonState;
    /// Handles one whole frame of type `message_type`, in place (a chunk is
    /// decrypted where it lies).
    fn handle_frame(
        &mut self,
        now: Instant,
        message_type: MessageType,
        frame: &mut [u8],
    ) -> Result<()>;
    /// Ends the channel with `error`.
    fn fail(&mut self, error: &Error);

    /// Feeds received bytes, in any pieces, frame by frame.
    fn feed(&mut self, now: Instant, mut bytes: &[u8]) {
        while !self.common().closed {
            // The framer is taken out while its frame is handled, so that
            // the frame can be opened in place without a copy.
            let mut framer = std::mem::replace(&mut self.common().framer, Framer::new(0));
            let result = match framer.next_frame(&mut bytes) {
                Ok(Some(frame)) => self.handle_frame(now, frame.header.message_type, frame.bytes),
                Ok(None) => {
                    self.common().framer = framer;
                    return;
                }
                Err(e) => Err(e),
            };
            let common = self.common();
            if !common.closed {
                framer.set_max_frame_size(common.frame_limit());
                common.framer = framer;
            }
            if let Err(e) = result {
                self.fail(&e);
            }
        }
    }
}

/// What may be told to the peer about `error`: certificate refusals go
/// through [`wire_status_code`](crate::cert::wire_status_code) so that trust
/// lists do not leak; other errors keep their code.
pub(crate) fn wire_code(error: &Error) -> StatusCode {
    match error {
        Error::Certificate(code) => crate::cert::wire_status_code(*code),
        e => e.status_code(),
    }
}

/// The body of an abort chunk: Error (StatusCode) and Reason (String).
fn decode_abort(body: &[u8]) -> Result<(StatusCode, UaString)> {
    let mut r = Reader::with_limits(body, DecodeLimits::DEFAULT);
    let code = StatusCode::decode(&mut r)?;
    let reason = UaString::decode(&mut r)?;
    Ok((code, reason))
}
