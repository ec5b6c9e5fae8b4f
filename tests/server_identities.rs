//! A server holding one identity per certificate type (RSA and each
//! curve): every policy opens with the identity whose key fits it, picked
//! by the ReceiverCertificateThumbprint of the client's OpenSecureChannel;
//! a configuration that offers a policy no identity fits is refused; a
//! single identity keeps working as before.

#![cfg(feature = "cert-generate")]

mod common;

use std::sync::Arc;

use common::pair::{
    Identities, Pair, client_config, ecc_identities, identities, identities_for, shared,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{CertificateParams, GeneratedCertificate};
use uasc::channel::{ClientState, Identity, ServerConfig, ServerState};
use uasc::key::KeyKind;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    BASIC256_SHA256, ECC_NIST_P256, ECC_NIST_P256_AES_GCM, ECC_NIST_P384, NONE, SecurityPolicy,
};
use uasc::{Error, StatusCode};

/// A server's and a client's identities of every certificate type: RSA,
/// P-256 and P-384 by name, and the other curves of the compiled-in
/// policies (brainpool, Ed25519, Ed448).
struct Three {
    rsa: Identities,
    p256: Identities,
    p384: Identities,
    others: Vec<Identities>,
}

fn three() -> Three {
    let mut kinds = vec![
        BASIC256_SHA256.descriptor().certificate_key_kind(),
        ECC_NIST_P256.descriptor().certificate_key_kind(),
        ECC_NIST_P384.descriptor().certificate_key_kind(),
    ];
    let mut others = Vec::new();
    for policy in uasc::policy::ALL
        .iter()
        .filter(|p| !p.descriptor().is_none())
    {
        let kind = policy.descriptor().certificate_key_kind();
        if !kinds.contains(&kind) {
            kinds.push(kind);
            others.push(identities_for(policy));
        }
    }
    Three {
        rsa: identities(),
        p256: ecc_identities("ECC_nistP256"),
        p384: ecc_identities("ECC_nistP384"),
        others,
    }
}

/// A server offering every compiled-in policy, its RSA identity as
/// `identity` and the ECC ones as `identities`.
fn server(ids: &Three) -> ServerConfig {
    let mut config = common::pair::server_config(&ids.rsa);
    config.policies = uasc::policy::ALL.iter().map(|p| shared(p)).collect();
    config.identities = [&ids.p256, &ids.p384]
        .into_iter()
        .chain(&ids.others)
        .map(|i| i.server.clone())
        .collect();
    config
}

/// The pair of identities for `policy` among `ids`.
fn pair_for<'a>(ids: &'a Three, policy: &dyn SecurityPolicy) -> &'a Identities {
    [&ids.rsa, &ids.p256, &ids.p384]
        .into_iter()
        .chain(&ids.others)
        .find(|i| i.server.fits(policy))
        .expect("an identity for every secured policy")
}

fn same(a: &Identity, b: &Identity) -> bool {
    a.certificate == b.certificate
}

#[test]
fn every_policy_and_mode_opens_with_the_identity_of_its_certificate_type() {
    let ids = three();
    let config = server(&ids);
    config.validate().unwrap();
    for (policy, mode) in common::pair::policy_modes() {
        let name = format!("{} {mode:?}", policy.descriptor().name);
        let client = if policy.descriptor().is_none() {
            client_config(&ids.rsa, policy, mode)
        } else {
            client_config(pair_for(&ids, policy), policy, mode)
        };
        let mut pair = Pair::new(client, config.clone(), 9);
        pair.drive();
        assert_eq!(pair.client.state(), ClientState::Open, "{name}");
        assert_eq!(pair.server.state(), ServerState::Open, "{name}");
        if !policy.descriptor().is_none() {
            let expected = &pair_for(&ids, policy).server.certificate;
            assert_eq!(pair.server.own_certificate(), Some(&expected[..]), "{name}");
            assert_eq!(
                pair.client.peer_certificate(),
                Some(&expected[..]),
                "{name}"
            );
            // The endpoint description's certificate for this policy.
            let endpoint = config.identity_for(&*shared(policy)).unwrap();
            assert_eq!(endpoint.certificate, *expected, "{name}");
        }
        // A renewal keeps the identity.
        if !policy.descriptor().is_none() {
            let now = pair.now;
            pair.client.renew(now).unwrap();
            pair.drive();
            assert_eq!(pair.server.state(), ServerState::Open, "{name}");
            assert!(
                pair.server_events
                    .iter()
                    .any(|e| matches!(e, uasc::channel::Event::TokenRenewed { .. })),
                "{name}"
            );
        }
    }
}

#[test]
fn identity_for_names_the_first_identity_whose_key_fits() {
    let ids = three();
    let config = server(&ids);
    let of = |p: &'static uasc::policy::BuiltinPolicy| config.identity_for(p).cloned();
    assert!(same(&of(&BASIC256_SHA256).unwrap(), &ids.rsa.server));
    assert!(same(&of(&ECC_NIST_P256).unwrap(), &ids.p256.server));
    assert!(same(&of(&ECC_NIST_P256_AES_GCM).unwrap(), &ids.p256.server));
    assert!(same(&of(&ECC_NIST_P384).unwrap(), &ids.p384.server));
    assert!(of(&NONE).is_none());
    assert_eq!(config.all_identities().count(), 3 + ids.others.len());
    // Keys fit only their own policies.
    assert!(ids.rsa.server.fits(&BASIC256_SHA256));
    assert!(!ids.rsa.server.fits(&ECC_NIST_P256));
    assert!(!ids.p256.server.fits(&ECC_NIST_P384));
    assert!(!ids.p384.server.fits(&BASIC256_SHA256));
    assert!(!ids.p256.server.fits(&NONE));
}

#[test]
fn a_policy_offered_without_an_identity_of_its_type_is_a_configuration_error() {
    let ids = three();
    let mut config = server(&ids);
    config.identities.retain(|i| !i.fits(&ECC_NIST_P384));
    assert!(matches!(config.validate(), Err(Error::Configuration(_))));
    let refused = uasc::channel::ServerChannel::new(
        Arc::new(config.clone()),
        uasc::channel::ByteBudget::new(1 << 20),
        std::time::Instant::now(),
        std::time::SystemTime::now(),
    );
    assert!(matches!(refused, Err(Error::Configuration(_))));
    // Without the policies of P-384 certificates on offer, the same
    // identities are enough.
    let p384 = ECC_NIST_P384.descriptor().certificate_key_kind();
    config
        .policies
        .retain(|p| p.descriptor().certificate_key_kind() != p384);
    config.validate().unwrap();
    // An ECC identity alone for the RSA policies is not.
    let mut ecc_only = server(&ids);
    ecc_only.identity = Some(ids.p256.server.clone());
    ecc_only.identities.retain(|i| !i.fits(&ECC_NIST_P256));
    assert!(matches!(ecc_only.validate(), Err(Error::Configuration(_))));
}

#[test]
fn a_single_identity_keeps_working_for_its_policies() {
    let ids = three();
    let mut config = common::pair::server_config(&ids.rsa);
    config.policies = vec![shared(&NONE), shared(&BASIC256_SHA256)];
    config.validate().unwrap();
    let client = client_config(
        &ids.rsa,
        &BASIC256_SHA256,
        MessageSecurityMode::SignAndEncrypt,
    );
    let mut pair = Pair::new(client, config, 3);
    pair.drive();
    assert_eq!(pair.server.state(), ServerState::Open);
}

#[test]
fn a_request_for_another_certificate_of_the_type_is_refused() {
    // Two P-256 identities would be ambiguous without the thumbprint: the
    // server takes the one the client names, and refuses a thumbprint
    // that is none of them.
    let ids = three();
    let p256 = |seed| {
        let params = CertificateParams::application("other", "urn:other", &["localhost"], 30);
        let rng = &mut StdRng::seed_from_u64(seed);
        Identity::from(GeneratedCertificate::generate(KeyKind::P256, &params, None, rng).unwrap())
    };
    let other = p256(1);
    let mut config = server(&ids);
    config.identities.insert(0, other.clone());
    for target in [&ids.p256.server, &other] {
        let mut client = client_config(&ids.p256, &ECC_NIST_P256, MessageSecurityMode::Sign);
        client.server_certificate = Some(target.certificate.clone());
        let mut pair = Pair::new(client, config.clone(), 4);
        pair.drive();
        assert_eq!(pair.server.state(), ServerState::Open);
        assert_eq!(pair.server.own_certificate(), Some(&target.certificate[..]));
    }
    // A P-256 certificate the server does not hold is not ours.
    let mut client = client_config(&ids.p256, &ECC_NIST_P256, MessageSecurityMode::Sign);
    client.server_certificate = Some(p256(2).certificate);
    let mut pair = Pair::new(client, config, 5);
    pair.drive();
    assert_eq!(pair.server.state(), ServerState::Closed);
    assert_eq!(
        Pair::closed(&pair.server_events),
        Some(StatusCode::BAD_CERTIFICATE_INVALID)
    );
}
