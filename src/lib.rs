//! # uasc — OPC UA Secure Conversation, sans-IO
//!
//! `uasc` implements the UA Connection Protocol (UACP, OPC 10000-6 §7.1) and
//! UA Secure Conversation (UASC, OPC 10000-6 §6.7) as plain functions over
//! bytes. It owns no sockets, threads or clocks: the caller feeds received
//! bytes in and writes the bytes it is given out.
//!
//! ## Architecture
//!
//! ```text
//!  receive                                             send
//!  ───────                                             ────
//!  TCP bytes (any split)                               message body
//!      │                                                   │
//!      ▼                                                   ▼
//!  chunk::Framer ── 8-byte header checked first:      messages (OpenSecureChannel,
//!      │            type known, size ≤ receive          CloseSecureChannel, ServiceFault)
//!      │            buffer, before the body is          │ codec::Encode
//!      ▼            buffered                            ▼
//!  whole frames ──► uacp (HEL/ACK/ERR/RHE)            chunks: MessageHeader,
//!      │                                               security header, sequence header,
//!      ▼                                               body
//!  chunk headers: MessageHeader, Asymmetric/           │
//!  SymmetricSecurityHeader, SequenceHeader             ▼
//!      │                                               bytes to write
//!      ▼
//!  message bodies (codec::Decode, bounded by codec::DecodeLimits)
//! ```
//!
//! * [`codec`]: the OPC UA Binary encoding (OPC 10000-6 §5.2) with a borrowed
//!   [`codec::Reader`] and a [`codec::Writer`] over a caller-owned buffer.
//! * [`uacp`]: Hello, Acknowledge, Error and ReverseHello, and the buffer-size
//!   negotiation both sides perform.
//! * [`chunk`]: the stream [`chunk::Framer`] and the MessageChunk headers
//!   (OPC 10000-6 §6.7.2).
//! * [`messages`]: the service bodies the secure channel itself exchanges,
//!   and the discovery services (GetEndpoints, FindServers).
//! * [`crypto`]: the primitives the policies and EncryptedSecret draw from,
//!   behind a [`crypto::CryptoProvider`] (RustCrypto by default): HMAC,
//!   AES-CBC, AEAD, ECDH/XDH, RSA, ECDSA and EdDSA, P_SHA and HKDF.
//! * [`policy`]: the pluggable [`policy::SecurityPolicy`] trait and this
//!   crate's policies ([`policy::BuiltinPolicy`]: None, the RSA policies and
//!   the eight ECC policies with ephemeral keys). A policy describes itself
//!   ([`policy::PolicyDescriptor`]), turns the two nonces of an
//!   OpenSecureChannel exchange into a token's keys ([`policy::KeyExchange`]
//!   → [`policy::TokenKeys`], two [`policy::ChunkProtection`] objects), and
//!   names the algorithms OPN chunks are signed and encrypted with, using an
//!   [`policy::OwnKey`] and a [`policy::PeerKey`]. Other crates add policies
//!   (another crypto backend, keys in a hardware module, policies not built
//!   in) by implementing these traits.
//! * [`chunk::secure_message`] splits a message into MSG chunks within the
//!   peer's limits; [`chunk::secure_symmetric`] and [`chunk::open_symmetric`]
//!   secure and open one MSG/CLO chunk in place;
//!   [`chunk::secure_asymmetric`] and [`chunk::open_asymmetric`] do the same
//!   for OPN chunks.
//! * [`channel`]: the secure channel as sans-IO state machines,
//!   [`channel::ClientChannel`] and [`channel::ServerChannel`]: Hello and
//!   Acknowledge, OpenSecureChannel Issue and Renew (the client renews at
//!   75 % of the token lifetime; old and new tokens overlap as
//!   OPC 10000-4 §5.6.2.1 says), sequence numbers, reassembly within
//!   [`channel::ReceiveLimits`] and a [`channel::ByteBudget`] shared by a
//!   server's channels, abort chunks, CloseSecureChannel, ERR, ReverseHello.
//!   A channel's [`channel::Identity`] (certificate and key) is made from a
//!   certificate and a key in memory, read from PEM or DER files, or taken
//!   from a directory store's `own/` folder.
//! * [`key`]: application instance keys, one type per algorithm
//!   ([`key::RsaPrivateKey`], [`key::EcdsaPrivateKey`],
//!   [`key::Ed25519PrivateKey`], [`key::Ed448PrivateKey`];
//!   [`key::RsaPublicKey`], [`key::EcdsaPublicKey`],
//!   [`key::EdDsaPublicKey`]) and [`key::PrivateKey`], which holds any of
//!   them: read from PKCS#8, PKCS#1 or SEC1 in DER or PEM, or generated.
//! * [`secret`]: passwords and tokens encrypted for a server
//!   (OPC 10000-4 §7.41 EncryptedSecret, RSA and ECC; the legacy format of
//!   §7.40.2.2) and a server's rotating ephemeral ECDH keys.
//! * [`cert`]: the [`cert::CertificateValidator`] a channel asks about the
//!   peer's certificate, the validation steps of OPC 10000-4 §6.1.3
//!   ([`cert::validate_chain`], over [`cert::TrustLists`]), and SHA-1
//!   thumbprints. [`cert::StoreValidator`] runs those steps over a
//!   directory trust store ([`cert::DirectoryStore`], OPC 10000-12 Annex F);
//!   [`cert::CertificateParams`] makes certificates and CRLs.
//! * [`StatusCode`] and [`Error`]: every error maps to an OPC UA StatusCode.
//! * `driver` (feature `tokio`): an async client and server over tokio TCP
//!   that own the sockets, the clock and the tasks and drive the channels
//!   above, in the way tokio-rustls and quinn drive rustls and quinn-proto.
//!
//! How to drive a channel (which methods are getters, `handle_*`,
//! mutators and `poll_*`, and in which order to call them) is in the
//! [`channel` module docs](channel#call-discipline).
//!
//! ## Cargo features
//!
//! | feature | default | what it brings |
//! |---|---|---|
//! | `tokio` | off | the `driver` module: an async client and server, with `tokio` and `bytes` as dependencies. Without it nothing in the crate depends on an async runtime. |
//! | `cert-generate` | on | certificate and CRL generation: [`cert::CertificateParams`], `cert::GeneratedCertificate`, `cert::Issuer`, `cert::generate_crl`, and `Identity::from(GeneratedCertificate)`. Brings the `x509-cert` dependency. |
//! | `cert-store` | on | the directory store of OPC 10000-12 Annex F ([`cert::DirectoryStore`]), the validator over it ([`cert::StoreValidator`]), and `Identity::from_store`. |
//! | `legacy-policies` | off | the deprecated and attackable Basic128Rsa15 and Basic256 policies, and `rsa-1_5` legacy secrets. |
//!
//! With `default-features = false` the channel core remains, whole: the
//! codec, UACP, chunks, messages, policies, both channel ends, keys (read
//! and generated), certificate validation against trust lists the caller
//! fills, and secrets. An identity is then made with
//! [`channel::Identity::new`] or read with [`channel::Identity::from_files`].
//!
#![cfg_attr(
    feature = "cert-store",
    doc = "[`cert::DirectoryStore`]: cert::DirectoryStore\n\n[`cert::StoreValidator`]: cert::StoreValidator"
)]
#![cfg_attr(
    not(feature = "cert-store"),
    doc = "[`cert::DirectoryStore`]: #cargo-features\n\n[`cert::StoreValidator`]: #cargo-features"
)]
#![cfg_attr(
    feature = "cert-generate",
    doc = "[`cert::CertificateParams`]: cert::CertificateParams"
)]
#![cfg_attr(
    not(feature = "cert-generate"),
    doc = "[`cert::CertificateParams`]: #cargo-features"
)]
//!
//! ## A channel in memory
//!
//! The caller moves bytes and time; here both ends run in one function
//! with SecurityPolicy None.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Instant, SystemTime};
//! use uasc::cert::InsecureAcceptAnyCertificate;
//! use uasc::channel::{
//!     ByteBudget, ClientChannel, ClientConfig, Event, SecurityRequirement, ServerChannel,
//!     ServerConfig,
//! };
//! use uasc::messages::MessageSecurityMode;
//! use uasc::policy::{SecurityPolicy, NONE};
//!
//! let none: Arc<dyn SecurityPolicy> = Arc::new(NONE);
//! let validator = Arc::new(InsecureAcceptAnyCertificate);
//! let (now, utc) = (Instant::now(), SystemTime::now());
//! let client_config = ClientConfig::new(
//!     "opc.tcp://127.0.0.1:4840",
//!     none.clone(),
//!     MessageSecurityMode::None,
//!     validator.clone(),
//! );
//! let mut server_config = ServerConfig::new(vec![none], None, validator);
//! server_config.security = SecurityRequirement::Disabled;
//! // Randomness comes from the operating system; `with_rng` injects an RNG.
//! let mut client = ClientChannel::new(client_config, now, utc).unwrap();
//! let mut server =
//!     ServerChannel::new(Arc::new(server_config), ByteBudget::default(), now, utc).unwrap();
//!
//! let mut request_id = None;
//! let mut answered = None;
//! for _ in 0..10 {
//!     let (mut up, mut down) = (Vec::new(), Vec::new());
//!     client.poll_transmit(&mut up);
//!     server.handle_input(now, &up);
//!     while let Some(event) = server.poll_event() {
//!         if let Event::Message { request_id, body } = event {
//!             server.send_response(request_id, &body).unwrap(); // echo
//!         }
//!     }
//!     server.poll_transmit(&mut down);
//!     client.handle_input(now, &down);
//!     while let Some(event) = client.poll_event() {
//!         match event {
//!             Event::Opened { .. } => request_id = Some(client.send_request(b"ping").unwrap()),
//!             Event::Message { request_id, body } => answered = Some((request_id, body)),
//!             _ => {}
//!         }
//!     }
//! }
//! assert_eq!(answered, Some((request_id.unwrap(), b"ping".to_vec())));
//! ```
//!
//! ## Decoding a Hello
//!
//! ```
//! use uasc::uacp::Hello;
//! use uasc::codec::{decode_exact, encode_to_vec, DecodeLimits};
//!
//! let hello = Hello {
//!     protocol_version: 0,
//!     receive_buffer_size: 65_535,
//!     send_buffer_size: 65_535,
//!     max_message_size: 0,
//!     max_chunk_count: 0,
//!     endpoint_url: "opc.tcp://127.0.0.1:4840".into(),
//! };
//! let bytes = encode_to_vec(&hello).unwrap();
//! let back: Hello = decode_exact(&bytes, DecodeLimits::default()).unwrap();
//! assert_eq!(back, hello);
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod budget;
pub mod cert;
pub mod channel;
pub mod chunk;
pub mod codec;
pub mod crypto;
#[cfg(feature = "tokio")]
pub mod driver;
mod error;
pub mod key;
pub mod messages;
pub mod policy;
pub mod secret;
mod status;
pub mod uacp;

pub use budget::ByteBudget;
pub use error::{Error, Result};
/// The `rand_core` the channel constructors take an RNG from
/// ([`channel::ClientChannel::with_rng`]), re-exported so that callers name
/// the same version.
pub use rand_core;
pub use status::StatusCode;
