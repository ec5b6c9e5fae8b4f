//! The ECC OpenSecureChannel path of a server channel: a real client's OPN
//! request under one of the eight ECC policies (the first input byte picks
//! it), changed by the input, given to a server that has seen the client's
//! Hello.
//!
//! The rest of the input is a list of edits `(offset: u16 LE, mask: u8)`
//! XORed into the request (into its nonce, its signature, its headers),
//! optionally followed, after a 0xFF marker, by bytes that replace the
//! signature and everything after it (signatures of any length). Bad
//! points, bad lengths and forged signatures must end the channel with a
//! status code; the server must never panic, never hold more than its byte
//! budget, and send nothing more once it reported `Closed`.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{CertificateParams, GeneratedCertificate, InsecureAcceptAnyCertificate};
use uasc::channel::{
    ByteBudget, ClientChannel, ClientConfig, Event, Identity, SecurityRequirement, ServerChannel,
    ServerConfig, ServerState,
};
use uasc::key::PrivateKey;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{ALL, BuiltinPolicy, SecurityPolicy};

/// Per ECC policy: the client's and the server's identity, made once.
struct Setup {
    policy: &'static BuiltinPolicy,
    client: Identity,
    server: Identity,
}

fn setups() -> &'static [Setup] {
    static SETUPS: OnceLock<Vec<Setup>> = OnceLock::new();
    SETUPS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(7);
        let params = CertificateParams::application("fuzz", "urn:uasc:fuzz", &[], 3650);
        let mut identity = |kind| {
            let made = GeneratedCertificate::generate(kind, &params, None, &mut rng)
                .expect("a generated certificate");
            let key: PrivateKey = made.key.clone();
            Identity::new(made.der.clone(), key).expect("a matching pair")
        };
        ALL.iter()
            .copied()
            .filter(|p| p.descriptor().is_ecc())
            .map(|policy| {
                let kind = policy
                    .descriptor()
                    .certificate_key_kind()
                    .expect("a key kind");
                Setup {
                    policy,
                    client: identity(kind),
                    server: identity(kind),
                }
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let setups = setups();
    let Some(setup) = setups.get(usize::from(pick) % setups.len()) else {
        return;
    };
    let now = Instant::now();
    let utc = SystemTime::now();
    let policy: Arc<dyn SecurityPolicy> = Arc::new(*setup.policy);
    let validator = Arc::new(InsecureAcceptAnyCertificate);
    let mode = if pick & 0x80 == 0 {
        MessageSecurityMode::SignAndEncrypt
    } else {
        MessageSecurityMode::Sign
    };
    let mut client_config = ClientConfig::new(
        "opc.tcp://127.0.0.1:4840",
        Arc::clone(&policy),
        mode,
        validator.clone(),
    );
    client_config.identity = Some(setup.client.clone());
    client_config.server_certificate = Some(setup.server.certificate.clone());
    let mut server_config = ServerConfig::new(vec![policy], Some(setup.server.clone()), validator);
    server_config.security = SecurityRequirement::Optional;
    let budget = ByteBudget::new(1 << 20);
    let mut client =
        ClientChannel::with_rng(client_config, Box::new(StdRng::seed_from_u64(1)), now, utc)
            .expect("a valid client configuration");
    let mut server = ServerChannel::with_rng(
        Arc::new(server_config),
        budget.clone(),
        Box::new(StdRng::seed_from_u64(2)),
        now,
        utc,
    )
    .expect("a valid server configuration");

    // Hello and Acknowledge, then the client's OPN request.
    let mut bytes = Vec::new();
    client.poll_transmit(&mut bytes);
    server.handle_input(now, &bytes);
    bytes.clear();
    server.poll_transmit(&mut bytes);
    client.handle_input(now, &bytes);
    while server.poll_event().is_some() {}
    while client.poll_event().is_some() {}
    let mut opn = Vec::new();
    client.poll_transmit(&mut opn);
    if opn.is_empty() {
        return;
    }

    // The edits, then the replaced tail.
    let (edits, tail) = match rest.iter().position(|&b| b == 0xFF) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    for edit in edits.chunks_exact(3) {
        let offset = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % opn.len();
        opn[offset] ^= edit[2];
    }
    if let Some(tail) = tail {
        let scheme = setup
            .policy
            .descriptor()
            .asymmetric_signature
            .expect("signed");
        let signature_len = uasc::policy::OwnKey::signature_len(&*setup.client.key, scheme);
        opn.truncate(opn.len().saturating_sub(signature_len));
        opn.extend_from_slice(tail);
        // Keep the MessageSize true, so that the signature is what is read.
        if let (Ok(size), true) = (u32::try_from(opn.len()), opn.len() >= 8) {
            opn[4..8].copy_from_slice(&size.to_le_bytes());
        }
    }
    let changed = !rest.is_empty();

    server.handle_input(now, &opn);
    let mut closed = false;
    let mut opened = false;
    while let Some(event) = server.poll_event() {
        assert!(!closed, "an event after Closed: {event:?}");
        match event {
            Event::Closed { .. } => closed = true,
            Event::Opened { .. } => opened = true,
            _ => {}
        }
    }
    let mut out = Vec::new();
    server.poll_transmit(&mut out);
    if closed {
        assert!(!server.poll_transmit(&mut out), "bytes sent after Closed");
        assert_eq!(server.state(), ServerState::Closed);
    }
    if !changed {
        assert!(opened, "the unchanged request did not open the channel");
    }
    assert!(budget.used() <= budget.limit());
});
