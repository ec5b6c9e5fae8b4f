//! The command lines of the example client and server (clap), and the
//! names of policies, modes and security requirements on them.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use uasc::channel::SecurityRequirement;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, BuiltinPolicy};

use super::client::ClientOptions;
use super::server::ServerOptions;

/// Opens a secure channel, calls GetEndpoints, keeps the channel over token
/// renewals and closes it, printing each step with its duration.
#[derive(Debug, Clone, Parser)]
#[command(name = "client", args_override_self = true)]
pub struct ClientArgs {
    /// The server, opc.tcp://host:port
    #[arg(long)]
    pub url: String,
    /// The security policy, by short name or URI
    #[arg(long, default_value = "Basic256Sha256", value_parser = policy)]
    pub policy: &'static BuiltinPolicy,
    /// None, Sign or SignAndEncrypt [default: None with policy None,
    /// SignAndEncrypt otherwise]
    #[arg(long, value_parser = mode)]
    pub mode: Option<MessageSecurityMode>,
    /// The PKI folder (OPC 10000-12 Annex F layout), made on first use
    #[arg(long, default_value = "pki/client")]
    pub pki: PathBuf,
    /// The server's DER certificate; without it, it comes from GetEndpoints
    /// over a None channel
    #[arg(long)]
    pub server_cert: Option<PathBuf>,
    /// Token renewals to wait for, calling GetEndpoints after each
    #[arg(long, default_value_t = 0)]
    pub renewals: u32,
    /// The token lifetime asked for, in milliseconds
    #[arg(long, default_value_t = 3_600_000)]
    pub token_lifetime: u32,
    /// The URL tried when the first fails
    #[arg(long)]
    pub alternative_url: Option<String>,
    /// Accept server certificates that are merely untrusted
    #[arg(long)]
    pub auto_trust: bool,
    /// How long each step may take, in seconds
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
    /// GetEndpoints calls on the opened channel, timed one by one
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub round_trips: u32,
    /// Renew the channels of ECC policies without SecureChannelEnhancements
    /// (ECC_nistP256, ECC_nistP384, ...) without chaining the
    /// previous key input, as open62541 does (`chain_renewals(false)`)
    #[arg(long)]
    pub no_chain_renewals: bool,
}

impl ClientArgs {
    /// What the client runs with.
    pub fn options(self) -> ClientOptions {
        let mode = self.mode.unwrap_or(if self.policy.descriptor().is_none() {
            MessageSecurityMode::None
        } else {
            MessageSecurityMode::SignAndEncrypt
        });
        ClientOptions {
            url: self.url,
            policy: chaining(self.policy, !self.no_chain_renewals),
            mode,
            pki: self.pki,
            server_cert: self.server_cert,
            renewals: self.renewals,
            token_lifetime: self.token_lifetime,
            alternative_url: self.alternative_url,
            auto_trust: self.auto_trust,
            timeout: Duration::from_secs(self.timeout),
            round_trips: self.round_trips,
        }
    }
}

/// Answers GetEndpoints and FindServers on every compiled-in policy and mode
/// (or a chosen subset) and refuses other services with
/// BadServiceUnsupported. Prints `READY opc.tcp://…` when listening.
#[derive(Debug, Clone, Parser)]
#[command(name = "server", args_override_self = true)]
pub struct ServerArgs {
    /// The TCP port; 0 picks a free one
    #[arg(long, default_value_t = 4840)]
    pub port: u16,
    /// The address to listen on, and the host in the endpoint URL
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The PKI folder (OPC 10000-12 Annex F layout), made on first use
    #[arg(long, default_value = "pki/server")]
    pub pki: PathBuf,
    /// `all` or a comma-separated list of policies
    #[arg(long, default_value = "all", value_parser = policies)]
    pub policies: Policies,
    /// `all` or a comma-separated list of None, Sign, SignAndEncrypt
    #[arg(long, default_value = "all", value_parser = modes)]
    pub modes: Modes,
    /// disabled, optional or mandatory
    #[arg(long, default_value = "optional", value_parser = security)]
    pub security: SecurityRequirement,
    /// The token lifetime granted, in milliseconds [default: what the
    /// client asks for, within 10 s to 1 h]
    #[arg(long)]
    pub token_lifetime: Option<u32>,
    /// Accept client certificates that are merely untrusted
    #[arg(long)]
    pub auto_trust: bool,
    /// Stop after this many seconds
    #[arg(long)]
    pub duration: Option<u64>,
    /// Connections served at once; one more is told BadTcpServerTooBusy
    #[arg(long, default_value_t = 1000)]
    pub max_connections: usize,
    /// The bytes all channels together may hold in partly received frames
    /// and messages [default: the driver's, 64 MiB]
    #[arg(long)]
    pub budget: Option<usize>,
    /// Print `STATS connections=N budget-used=B` every this many
    /// milliseconds
    #[arg(long)]
    pub stats: Option<u64>,
    /// Look for a new own certificate in the PKI folder every this many
    /// milliseconds; 0 never
    #[arg(long, default_value_t = 1000)]
    pub pki_poll: u64,
    /// Renew the channels of ECC policies without SecureChannelEnhancements
    /// (ECC_nistP256, ECC_nistP384, ...) without chaining the
    /// previous key input, as open62541 does (`chain_renewals(false)`)
    #[arg(long)]
    pub no_chain_renewals: bool,
}

impl ServerArgs {
    /// What the server runs with.
    pub fn options(self) -> ServerOptions {
        ServerOptions {
            host: self.host,
            port: self.port,
            pki: self.pki,
            policies: self
                .policies
                .0
                .into_iter()
                .map(|p| chaining(p, !self.no_chain_renewals))
                .collect(),
            modes: self.modes.0,
            security: self.security,
            token_lifetime: self.token_lifetime,
            auto_trust: self.auto_trust,
            duration: self.duration.map(Duration::from_secs),
            max_connections: self.max_connections,
            budget: self
                .budget
                .unwrap_or_else(|| uasc::channel::ByteBudget::default().limit()),
            stats: self.stats.map(Duration::from_millis),
            pki_poll: (self.pki_poll > 0).then(|| Duration::from_millis(self.pki_poll)),
        }
    }
}

/// `policy`, or, when `chain` is false and it is a policy whose renewals
/// chain by choice (ECC without SecureChannelEnhancements), a copy of it
/// with `chain_renewals(false)`, made once for the process.
pub fn chaining(policy: &'static BuiltinPolicy, chain: bool) -> &'static BuiltinPolicy {
    let d = policy.descriptor();
    if chain || !d.is_ecc() || d.secure_channel_enhancements || !policy.chains_renewals() {
        return policy;
    }
    Box::leak(Box::new(policy.chain_renewals(false)))
}

/// A list of policies given as one argument.
#[derive(Debug, Clone)]
pub struct Policies(pub Vec<&'static BuiltinPolicy>);

/// A list of modes given as one argument.
#[derive(Debug, Clone)]
pub struct Modes(pub Vec<MessageSecurityMode>);

/// A policy by its short name (`Basic256Sha256`) or URI.
pub fn policy(name: &str) -> Result<&'static BuiltinPolicy, String> {
    policy::by_name(name)
        .or_else(|| policy::by_uri(name))
        .ok_or_else(|| {
            let known: Vec<_> = policy::ALL.iter().map(|p| p.descriptor().name).collect();
            format!("unknown policy {name}; compiled in: {}", known.join(", "))
        })
}

/// Policies from a comma-separated list, or all with `all`.
pub fn policies(list: &str) -> Result<Policies, String> {
    if list == "all" {
        return Ok(Policies(policy::ALL.to_vec()));
    }
    list.split(',')
        .map(policy)
        .collect::<Result<_, _>>()
        .map(Policies)
}

pub fn mode(name: &str) -> Result<MessageSecurityMode, String> {
    match name {
        "None" | "none" => Ok(MessageSecurityMode::None),
        "Sign" | "sign" => Ok(MessageSecurityMode::Sign),
        "SignAndEncrypt" | "signandencrypt" | "encrypt" => Ok(MessageSecurityMode::SignAndEncrypt),
        _ => Err(format!("unknown mode {name}: None, Sign or SignAndEncrypt")),
    }
}

/// Modes from a comma-separated list, or all three with `all`.
pub fn modes(list: &str) -> Result<Modes, String> {
    if list == "all" {
        return Ok(Modes(vec![
            MessageSecurityMode::None,
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ]));
    }
    list.split(',')
        .map(mode)
        .collect::<Result<_, _>>()
        .map(Modes)
}

pub fn security(name: &str) -> Result<SecurityRequirement, String> {
    match name {
        "disabled" => Ok(SecurityRequirement::Disabled),
        "optional" => Ok(SecurityRequirement::Optional),
        "mandatory" => Ok(SecurityRequirement::Mandatory),
        _ => Err(format!(
            "unknown security {name}: disabled, optional or mandatory"
        )),
    }
}

/// Every compiled-in policy with each mode it allows.
pub fn all_policy_modes() -> Vec<(&'static BuiltinPolicy, MessageSecurityMode)> {
    let mut out = Vec::new();
    for p in policy::ALL.iter().copied() {
        if p.descriptor().is_none() {
            out.push((p, MessageSecurityMode::None));
        } else {
            out.push((p, MessageSecurityMode::Sign));
            out.push((p, MessageSecurityMode::SignAndEncrypt));
        }
    }
    out
}
