//! A full secure channel handshake per policy, client and server in memory:
//! Hello/Acknowledge, then the OpenSecureChannel request and response
//! (RSA: sign and encrypt; ECC: ephemeral key pairs, (EC)DH, HKDF, and the
//! OPN signatures; RSA_DH: ephemeral ffdhe3072 key pairs, the subgroup check
//! of the peer's value, HKDF, and RSA signatures of the OPN chunks), until
//! the client's channel is open. Every policy of `policy::ALL` but None and
//! the deprecated ones, with a certificate of the key kind its descriptor
//! asks for (RSA-2048 for the RSA and RSA_DH policies).
//!
//! `cargo bench --bench handshake [-- FILTER]`
//!
//! Certificates are not validated (`InsecureAcceptAnyCertificate`), so the
//! numbers are the protocol and its cryptography only.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use uasc::cert::{CertificateParams, GeneratedCertificate, InsecureAcceptAnyCertificate};
use uasc::channel::{
    ByteBudget, ClientChannel, ClientConfig, ClientState, Identity, ServerChannel, ServerConfig,
};
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, BuiltinPolicy, SecurityPolicy};

fn identity(policy: &BuiltinPolicy, name: &str) -> Identity {
    let mut rng = rand::rng();
    let kind = policy.descriptor().certificate_key_kind().unwrap();
    let params = CertificateParams::application(name, &format!("urn:bench:{name}"), &[], 30);
    Identity::from(GeneratedCertificate::generate(kind, &params, None, &mut rng).unwrap())
}

/// Opens one channel; panics unless the client ends up open.
fn handshake(client: &ClientConfig, server: &Arc<ServerConfig>, budget: &ByteBudget) {
    let now = Instant::now();
    let utc = SystemTime::now();
    let mut client = ClientChannel::new(client.clone(), now, utc).unwrap();
    let mut server = ServerChannel::new(Arc::clone(server), budget.clone(), now, utc).unwrap();
    let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
    for _ in 0..8 {
        client.poll_transmit(&mut to_server);
        server.handle_input(now, &to_server);
        to_server.clear();
        server.poll_transmit(&mut to_client);
        client.handle_input(now, &to_client);
        to_client.clear();
        while client.poll_event().is_some() {}
        while server.poll_event().is_some() {}
        if client.state() == ClientState::Open {
            return;
        }
    }
    panic!("handshake did not complete: {:?}", client.state());
}

fn handshakes(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    let policies = policy::ALL
        .iter()
        .copied()
        .filter(|p| !p.descriptor().is_none() && !p.descriptor().deprecated);
    for policy in policies {
        let d = policy.descriptor();
        let client_id = identity(policy, "client");
        let server_id = identity(policy, "server");
        let shared: Arc<dyn SecurityPolicy> = Arc::new(*policy);
        let mut client = ClientConfig::new(
            "opc.tcp://127.0.0.1:4840",
            Arc::clone(&shared),
            MessageSecurityMode::SignAndEncrypt,
            Arc::new(InsecureAcceptAnyCertificate),
        );
        client.server_certificate = Some(server_id.certificate.clone());
        client.identity = Some(client_id);
        let server = Arc::new(ServerConfig::new(
            vec![shared],
            Some(server_id),
            Arc::new(InsecureAcceptAnyCertificate),
        ));
        let budget = ByteBudget::new(64 << 20);
        handshake(&client, &server, &budget);
        g.bench_function(d.name, |b| b.iter(|| handshake(&client, &server, &budget)));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(20);
    targets = handshakes
}
criterion_main!(benches);
