//! Buffer-size and protocol-version negotiation between Hello and
//! Acknowledge (OPC 10000-6 §7.1.2.3, §7.1.2.4).

use super::{Acknowledge, Hello};
use crate::codec::UaString;
use crate::{Error, Result};

/// The smallest ReceiveBufferSize or SendBufferSize allowed in a Hello or
/// Acknowledge (OPC 10000-6 §7.1.2.3 Table 69, §7.1.2.4 Table 75).
pub const MIN_BUFFER_SIZE: u32 = 8192;

/// The smallest buffer size allowed when the sender intends to use an ECC
/// security policy (OPC 10000-6 §7.1.2.3 Table 69).
pub const MIN_BUFFER_SIZE_ECC: u32 = 1024;

/// The smallest buffer size allowed: [`MIN_BUFFER_SIZE_ECC`] when `ecc` (an
/// ECC security policy is intended), else [`MIN_BUFFER_SIZE`]
/// (OPC 10000-6 §7.1.2.3).
pub const fn min_buffer_size(ecc: bool) -> u32 {
    if ecc {
        MIN_BUFFER_SIZE_ECC
    } else {
        MIN_BUFFER_SIZE
    }
}

/// The minimum an Acknowledge buffer size must reach given the Hello's
/// counterpart: 8192 if the Hello offered at least 8192, else 1024
/// (OPC 10000-6 §7.1.2.4 Table 75).
const fn ack_minimum(hello_counterpart: u32) -> u32 {
    if hello_counterpart >= MIN_BUFFER_SIZE {
        MIN_BUFFER_SIZE
    } else {
        MIN_BUFFER_SIZE_ECC
    }
}

/// One side's own connection limits: what it puts in its Hello (client) or
/// what it is willing to grant in its Acknowledge (server)
/// (OPC 10000-6 §7.1.2.3, §7.1.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// The latest UACP version supported. Default 0, the only version
    /// defined so far.
    pub protocol_version: u32,
    /// The largest MessageChunk this side can receive, in bytes. Default
    /// 65 535. At least [`min_buffer_size`].
    pub receive_buffer_size: u32,
    /// The largest MessageChunk this side will send, in bytes. Default
    /// 65 535. At least [`min_buffer_size`].
    pub send_buffer_size: u32,
    /// The largest message body this side accepts, in bytes; 0 means no
    /// limit. Default 16 MiB.
    pub max_message_size: u32,
    /// The most chunks a message sent to this side may have; 0 means no
    /// limit. Default 512 (with 65 535-byte chunks, the default 16 MiB
    /// message needs 257).
    pub max_chunk_count: u32,
}

impl ConnectionLimits {
    /// The defaults: protocol version 0, 65 535-byte buffers, 16 MiB
    /// messages and 512 chunks per message.
    pub const DEFAULT: ConnectionLimits = ConnectionLimits {
        protocol_version: 0,
        receive_buffer_size: 65_535,
        send_buffer_size: 65_535,
        max_message_size: 16 << 20,
        max_chunk_count: 512,
    };

    /// Checks that both buffer sizes reach [`min_buffer_size`]`(ecc)`
    /// (OPC 10000-6 §7.1.2.3); a smaller one is a configuration error,
    /// reported as [`Error::TcpBufferSizeInvalid`].
    pub fn validate(&self, ecc: bool) -> Result<()> {
        let min = min_buffer_size(ecc);
        if self.receive_buffer_size < min {
            return Err(Error::TcpBufferSizeInvalid {
                field: "ConnectionLimits.receive_buffer_size",
                value: self.receive_buffer_size,
            });
        }
        if self.send_buffer_size < min {
            return Err(Error::TcpBufferSizeInvalid {
                field: "ConnectionLimits.send_buffer_size",
                value: self.send_buffer_size,
            });
        }
        Ok(())
    }

    /// The Hello a client with these limits sends to `endpoint_url`
    /// (OPC 10000-6 §7.1.2.3).
    pub fn hello(&self, endpoint_url: impl Into<UaString>) -> Hello {
        Hello {
            protocol_version: self.protocol_version,
            receive_buffer_size: self.receive_buffer_size,
            send_buffer_size: self.send_buffer_size,
            max_message_size: self.max_message_size,
            max_chunk_count: self.max_chunk_count,
            endpoint_url: endpoint_url.into(),
        }
    }
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The limits of an established connection, as seen by the side that holds
/// them (OPC 10000-6 §7.1.2.3, §7.1.2.4).
///
/// "Peer" values are the ones the other side announced and this side must
/// honour when sending; "local" values are the ones this side announced and
/// may enforce on what it receives. For all four message-size and
/// chunk-count values 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The UACP version in use: the one the Acknowledge carries.
    pub protocol_version: u32,
    /// The largest MessageChunk this side may send, in bytes (the peer's
    /// receive buffer).
    pub send_buffer_size: u32,
    /// The largest MessageChunk this side accepts, in bytes (the peer's send
    /// buffer); a larger MessageSize is `Bad_TcpMessageTooLarge`.
    pub receive_buffer_size: u32,
    /// The largest message body the peer accepts, in bytes; 0 means no
    /// limit. A client whose request exceeds it reports
    /// `Bad_RequestTooLarge`, a server whose response exceeds it
    /// `Bad_ResponseTooLarge`.
    pub peer_max_message_size: u32,
    /// The most chunks a message sent to the peer may have; 0 means no
    /// limit.
    pub peer_max_chunk_count: u32,
    /// The largest message body this side announced it accepts, in bytes;
    /// 0 means it announced no limit.
    pub local_max_message_size: u32,
    /// The most chunks this side announced it accepts per message; 0 means
    /// it announced no limit.
    pub local_max_chunk_count: u32,
}

/// Server side: answers `hello` with an Acknowledge built from `own`
/// (OPC 10000-6 §7.1.2.3, §7.1.2.4).
///
/// `ecc` says whether an ECC security policy is intended, which lowers the
/// minimum buffer size from [`MIN_BUFFER_SIZE`] to [`MIN_BUFFER_SIZE_ECC`].
///
/// * `own` buffer sizes below the minimum are a configuration error, and
///   Hello buffer sizes below the minimum are rejected; both give
///   [`Error::TcpBufferSizeInvalid`] (`Bad_TcpNotEnoughResources`).
/// * The Acknowledge carries ReceiveBufferSize = min(own receive, Hello
///   send) and SendBufferSize = min(own send, Hello receive), so it never
///   grants more than the Hello offered. Table 75 further requires each to
///   be at least 8192 when the Hello's counterpart is; a smaller `own` value
///   (possible only with `ecc`) is raised to 8192 in that case.
/// * MaxMessageSize and MaxChunkCount are `own`'s.
/// * ProtocolVersion is min(own, Hello).
///
/// Returns the Acknowledge to send and the server's [`Negotiated`] limits.
pub fn acknowledge(
    own: &ConnectionLimits,
    hello: &Hello,
    ecc: bool,
) -> Result<(Acknowledge, Negotiated)> {
    own.validate(ecc)?;
    let min = min_buffer_size(ecc);
    if hello.receive_buffer_size < min {
        return Err(Error::TcpBufferSizeInvalid {
            field: "Hello.ReceiveBufferSize",
            value: hello.receive_buffer_size,
        });
    }
    if hello.send_buffer_size < min {
        return Err(Error::TcpBufferSizeInvalid {
            field: "Hello.SendBufferSize",
            value: hello.send_buffer_size,
        });
    }
    // ack_minimum(x) <= x, so raising to it never exceeds the Hello's offer.
    let receive_buffer_size = own
        .receive_buffer_size
        .min(hello.send_buffer_size)
        .max(ack_minimum(hello.send_buffer_size));
    let send_buffer_size = own
        .send_buffer_size
        .min(hello.receive_buffer_size)
        .max(ack_minimum(hello.receive_buffer_size));
    let ack = Acknowledge {
        protocol_version: own.protocol_version.min(hello.protocol_version),
        receive_buffer_size,
        send_buffer_size,
        max_message_size: own.max_message_size,
        max_chunk_count: own.max_chunk_count,
    };
    let negotiated = Negotiated {
        protocol_version: ack.protocol_version,
        send_buffer_size,
        receive_buffer_size,
        peer_max_message_size: hello.max_message_size,
        peer_max_chunk_count: hello.max_chunk_count,
        local_max_message_size: own.max_message_size,
        local_max_chunk_count: own.max_chunk_count,
    };
    Ok((ack, negotiated))
}

/// Client side: checks the server's Acknowledge against the Hello the
/// client sent (OPC 10000-6 §7.1.2.4, Table 75).
///
/// * ProtocolVersion above the Hello's: [`Error::ProtocolVersionUnsupported`].
/// * ReceiveBufferSize above the Hello's SendBufferSize, or SendBufferSize
///   above the Hello's ReceiveBufferSize: [`Error::TcpBufferSizeInvalid`].
/// * Each Acknowledge buffer size below 8192 when the Hello's counterpart
///   was at least 8192, or below 1024 otherwise:
///   [`Error::TcpBufferSizeInvalid`].
///
/// Returns the client's [`Negotiated`] limits: it sends chunks of at most
/// the server's ReceiveBufferSize and accepts chunks of at most the
/// server's SendBufferSize.
pub fn check_acknowledge(hello: &Hello, ack: &Acknowledge) -> Result<Negotiated> {
    if ack.protocol_version > hello.protocol_version {
        return Err(Error::ProtocolVersionUnsupported(ack.protocol_version));
    }
    if ack.receive_buffer_size > hello.send_buffer_size
        || ack.receive_buffer_size < ack_minimum(hello.send_buffer_size)
    {
        return Err(Error::TcpBufferSizeInvalid {
            field: "Acknowledge.ReceiveBufferSize",
            value: ack.receive_buffer_size,
        });
    }
    if ack.send_buffer_size > hello.receive_buffer_size
        || ack.send_buffer_size < ack_minimum(hello.receive_buffer_size)
    {
        return Err(Error::TcpBufferSizeInvalid {
            field: "Acknowledge.SendBufferSize",
            value: ack.send_buffer_size,
        });
    }
    Ok(Negotiated {
        protocol_version: ack.protocol_version,
        send_buffer_size: ack.receive_buffer_size,
        receive_buffer_size: ack.send_buffer_size,
        peer_max_message_size: ack.max_message_size,
        peer_max_chunk_count: ack.max_chunk_count,
        local_max_message_size: hello.max_message_size,
        local_max_chunk_count: hello.max_chunk_count,
    })
}
