//! A client and a server channel exchanging bytes in memory on a virtual
//! clock.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::StatusCode;
use uasc::cert::InsecureAcceptAnyCertificate;
use uasc::channel::{
    ByteBudget, ClientChannel, ClientConfig, Event, Identity, SecurityRequirement, ServerChannel,
    ServerConfig,
};
use uasc::key::PrivateKey;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

use super::{captures, captures_in, h, s, vectors_ecc_dir};

/// The client's and the server's certificates and keys, from a capture.
pub struct Identities {
    pub client: Identity,
    pub server: Identity,
}

pub fn identities() -> Identities {
    identities_of(&captures()[0].1)
}

/// The client's and the server's certificates and keys of a capture.
pub fn identities_of(v: &serde_json::Value) -> Identities {
    let identity = |cert: &str, key: &str| Identity {
        certificate: h(v, cert).into(),
        key: Arc::new(PrivateKey::from_pem(s(v, key)).unwrap()),
    };
    Identities {
        client: identity("client_certificate_der_hex", "client_private_key_pem"),
        server: identity("server_certificate_der_hex", "server_private_key_pem"),
    }
}

/// The client's and the server's ECC identities of the captured
/// connection under `policy_name` (ECC_nistP256 for P-256 keys,
/// ECC_nistP384 for P-384 keys): open62541's test certificates.
pub fn ecc_identities(policy_name: &str) -> Identities {
    let (_, v) = captures_in(&vectors_ecc_dir())
        .into_iter()
        .find(|(_, v)| s(v, "security_policy") == policy_name)
        .unwrap_or_else(|| panic!("no capture of {policy_name}"));
    identities_of(&v)
}

/// Identities whose keys fit `policy`: RSA for the RSA policies, and for
/// the ECC ones open62541's test certificates of a capture whose policy
/// needs the same key kind (P-256, P-384, the brainpool curves, Ed25519,
/// Ed448).
pub fn identities_for(policy: &BuiltinPolicy) -> Identities {
    identities_of(&capture_with_identities_for(policy))
}

/// The capture whose certificates and keys [`identities_for`] takes for
/// `policy` (with `client/server_private_key_pem`).
pub fn capture_with_identities_for(policy: &BuiltinPolicy) -> serde_json::Value {
    let d = policy.descriptor();
    if !d.is_ecc() {
        return captures().swap_remove(0).1;
    }
    let kind = d.certificate_key_kind();
    captures_in(&vectors_ecc_dir())
        .into_iter()
        .find(|(_, v)| {
            uasc::policy::by_uri(s(v, "security_policy_uri"))
                .is_some_and(|p| p.descriptor().certificate_key_kind() == kind)
        })
        .unwrap_or_else(|| panic!("no capture with {kind:?} identities"))
        .1
}

pub fn shared(p: &'static BuiltinPolicy) -> Arc<dyn SecurityPolicy> {
    Arc::new(*p)
}

pub fn client_config(
    ids: &Identities,
    policy: &'static BuiltinPolicy,
    mode: MessageSecurityMode,
) -> ClientConfig {
    let mut c = ClientConfig::new(
        "opc.tcp://127.0.0.1:4840",
        shared(policy),
        mode,
        Arc::new(InsecureAcceptAnyCertificate),
    );
    if mode != MessageSecurityMode::None {
        c.identity = Some(ids.client.clone());
        c.server_certificate = Some(ids.server.certificate.clone());
    }
    c
}

/// A server offering every compiled-in policy that fits the key of
/// `ids.server`, its certificate, and None.
pub fn server_config(ids: &Identities) -> ServerConfig {
    let mut c = ServerConfig::new(
        uasc::policy::ALL
            .iter()
            .map(|p| shared(p))
            .filter(|p| p.descriptor().is_none() || ids.server.fits(&**p))
            .collect(),
        Some(ids.server.clone()),
        Arc::new(InsecureAcceptAnyCertificate),
    );
    c.security = SecurityRequirement::Optional;
    c
}

pub struct Pair {
    pub start: Instant,
    pub now: Instant,
    pub utc: SystemTime,
    pub client: ClientChannel,
    pub server: ServerChannel,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    /// Bytes the client sent that the server has not received yet.
    pub to_server: Vec<u8>,
    /// Bytes the server sent that the client has not received yet.
    pub to_client: Vec<u8>,
    pub budget: ByteBudget,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig, seed: u64) -> Pair {
        let utc = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        Pair::at(client, server, seed, utc)
    }

    /// A pair whose wall clock starts at `utc` (for certificates, whose
    /// validity is checked against it).
    pub fn at(client: ClientConfig, server: ServerConfig, seed: u64, utc: SystemTime) -> Pair {
        let start = Instant::now();
        let budget = ByteBudget::new(64 << 20);
        let client =
            ClientChannel::with_rng(client, Box::new(StdRng::seed_from_u64(seed)), start, utc)
                .unwrap();
        let server = ServerChannel::with_rng(
            Arc::new(server),
            budget.clone(),
            Box::new(StdRng::seed_from_u64(seed ^ 0x5EED)),
            start,
            utc,
        )
        .unwrap();
        Pair {
            start,
            now: start,
            utc,
            client,
            server,
            client_events: Vec::new(),
            server_events: Vec::new(),
            to_server: Vec::new(),
            to_client: Vec::new(),
            budget,
        }
    }

    /// Collects what both sides want to send, without delivering it.
    pub fn collect(&mut self) {
        self.client.poll_transmit(&mut self.to_server);
        self.server.poll_transmit(&mut self.to_client);
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    /// Delivers everything in flight, both ways, until nothing moves.
    pub fn drive(&mut self) {
        loop {
            self.collect();
            if self.to_server.is_empty() && self.to_client.is_empty() {
                return;
            }
            let bytes = std::mem::take(&mut self.to_server);
            self.server.handle_input(self.now, &bytes);
            let bytes = std::mem::take(&mut self.to_client);
            self.client.handle_input(self.now, &bytes);
        }
    }

    /// Delivers what the client has sent so far to the server only.
    pub fn deliver_to_server(&mut self) {
        self.collect();
        let bytes = std::mem::take(&mut self.to_server);
        self.server.handle_input(self.now, &bytes);
        self.collect();
    }

    /// Delivers what the server has sent so far to the client only.
    pub fn deliver_to_client(&mut self) {
        self.collect();
        let bytes = std::mem::take(&mut self.to_client);
        self.client.handle_input(self.now, &bytes);
        self.collect();
    }

    /// Moves the clock to `t` and fires both sides' timers.
    pub fn advance_to(&mut self, t: Instant) {
        self.now = self.now.max(t);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.collect();
    }

    /// Opens the channel and checks both sides say so.
    pub fn open(&mut self) {
        self.drive();
        assert!(
            matches!(self.client_events.first(), Some(Event::Opened { .. })),
            "client: {:?}",
            self.client_events
        );
        assert!(
            matches!(self.server_events.first(), Some(Event::Opened { .. })),
            "server: {:?}",
            self.server_events
        );
    }

    /// One request/response round trip carried in `wire`, a buffer the
    /// caller reuses: the client sends `request`, the server answers it
    /// with `response`. Returns the delivered bodies' lengths.
    pub fn round_trip(
        &mut self,
        wire: &mut Vec<u8>,
        request: &[u8],
        response: &[u8],
    ) -> (usize, usize) {
        self.client.send_request(request).unwrap();
        wire.clear();
        self.client.poll_transmit(wire);
        self.server.handle_input(self.now, wire);
        let (request_id, asked) = match self.server.poll_event() {
            Some(Event::Message { request_id, body }) => (request_id, body.len()),
            other => panic!("server: {other:?}"),
        };
        self.server.send_response(request_id, response).unwrap();
        wire.clear();
        self.server.poll_transmit(wire);
        self.client.handle_input(self.now, wire);
        let answered = match self.client.poll_event() {
            Some(Event::Message { body, .. }) => body.len(),
            other => panic!("client: {other:?}"),
        };
        (asked, answered)
    }

    /// The bodies of the `Message` events of `events`, by RequestId.
    pub fn messages(events: &[Event]) -> Vec<(u32, Vec<u8>)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message { request_id, body } => Some((*request_id, body.clone())),
                _ => None,
            })
            .collect()
    }

    /// The code of the `Closed` event in `events`, if any: `Good` after
    /// an orderly close.
    pub fn closed(events: &[Event]) -> Option<StatusCode> {
        events.iter().find_map(Event::closed_code)
    }

    /// The error of the `Closed` event in `events`, if any (`Some(None)`
    /// after an orderly close).
    pub fn closed_error(events: &[Event]) -> Option<Option<uasc::Error>> {
        events.iter().find_map(|e| match e {
            Event::Closed { error } => Some(error.clone()),
            _ => None,
        })
    }
}

/// Every compiled-in policy with each mode it allows.
pub fn policy_modes() -> Vec<(&'static BuiltinPolicy, MessageSecurityMode)> {
    let mut out = Vec::new();
    for p in uasc::policy::ALL.iter().copied() {
        if p.descriptor().is_none() {
            out.push((p, MessageSecurityMode::None));
        } else {
            out.push((p, MessageSecurityMode::Sign));
            out.push((p, MessageSecurityMode::SignAndEncrypt));
        }
    }
    out
}
