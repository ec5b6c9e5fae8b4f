//! What a channel is told before it starts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::cert::CertificateValidator;
use crate::messages::MessageSecurityMode;
use crate::policy::SecurityPolicy;
use crate::uacp::ConnectionLimits;
use crate::{Error, Result};

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
    /// SuppressHostNameInvalid (OPC 10000-6 Annex E.6): accept a server
    /// certificate that does not name the host of `endpoint_url`; the
    /// validator's audit hook still sees the mismatch. Off by default: the
    /// host is checked (OPC 10000-4 §6.1.3 step "Host Name") and a
    /// mismatch is `BadCertificateHostNameInvalid`.
    pub suppress_host_name_invalid: bool,
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
            suppress_host_name_invalid: false,
        }
    }

    /// Checks the settings: mode and policy agree, the buffer sizes reach
    /// the minimum of OPC 10000-6 Table 69 (1024 bytes with an ECC policy,
    /// else 8192), and a secured policy has an identity and the server's
    /// certificate.
    pub fn validate(&self) -> Result<()> {
        let descriptor = self.policy.descriptor();
        if descriptor.is_none() != (self.mode == MessageSecurityMode::None)
            || self.mode == MessageSecurityMode::Invalid
        {
            return Err(Error::SecurityModeRejected);
        }
        self.connection.validate(descriptor.is_ecc())?;
        if self.requested_lifetime == 0 {
            return Err(Error::Configuration("requested_lifetime of 0"));
        }
        Ok(())
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
    /// A server that offers policies of several certificate types (RSA and
    /// ECC curves) puts one of them here and the others in
    /// [`identities`](Self::identities).
    pub identity: Option<Identity>,
    /// Further identities, one per further certificate type: each policy is
    /// served with an identity whose key fits it (OPC 10000-6 §6.2.2,
    /// [`Identity::fits`]), `identity` first. The client names the one it
    /// means by the ReceiverCertificateThumbprint of its OpenSecureChannel
    /// request. Empty by default.
    pub identities: Vec<Identity>,
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
    /// Where TokenIds come from. Clones of a configuration share it, so
    /// that TokenIds are unique across all the channels of a server (and
    /// across a configuration replaced by a modified clone of itself).
    pub token_ids: TokenIds,
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
            identities: Vec::new(),
            validator,
            lifetime_bounds: (10_000, 3_600_000),
            connection: ConnectionLimits::DEFAULT,
            receive: ReceiveLimits::DEFAULT,
            timeouts: Timeouts::default(),
            first_sequence_number: 1,
            token_ids: TokenIds::default(),
        }
    }

    /// Whether an ECC policy is offered: then a Hello may announce buffers
    /// down to 1024 bytes (OPC 10000-6 §7.1.2.3 Table 69).
    pub fn offers_ecc(&self) -> bool {
        self.policies.iter().any(|p| p.descriptor().is_ecc())
    }

    /// Every identity held: [`identity`](Self::identity), then
    /// [`identities`](Self::identities).
    pub fn all_identities(&self) -> impl Iterator<Item = &Identity> {
        self.identity.iter().chain(&self.identities)
    }

    /// The identity `policy` is served with: the first of
    /// [`all_identities`](Self::all_identities) whose key fits it. This is
    /// the certificate of the policy's endpoint descriptions (OPC 10000-4
    /// §7.14). `None` for policy None, or when no identity fits.
    pub fn identity_for(&self, policy: &dyn SecurityPolicy) -> Option<&Identity> {
        self.all_identities().find(|i| i.fits(policy))
    }

    /// Checks the settings: token lifetime bounds with a minimum above 0
    /// and not above the maximum, buffer sizes that reach the minimum of
    /// OPC 10000-6 Table 69 for the policies offered, and, once any
    /// identity is configured, an identity of the right certificate type
    /// for every secured policy offered (a server with no identity at all
    /// refuses every secured OpenSecureChannel with
    /// `BadSecurityPolicyRejected`).
    pub fn validate(&self) -> Result<()> {
        let (min, max) = self.lifetime_bounds;
        if min == 0 {
            return Err(Error::Configuration(
                "lifetime_bounds: a minimum of 0 would grant tokens that expire at once",
            ));
        }
        if min > max {
            return Err(Error::Configuration(
                "lifetime_bounds: minimum above maximum",
            ));
        }
        self.connection.validate(self.offers_ecc())?;
        if self.all_identities().next().is_some()
            && self
                .policies
                .iter()
                .any(|p| !p.descriptor().is_none() && self.identity_for(&**p).is_none())
        {
            return Err(Error::Configuration(
                "a secured policy offered has no identity of its certificate type",
            ));
        }
        Ok(())
    }
}

/// A server's source of TokenIds: a counter shared by every channel given
/// a clone of it, so that a TokenId identifies one SecurityToken across the
/// server (OPC 10000-4 §5.6.2.2), never 0.
#[derive(Debug, Clone)]
pub struct TokenIds(Arc<AtomicU32>);

impl TokenIds {
    /// A counter whose first TokenId is `first` (0 is skipped).
    pub fn starting_at(first: u32) -> Self {
        TokenIds(Arc::new(AtomicU32::new(first)))
    }

    /// The next TokenId.
    pub fn next_id(&self) -> u32 {
        loop {
            let id = self.0.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return id;
            }
        }
    }
}

impl Default for TokenIds {
    /// Starts at 1.
    fn default() -> Self {
        TokenIds::starting_at(1)
    }
}
