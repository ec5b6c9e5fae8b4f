//! What a channel is told before it starts.

use std::sync::Arc;
use std::time::Duration;

use crate::cert::CertificateValidator;
use crate::messages::MessageSecurityMode;
use crate::policy::SecurityPolicy;
use crate::uacp::ConnectionLimits;

use super::{Identity, ReceiveLimits};

/// How long a channel waits, and for what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the first byte of a connection to an open channel. Default 30 s.
    pub handshake: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            handshake: Duration::from_secs(30),
        }
    }
}

/// A client channel's settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The EndpointUrl sent in the Hello.
    pub endpoint_url: String,
    /// The security policy.
    pub policy: Arc<dyn SecurityPolicy>,
    /// The security mode; `None` exactly when the policy is None.
    pub mode: MessageSecurityMode,
    /// Our certificate and key (unused with policy None).
    pub identity: Option<Identity>,
    /// The server's DER certificate, from its endpoint description (unused
    /// with policy None).
    pub server_certificate: Option<Arc<[u8]>>,
    /// Decides about the certificate the server presents.
    pub validator: Arc<dyn CertificateValidator>,
    /// The token lifetime asked for, in milliseconds. Default one hour.
    pub requested_lifetime: u32,
    /// Buffer sizes and message limits announced in the Hello.
    pub connection: ConnectionLimits,
    /// What is accepted from the server.
    pub receive: ReceiveLimits,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// The first sequence number sent with a legacy policy (non-legacy
    /// policies always start at 0). Default 1.
    pub first_sequence_number: u32,
}

impl ClientConfig {
    /// Settings with the defaults for everything but the essentials.
    pub fn new(
        endpoint_url: impl Into<String>,
        policy: Arc<dyn SecurityPolicy>,
        mode: MessageSecurityMode,
        validator: Arc<dyn CertificateValidator>,
    ) -> Self {
        ClientConfig {
            endpoint_url: endpoint_url.into(),
            policy,
            mode,
            identity: None,
            server_certificate: None,
            validator,
            requested_lifetime: 3_600_000,
            connection: ConnectionLimits::DEFAULT,
            receive: ReceiveLimits::DEFAULT,
            timeouts: Timeouts::default(),
            first_sequence_number: 1,
        }
    }
}

/// Which security modes an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecurityRequirement {
    /// Mode None only (and so policy None).
    Disabled,
    /// None, Sign or SignAndEncrypt.
    Optional,
    /// SignAndEncrypt only.
    #[default]
    Mandatory,
}

impl SecurityRequirement {
    /// Whether `mode` is accepted.
    pub fn allows(self, mode: MessageSecurityMode) -> bool {
        match self {
            SecurityRequirement::Disabled => mode == MessageSecurityMode::None,
            SecurityRequirement::Optional => mode != MessageSecurityMode::Invalid,
            SecurityRequirement::Mandatory => mode == MessageSecurityMode::SignAndEncrypt,
        }
    }
}

/// A server endpoint's settings, shared by all its channels.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The policies offered.
    pub policies: Vec<Arc<dyn SecurityPolicy>>,
    /// Which modes are accepted.
    pub security: SecurityRequirement,
    /// Our certificate and key (needed unless only policy None is offered).
    pub identity: Option<Identity>,
    /// Decides about the certificates clients present.
    pub validator: Arc<dyn CertificateValidator>,
    /// The shortest and longest token lifetime granted, in milliseconds.
    /// Default 10 s to 1 h.
    pub lifetime_bounds: (u32, u32),
    /// Buffer sizes and message limits granted in the Acknowledge.
    pub connection: ConnectionLimits,
    /// What is accepted from a client.
    pub receive: ReceiveLimits,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// The first sequence number sent with a legacy policy. Default 1.
    pub first_sequence_number: u32,
}

impl ServerConfig {
    /// Settings with the defaults for everything but the essentials. The
    /// security requirement defaults to [`SecurityRequirement::Mandatory`].
    pub fn new(
        policies: Vec<Arc<dyn SecurityPolicy>>,
        identity: Option<Identity>,
        validator: Arc<dyn CertificateValidator>,
    ) -> Self {
        ServerConfig {
            policies,
            security: SecurityRequirement::default(),
            identity,
            validator,
            lifetime_bounds: (10_000, 3_600_000),
            connection: ConnectionLimits::DEFAULT,
            receive: ReceiveLimits::DEFAULT,
            timeouts: Timeouts::default(),
            first_sequence_number: 1,
        }
    }
}
