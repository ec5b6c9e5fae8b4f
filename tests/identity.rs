//! Loading an identity: RSA keys as PKCS#8 or PKCS#1 and EC keys as PKCS#8
//! or SEC1, in PEM and DER, with certificates in PEM or DER (files written
//! by OpenSSL, see `tests/data/identity/make.sh`, and the identities of
//! other stacks in the captures); each one opens a channel or signs what its
//! certificate verifies. Wrong, corrupt, encrypted, oversized and missing
//! files, unsupported keys and keys of another certificate give typed
//! errors. The store's `own/` folder and generated certificates give
//! identities without a PEM round trip.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::pair::{Pair, client_config, identities, server_config};
use common::temp::TempDir;
use common::{captures_in, h, s, vectors_dir, vectors_ecc_dir};
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::StatusCode;
use uasc::cert::split_chain;
use uasc::channel::{Identity, IdentityError, MAX_IDENTITY_FILE_SIZE};
use uasc::key::{EcdsaPublicKey, EdDsaPublicKey, KeyError, KeyKind, PrivateKey, RsaPublicKey};
use uasc::messages::MessageSecurityMode;
#[cfg(feature = "cert-generate")]
use uasc::policy::SecurityPolicy;
use uasc::policy::{AsymmetricSignature, BASIC256_SHA256, OwnKey, PeerKey};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/identity")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(data(name)).unwrap()
}

/// Opens a Basic256Sha256 SignAndEncrypt channel in memory with `client`
/// and/or `server` in place of the captures' identities, and sends a request
/// each way through it.
fn opens_a_channel(client: Option<Identity>, server: Option<Identity>) {
    let mut ids = identities();
    if let Some(c) = client {
        ids.client = c;
    }
    if let Some(s) = server {
        ids.server = s;
    }
    let config = client_config(&ids, &BASIC256_SHA256, MessageSecurityMode::SignAndEncrypt);
    let mut pair = Pair::new(config, server_config(&ids), 7);
    pair.open();
    let id = pair.client.send_request(b"ping").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.server_events),
        vec![(id, b"ping".to_vec())]
    );
    pair.server.send_response(id, b"pong").unwrap();
    pair.drive();
    assert_eq!(
        Pair::messages(&pair.client_events),
        vec![(id, b"pong".to_vec())]
    );
}

/// Signs with `identity`'s key and verifies with the key of its
/// certificate.
fn signs_what_its_certificate_verifies(identity: &Identity, scheme: AsymmetricSignature) {
    let mut rng = StdRng::seed_from_u64(1);
    let data = b"signed by an application instance key";
    let signature = identity.key.sign(scheme, data, &mut rng).unwrap();
    assert_eq!(signature.len(), identity.key.signature_len(scheme));
    let leaf = split_chain(&identity.certificate).unwrap()[0];
    match scheme {
        AsymmetricSignature::Ed25519 => {
            use ed25519_dalek::Verifier;
            use ed25519_dalek::pkcs8::DecodePublicKey;
            let (_, cert) = x509_parser::parse_x509_certificate(leaf).unwrap();
            let key = ed25519_dalek::VerifyingKey::from_public_key_der(
                cert.tbs_certificate.subject_pki.raw,
            )
            .unwrap();
            let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
            key.verify(data, &signature).unwrap();
            let mut other = data.to_vec();
            other[0] ^= 1;
            assert!(key.verify(&other, &signature).is_err());
        }
        AsymmetricSignature::Ed448 => {
            let peer = EdDsaPublicKey::from_certificate_der(leaf).unwrap();
            peer.verify(scheme, data, &signature).unwrap();
            assert!(peer.verify(scheme, b"something else", &signature).is_err());
            let mut bad = signature.clone();
            bad[0] ^= 1;
            assert!(peer.verify(scheme, data, &bad).is_err());
        }
        _ => {
            let peer = EcdsaPublicKey::from_certificate_der(leaf).unwrap();
            peer.verify(scheme, data, &signature).unwrap();
            assert!(peer.verify(scheme, b"something else", &signature).is_err());
        }
    }
}

fn key_error(result: Result<Identity, IdentityError>) -> (Option<PathBuf>, KeyError) {
    match result {
        Err(IdentityError::Key { path, error }) => (path, error),
        other => panic!("not a key error: {other:?}"),
    }
}

#[test]
fn an_rsa_key_as_pkcs8_or_pkcs1_in_pem_or_der_opens_a_channel() {
    let certificate = read("rsa.cert.der");
    for cert in ["rsa.cert.pem", "rsa.cert.der"] {
        for key in [
            "rsa.pkcs8.pem",
            "rsa.pkcs8.der",
            "rsa.pkcs1.pem",
            "rsa.pkcs1.der",
        ] {
            let identity = Identity::from_files(data(cert), data(key)).unwrap();
            assert_eq!(*identity.certificate, *certificate, "{cert} {key}");
            assert_eq!(identity.key.bits(), 2048, "{cert} {key}");
            // The same contents in memory give the same identity.
            let again = Identity::from_pem_or_der(&read(cert), &read(key)).unwrap();
            assert_eq!(again.certificate, identity.certificate);
        }
    }
    for key in ["rsa.pkcs8.pem", "rsa.pkcs1.der"] {
        let identity = Identity::from_files(data("rsa.cert.pem"), data(key)).unwrap();
        opens_a_channel(None, Some(identity.clone()));
        opens_a_channel(Some(identity), None);
    }
}

#[test]
fn an_ec_key_as_pkcs8_or_sec1_in_pem_or_der_signs_what_its_certificate_verifies() {
    for (curve, scheme, bits) in [
        ("p256", AsymmetricSignature::EcdsaSha256, 256),
        ("p384", AsymmetricSignature::EcdsaSha384, 384),
    ] {
        let certificate = read(&format!("{curve}.cert.der"));
        for cert in ["cert.pem", "cert.der"] {
            // The SEC1 PEM files begin with an EC PARAMETERS block.
            for key in ["pkcs8.pem", "pkcs8.der", "sec1.pem", "sec1.der"] {
                let (cert, key) = (format!("{curve}.{cert}"), format!("{curve}.{key}"));
                let identity = Identity::from_files(data(&cert), data(&key)).unwrap();
                assert_eq!(*identity.certificate, *certificate, "{cert} {key}");
                assert_eq!(identity.key.bits(), bits);
                signs_what_its_certificate_verifies(&identity, scheme);
                // A P-256 key does not sign ECDSA-SHA384, nor the other way.
                let other = match scheme {
                    AsymmetricSignature::EcdsaSha256 => AsymmetricSignature::EcdsaSha384,
                    _ => AsymmetricSignature::EcdsaSha256,
                };
                let mut rng = StdRng::seed_from_u64(2);
                assert!(identity.key.sign(other, b"x", &mut rng).is_err());
            }
        }
    }
    for key in ["ed25519.pkcs8.pem", "ed25519.pkcs8.der"] {
        let identity = Identity::from_files(data("ed25519.cert.pem"), data(key)).unwrap();
        assert_eq!(*identity.certificate, *read("ed25519.cert.der"));
        signs_what_its_certificate_verifies(&identity, AsymmetricSignature::Ed25519);
    }
}

#[test]
fn a_certificate_file_with_issuers_gives_the_chain_leaf_first() {
    let identity = Identity::from_files(data("chain.cert.pem"), data("rsa.pkcs8.pem")).unwrap();
    let chain = split_chain(&identity.certificate).unwrap();
    assert_eq!(chain.len(), 2);
    let (_, leaf) = x509_parser::parse_x509_certificate(chain[0]).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(chain[1]).unwrap();
    assert_eq!(leaf.issuer(), ca.subject());
    assert_ne!(leaf.subject(), ca.subject());
    // The key is the leaf's: it decrypts what the leaf's key encrypts.
    let peer = RsaPublicKey::from_certificate_der(chain[0]).unwrap();
    let scheme = uasc::policy::AsymmetricEncryption::RsaOaepSha1;
    let mut rng = StdRng::seed_from_u64(3);
    let block = peer
        .encrypt_block(scheme, b"for the leaf", &mut rng)
        .unwrap();
    assert_eq!(
        &identity.key.decrypt_block(scheme, &block).unwrap()[..],
        b"for the leaf"
    );
}

/// The identities asyncua, node-opcua and open62541 used in the captures:
/// RSA, P-256, P-384 and Ed25519 load and match their certificates;
/// brainpool and Ed448 are well-formed keys this crate does not use.
#[test]
fn the_identities_of_other_stacks_load() {
    let mut loaded = 0;
    for (name, v) in captures_in(&vectors_dir()).iter().take(4) {
        for side in ["client", "server"] {
            let cert = h(v, &format!("{side}_certificate_der_hex"));
            let key = s(v, &format!("{side}_private_key_pem"));
            let identity = Identity::from_pem_or_der(&cert, key.as_bytes()).expect(name);
            assert_eq!(identity.key.bits(), 2048, "{name}");
            loaded += 1;
        }
    }
    let mut curves = std::collections::BTreeSet::new();
    for (name, v) in captures_in(&vectors_ecc_dir()) {
        let policy = uasc::policy::by_uri(s(&v, "security_policy_uri")).expect(&name);
        let d = policy.descriptor();
        let scheme = d.asymmetric_signature.expect(&name);
        for side in ["client", "server"] {
            let cert = h(&v, &format!("{side}_certificate_der_hex"));
            let key = s(&v, &format!("{side}_private_key_pem"));
            let identity = Identity::from_pem_or_der(&cert, key.as_bytes()).expect(&name);
            let kind = PrivateKey::from_pem(key).expect(&name).kind();
            assert_eq!(Some(kind), d.certificate_key_kind(), "{name}");
            curves.insert(format!("{kind:?}"));
            signs_what_its_certificate_verifies(&identity, scheme);
            loaded += 1;
        }
    }
    assert_eq!(loaded, 8 + 16, "4 RSA captures, 8 ECC captures, both sides");
    assert_eq!(curves.len(), 6, "{curves:?}");
}

#[test]
fn a_key_of_another_certificate_is_refused() {
    for (cert, key) in [
        ("p256.cert.pem", "rsa.pkcs8.pem"),
        ("rsa.cert.der", "p256.sec1.pem"),
        ("p384.cert.pem", "p256.pkcs8.der"),
        ("p256.cert.der", "p384.sec1.der"),
        ("rsa.cert.pem", "ed25519.pkcs8.pem"),
        ("ed25519.cert.pem", "p256.pkcs8.pem"),
    ] {
        let (path, error) = key_error(Identity::from_files(data(cert), data(key)));
        assert_eq!(error, KeyError::Mismatch, "{cert} {key}");
        assert_eq!(path.as_deref(), Some(data(key).as_path()), "{cert} {key}");
    }
    // Two RSA keys of the same size: the captures' key is not the
    // certificate's.
    let v = &captures_in(&vectors_dir())[0].1;
    let other = PrivateKey::from_pem(s(v, "server_private_key_pem")).unwrap();
    let err = Identity::new(read("rsa.cert.der"), other).unwrap_err();
    assert_eq!(err.status_code(), StatusCode::BAD_CERTIFICATE_INVALID);
    assert_eq!(key_error(Err(err)), (None, KeyError::Mismatch));
    // The issuer's certificate first is not the key's either.
    let chain = split_chain(
        &Identity::from_files(data("chain.cert.pem"), data("rsa.pkcs8.pem"))
            .unwrap()
            .certificate,
    )
    .unwrap()
    .iter()
    .rev()
    .flat_map(|c| c.to_vec())
    .collect::<Vec<u8>>();
    let key = PrivateKey::from_pem_or_der(&read("rsa.pkcs8.pem")).unwrap();
    assert_eq!(
        key_error(Identity::new(chain, key)),
        (None, KeyError::Mismatch)
    );
}

#[test]
fn wrong_and_corrupt_files_give_typed_errors() {
    let dir = TempDir::new("identity-files");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let cert = data("rsa.cert.pem");

    // A file that is not there.
    let missing = dir.path().join("missing.pem");
    match Identity::from_files(&cert, &missing) {
        Err(IdentityError::Io { path, source }) => {
            assert_eq!(path, missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }

    // Keys that are not keys.
    let mut damaged = std::fs::read_to_string(data("rsa.pkcs8.pem")).unwrap();
    damaged.replace_range(100..104, "!!!!");
    for (name, bytes) in [
        ("empty.pem", Vec::new()),
        ("a-certificate.pem", read("rsa.cert.pem")),
        ("a-certificate.der", read("rsa.cert.der")),
        ("damaged.pem", damaged.into_bytes()),
        (
            "unterminated.pem",
            b"-----BEGIN PRIVATE KEY-----\nMIIE".to_vec(),
        ),
        ("garbage.der", (0..=255u8).collect()),
    ] {
        let path = write(name, &bytes);
        let (at, error) = key_error(Identity::from_files(&cert, &path));
        assert_eq!(error, KeyError::Malformed, "{name}");
        assert_eq!(at, Some(path), "{name}");
        assert_eq!(error.status_code(), StatusCode::BAD_DECODING_ERROR);
    }

    // Every truncation of every DER key is refused, and none panics.
    for key in [
        "rsa.pkcs8.der",
        "rsa.pkcs1.der",
        "p256.pkcs8.der",
        "p256.sec1.der",
        "p384.sec1.der",
        "ed25519.pkcs8.der",
    ] {
        let der = read(key);
        for len in 0..der.len() {
            assert_eq!(
                PrivateKey::from_der(&der[..len]).unwrap_err(),
                KeyError::Malformed,
                "{key} cut at {len}"
            );
        }
        assert!(PrivateKey::from_der(&der).is_ok(), "{key}");
    }

    // Encrypted keys, both the PKCS#8 and the legacy OpenSSL form.
    for key in ["rsa.pkcs8.encrypted.pem", "rsa.pkcs1.encrypted.pem"] {
        let (at, error) = key_error(Identity::from_files(&cert, data(key)));
        assert_eq!(error, KeyError::Encrypted, "{key}");
        assert_eq!(at, Some(data(key)));
    }

    // Certificates that are not certificates, each named by its file.
    for (name, bytes) in [
        ("empty.der", Vec::new()),
        ("a-key.pem", read("rsa.pkcs8.pem")),
        ("a-key.der", read("rsa.pkcs8.der")),
        ("cut.der", read("rsa.cert.der")[..500].to_vec()),
        ("garbage.crt", vec![0x30, 0x82, 0xFF, 0xFF, 1, 2, 3]),
    ] {
        let path = write(name, &bytes);
        match Identity::from_files(&path, data("rsa.pkcs8.pem")) {
            Err(e @ IdentityError::InvalidCertificate { .. }) => {
                assert_eq!(e.status_code(), StatusCode::BAD_CERTIFICATE_INVALID);
                let IdentityError::InvalidCertificate { path: at } = e else {
                    unreachable!()
                };
                assert_eq!(at, Some(path), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    // A file over the limit is not read into memory.
    let big = write("big.pem", &vec![b'-'; MAX_IDENTITY_FILE_SIZE as usize + 1]);
    match Identity::from_files(&cert, &big) {
        Err(e @ IdentityError::TooLarge { .. }) => {
            assert_eq!(e.status_code(), StatusCode::BAD_CONFIGURATION_ERROR)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_generated_key_is_a_channel_key_without_encoding() {
    let mut rng = StdRng::seed_from_u64(4);
    for name in KeyKind::NAMES.iter().filter(|n| !n.starts_with("rsa")) {
        let kind = KeyKind::from_name(name).unwrap();
        let key = PrivateKey::generate(kind, &mut rng).unwrap();
        assert_eq!(key.kind(), kind);
        let back = PrivateKey::from_der(&key.to_pkcs8_der().unwrap()).unwrap();
        assert_eq!(back.kind(), kind, "{name}");
        assert_eq!(back.public_key_der(), key.public_key_der(), "{name}");
        let pem = PrivateKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(pem.public_key_der(), key.public_key_der(), "{name}");
        // Another key of the same kind is another key.
        let other = PrivateKey::generate(kind, &mut rng).unwrap();
        assert_ne!(other.public_key_der(), key.public_key_der(), "{name}");
    }
    assert_eq!(
        PrivateKey::generate(KeyKind::Rsa(512), &mut rng).unwrap_err(),
        KeyError::Unsupported
    );
}

#[cfg(feature = "cert-generate")]
mod generated {
    use super::*;
    use uasc::cert::{CertificateParams, GeneratedCertificate};

    #[test]
    fn a_generated_certificate_is_an_identity() {
        let mut rng = StdRng::seed_from_u64(5);
        let params = CertificateParams::application("Generated", "urn:uasc:generated", &[], 30);
        let made =
            GeneratedCertificate::generate(KeyKind::Rsa(2048), &params, None, &mut rng).unwrap();
        // Identity::new checks the pair; From takes it as made.
        let checked = Identity::new(made.der.clone(), made.key.clone()).unwrap();
        assert_eq!(*checked.certificate, made.der[..]);
        opens_a_channel(None, Some(Identity::from(made)));

        let made = GeneratedCertificate::generate(KeyKind::P256, &params, None, &mut rng).unwrap();
        signs_what_its_certificate_verifies(
            &Identity::from(made),
            AsymmetricSignature::EcdsaSha256,
        );
    }

    #[test]
    fn each_ecc_policy_gets_an_identity_of_its_key_kind() {
        let mut rng = StdRng::seed_from_u64(6);
        let params = CertificateParams::application("Generated", "urn:uasc:generated", &[], 30);
        for policy in uasc::policy::ALL.iter().filter(|p| p.descriptor().is_ecc()) {
            let d = policy.descriptor();
            let kind = d.certificate_key_kind().unwrap();
            let made = GeneratedCertificate::generate(kind, &params, None, &mut rng).unwrap();
            assert_eq!(made.key.kind(), kind, "{}", d.name);
            let identity = Identity::new(made.der.clone(), made.key.clone()).unwrap();
            // The policy takes the certificate's key, and it verifies what
            // the identity signs.
            let peer = policy.peer_key(&made.der).expect(d.name);
            let scheme = d.asymmetric_signature.unwrap();
            let signature = identity.key.sign(scheme, b"data", &mut rng).unwrap();
            assert_eq!(signature.len(), peer.signature_len(scheme), "{}", d.name);
            peer.verify(scheme, b"data", &signature).expect(d.name);
            assert!(peer.verify(scheme, b"other", &signature).is_err());
        }
    }
}

#[cfg(feature = "cert-store")]
mod store {
    use super::*;
    use uasc::cert::{DirectoryStore, Folder, thumbprint, thumbprint_hex};

    fn install(store: &DirectoryStore, cert: &str, key: &str, stem: &str, key_ending: &str) {
        std::fs::copy(
            data(cert),
            store.folder(Folder::OwnCerts).join(format!("{stem}.pem")),
        )
        .unwrap();
        std::fs::copy(
            data(key),
            store
                .folder(Folder::OwnPrivate)
                .join(format!("{stem}.{key_ending}")),
        )
        .unwrap();
    }

    #[cfg(feature = "cert-generate")]
    #[test]
    fn what_install_own_writes_is_the_identity_of_the_store() {
        use uasc::cert::{CertificateParams, GeneratedCertificate};
        let dir = TempDir::new("identity-own");
        let store = DirectoryStore::open(dir.path()).unwrap();
        let mut rng = StdRng::seed_from_u64(6);
        let params = CertificateParams::application("Own", "urn:uasc:own", &["localhost"], 30);
        let made =
            GeneratedCertificate::generate(KeyKind::Rsa(2048), &params, None, &mut rng).unwrap();
        store.install_own(&made.der, &made.key).unwrap();
        let identity = Identity::from_store(&store).unwrap();
        assert_eq!(*identity.certificate, made.der[..]);
        opens_a_channel(Some(identity), None);
        let by_thumbprint =
            Identity::from_store_with_thumbprint(&store, &thumbprint(&made.der)).unwrap();
        assert_eq!(*by_thumbprint.certificate, made.der[..]);
    }

    #[test]
    fn keys_named_like_their_certificate_are_found() {
        // Other stacks name the key after the certificate's file; OpenSSL
        // wrote these as PKCS#1 PEM and SEC1 DER.
        for (cert, key, ending) in [
            ("rsa.cert.pem", "rsa.pkcs1.pem", "key"),
            ("p256.cert.pem", "p256.sec1.der", "der"),
        ] {
            let dir = TempDir::new("identity-named");
            let store = DirectoryStore::open(dir.path()).unwrap();
            install(&store, cert, key, "My Application", ending);
            let identity = Identity::from_store(&store).unwrap();
            assert_eq!(*identity.certificate, *read(&cert.replace(".pem", ".der")));
            if key.starts_with("rsa") {
                opens_a_channel(None, Some(identity));
            } else {
                signs_what_its_certificate_verifies(&identity, AsymmetricSignature::EcdsaSha256);
            }
        }
    }

    #[test]
    fn a_store_without_one_matching_identity_gives_typed_errors() {
        let dir = TempDir::new("identity-store-errors");
        let store = DirectoryStore::open(dir.path()).unwrap();
        assert!(matches!(
            Identity::from_store(&store),
            Err(IdentityError::NoOwnCertificate)
        ));

        // A certificate without its key.
        std::fs::copy(
            data("rsa.cert.der"),
            store.folder(Folder::OwnCerts).join("lonely.der"),
        )
        .unwrap();
        match Identity::from_store(&store) {
            Err(e @ IdentityError::NoPrivateKey { .. }) => {
                assert_eq!(e.status_code(), StatusCode::BAD_CONFIGURATION_ERROR);
                let IdentityError::NoPrivateKey { certificate } = e else {
                    unreachable!()
                };
                assert_eq!(
                    certificate,
                    store.folder(Folder::OwnCerts).join("lonely.der")
                );
            }
            other => panic!("{other:?}"),
        }

        // The key of another certificate under the certificate's name.
        let rsa = thumbprint(&read("rsa.cert.der"));
        let wrong = store
            .folder(Folder::OwnPrivate)
            .join(format!("{}.pem", thumbprint_hex(&rsa)));
        std::fs::copy(data("p256.pkcs8.pem"), &wrong).unwrap();
        assert_eq!(
            key_error(Identity::from_store(&store)),
            (Some(wrong.clone()), KeyError::Mismatch)
        );
        std::fs::copy(data("rsa.pkcs8.pem"), &wrong).unwrap();
        assert!(Identity::from_store(&store).is_ok());

        // Two certificates: one must be chosen.
        install(&store, "p384.cert.pem", "p384.pkcs8.pem", "second", "pem");
        assert!(matches!(
            Identity::from_store(&store),
            Err(IdentityError::SeveralOwnCertificates { count: 2 })
        ));
        let chosen = Identity::from_store_with_thumbprint(&store, &rsa).unwrap();
        assert_eq!(chosen.key.bits(), 2048);
        let p384 = thumbprint(&read("p384.cert.der"));
        let chosen = Identity::from_store_with_thumbprint(&store, &p384).unwrap();
        assert_eq!(chosen.key.bits(), 384);
        match Identity::from_store_with_thumbprint(&store, &[0xAB; 20]) {
            Err(IdentityError::UnknownThumbprint { thumbprint }) => {
                assert_eq!(thumbprint, "ab".repeat(20))
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The key types keep their material out of `Debug`.
#[test]
fn debug_output_names_only_the_algorithm() {
    let key = PrivateKey::from_pem_or_der(&read("rsa.pkcs8.pem")).unwrap();
    assert_eq!(format!("{key:?}"), "RsaPrivateKey(RSA-2048)");
    let identity: Arc<dyn OwnKey> = Arc::new(key);
    assert_eq!(format!("{identity:?}"), "RsaPrivateKey(RSA-2048)");
    let key = PrivateKey::from_pem_or_der(&read("p384.sec1.pem")).unwrap();
    assert_eq!(format!("{key:?}"), "EcdsaPrivateKey(P-384)");
    let key = PrivateKey::from_pem_or_der(&read("ed25519.pkcs8.der")).unwrap();
    assert_eq!(format!("{key:?}"), "Ed25519PrivateKey");
}
