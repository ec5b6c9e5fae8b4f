//! An async driver over tokio: TCP connections driving the sans-IO
//! channels of [`crate::channel`] (feature `tokio`).
//!
//! As tokio-rustls and quinn sit beside rustls and quinn-proto, this module
//! owns what the core leaves to its caller — the socket, the clock, the
//! tasks — and follows the core's call discipline for it: bytes read go to
//! `handle_input`, the peer's end of the stream to `handle_eof`, the
//! instant from `poll_timeout` to `handle_timeout`, and after each of them
//! every event from `poll_event` and every byte from `poll_transmit` is
//! taken (OPC 10000-6 §7.1 for the transport, §6.7 for the channel).
//!
//! * [`Client`] ([`connect`]): one secure channel in a task of its own;
//!   [`Client::call`] sends a request body and returns the response body,
//!   matched by RequestId, within a per-request timeout, with a ServiceFault
//!   as [`Error::ServiceFault`]. The token is renewed in the background at
//!   75 % of its lifetime; [`Client::renew`] renews it now.
//! * [`get_endpoints`]: GetEndpoints over a channel with SecurityPolicy
//!   None, to learn a server's endpoints and certificate first.
//! * [`Server`] ([`serve`], [`serve_with`]): an accept loop with a
//!   connection limit (the connection over it is sent ERR
//!   `BadTcpServerTooBusy`), one [`ByteBudget`](crate::channel::ByteBudget)
//!   shared by all channels, a task per connection and a task per request,
//!   a [`Handler`] that turns each [`Request`] into a response body, a
//!   configuration that can be replaced while running, and a graceful
//!   [`shutdown`](Server::shutdown).
//! * [`Error`]: every network failure is an error with a
//!   [`status_code`](Error::status_code), never a panic.
//!
//! Message bodies are [`bytes::Bytes`]: what a channel delivers is handed
//! on without copying.
//!
//! # Example
//!
//! A server answering every request with its own body, and a client, on
//! loopback with SecurityPolicy None:
//!
//! ```
//! use std::sync::Arc;
//! use uasc::cert::InsecureAcceptAnyCertificate;
//! use uasc::channel::{ClientConfig, SecurityRequirement, ServerConfig};
//! use uasc::driver::{self, Request};
//! use uasc::messages::MessageSecurityMode;
//! use uasc::policy::{NONE, SecurityPolicy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! runtime.block_on(async {
//!     let none: Arc<dyn SecurityPolicy> = Arc::new(NONE);
//!     let validator = Arc::new(InsecureAcceptAnyCertificate);
//!
//!     let mut server_config = ServerConfig::new(vec![none.clone()], None, validator.clone());
//!     server_config.security = SecurityRequirement::Disabled;
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let server = driver::serve(listener, server_config, |request: Request| async move {
//!         Ok(request.body) // echo
//!     })?;
//!
//!     let url = format!("opc.tcp://{}", server.local_addr());
//!     let config = ClientConfig::new(&url, none, MessageSecurityMode::None, validator);
//!     let client = driver::connect(&url, config).await?;
//!     let response = client.call(&b"ping"[..]).await?;
//!     assert_eq!(&response[..], b"ping");
//!
//!     client.close().await?;
//!     server.shutdown().await;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! With a secured policy, the client first learns the server's certificate
//! with [`get_endpoints`] and [`find_endpoint`], and puts it and its own
//! [`Identity`](crate::channel::Identity) in the [`ClientConfig`](crate::channel::ClientConfig);
//! `examples/client.rs` does so.

mod client;
mod connection;
mod discovery;
mod error;
mod handler;
mod info;
mod server;
mod service_fault;
mod url;

pub use bytes::Bytes;
pub use client::{Client, ClientOptions, connect};
pub use discovery::{find_endpoint, get_endpoints, get_endpoints_request, get_endpoints_response};
pub use error::{Error, Result};
pub use handler::{Handler, Request, Response};
pub use info::ChannelInfo;
pub use server::{Server, ServerOptions, serve, serve_with};
pub use url::{DEFAULT_PORT, host_and_port};
