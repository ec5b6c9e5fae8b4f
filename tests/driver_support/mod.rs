//! What the driver tests share: identities made on the spot, channel
//! configurations, a server on loopback.
#![allow(dead_code)]

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{CertificateParams, GeneratedCertificate, InsecureAcceptAnyCertificate};
use uasc::channel::{ClientConfig, Identity, SecurityRequirement, ServerConfig};
use uasc::driver::{self, Handler, Server, ServerOptions};
use uasc::key::KeyKind;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{BuiltinPolicy, SecurityPolicy};

/// An application instance certificate with its key, as DER, PEM and an
/// [`Identity`].
#[derive(Clone)]
pub struct Made {
    pub identity: Identity,
    pub der: Vec<u8>,
    pub key_pem: String,
}

/// A fresh RSA-2048 identity for `name`, with the application URI `uri`
/// and the hosts of loopback.
pub fn identity(name: &str, uri: &str, seed: u64) -> Made {
    let params = CertificateParams::application(name, uri, &["localhost", "127.0.0.1"], 30);
    let mut rng = StdRng::seed_from_u64(seed);
    let made = GeneratedCertificate::generate(KeyKind::Rsa(2048), &params, None, &mut rng).unwrap();
    let key_pem = made.key.to_pkcs8_pem().unwrap().to_string();
    let der = made.der.clone();
    Made {
        identity: Identity::from(made),
        der,
        key_pem,
    }
}

pub fn policy(p: &'static BuiltinPolicy) -> Arc<dyn SecurityPolicy> {
    Arc::new(*p)
}

/// A server configuration offering every compiled-in policy and mode that
/// fits the key of `server` (every one without it).
pub fn server_config(server: Option<&Made>) -> ServerConfig {
    let mut c = ServerConfig::new(
        uasc::policy::ALL
            .iter()
            .map(|p| policy(p))
            .filter(|p| p.descriptor().is_none() || server.is_none_or(|m| m.identity.fits(&**p)))
            .collect(),
        server.map(|m| m.identity.clone()),
        Arc::new(InsecureAcceptAnyCertificate),
    );
    c.security = SecurityRequirement::Optional;
    c
}

/// A client configuration for `url`: policy None, or `policy` and mode
/// SignAndEncrypt with our identity and the server's certificate.
pub fn client_config(url: &str, secured: Option<(&Made, &[u8])>) -> ClientConfig {
    match secured {
        None => ClientConfig::new(
            url,
            policy(&uasc::policy::NONE),
            MessageSecurityMode::None,
            Arc::new(InsecureAcceptAnyCertificate),
        ),
        Some((client, server_certificate)) => {
            let mut c = ClientConfig::new(
                url,
                policy(&uasc::policy::BASIC256_SHA256),
                MessageSecurityMode::SignAndEncrypt,
                Arc::new(InsecureAcceptAnyCertificate),
            );
            c.identity = Some(client.identity.clone());
            c.server_certificate = Some(server_certificate.to_vec().into());
            c
        }
    }
}

/// A server on a free loopback port; returns it with its URL.
pub async fn start(
    config: ServerConfig,
    options: ServerOptions,
    handler: impl Handler,
) -> (Server, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = driver::serve_with(listener, config, options, handler).unwrap();
    let url = format!("opc.tcp://{}", server.local_addr());
    (server, url)
}
