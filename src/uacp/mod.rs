//! The UA Connection Protocol (UACP, OPC 10000-6 §7.1).
//!
//! UACP is the handshake that precedes any secure channel on `opc.tcp`: the
//! client sends a [`Hello`], the server answers with an [`Acknowledge`] (or an
//! [`ErrorMessage`] before it closes the socket), and both sides then know
//! how large the chunks they exchange may be (§7.1.2.3, §7.1.2.4). With
//! reverse connect the server opens the socket and starts with a
//! [`ReverseHello`] (§7.1.2.6).
//!
//! * The message structs implement [`Encode`](crate::codec::Encode) and
//!   [`Decode`](crate::codec::Decode) for the message *body* only, without
//!   the 8-byte header.
//! * [`UacpMessage`] reads and writes whole frames, header included.
//! * [`acknowledge`] (server) and [`check_acknowledge`] (client) apply the
//!   buffer-size rules and produce the [`Negotiated`] limits of a
//!   connection.
//!
//! ```
//! use uasc::uacp::{acknowledge, check_acknowledge, ConnectionLimits, UacpMessage};
//! use uasc::codec::DecodeLimits;
//!
//! // Client: send a Hello built from its own limits.
//! let client = ConnectionLimits::default();
//! let hello = client.hello("opc.tcp://127.0.0.1:4840");
//! let mut wire = Vec::new();
//! UacpMessage::Hello(hello.clone()).encode_frame(&mut wire).unwrap();
//!
//! // Server: decode it and answer.
//! let UacpMessage::Hello(received) = UacpMessage::decode_frame(&wire, DecodeLimits::default()).unwrap() else {
//!     unreachable!()
//! };
//! let (ack, server_side) = acknowledge(&ConnectionLimits::default(), &received, false).unwrap();
//!
//! // Client: check the answer.
//! let client_side = check_acknowledge(&hello, &ack).unwrap();
//! assert_eq!(client_side.send_buffer_size, server_side.receive_buffer_size);
//! assert_eq!(client_side.receive_buffer_size, server_side.send_buffer_size);
//! ```

mod acknowledge;
mod error_message;
mod hello;
mod message;
mod negotiate;
mod reverse_hello;
mod strings;

pub use acknowledge::Acknowledge;
pub use error_message::ErrorMessage;
pub use hello::{Hello, MAX_HELLO_SIZE};
pub use message::UacpMessage;
pub use negotiate::{
    ConnectionLimits, MIN_BUFFER_SIZE, MIN_BUFFER_SIZE_ECC, Negotiated, acknowledge,
    check_acknowledge, min_buffer_size,
};
pub use reverse_hello::ReverseHello;
pub use strings::{MAX_REASON_LENGTH, MAX_URL_LENGTH};
