//! The OPC 10000-4 §6.1.3 validation steps on a generated hierarchy: each
//! fault yields its own StatusCode.
#![cfg(all(feature = "cert-generate", feature = "cert-store"))]

mod cert_support;
mod common;

use std::time::{Duration, SystemTime};

use cert_support::*;
use uasc::cert::{
    CertificateParams, CertificateValidator, ExtendedUsage, Folder, SigningHash, StoreValidator,
    Usage, ValidationContext,
};
use uasc::key::{KeyKind, PrivateKey};
use uasc::policy::{AsymmetricSignature, BASIC256_SHA256, NONE, PolicyDescriptor, Role};
use uasc::{Error, StatusCode};

fn code(result: uasc::Result<()>) -> StatusCode {
    match result {
        Ok(()) => StatusCode::GOOD,
        Err(Error::Certificate(code)) => code,
        Err(other) => panic!("not a certificate error: {other:?}"),
    }
}

fn check(pki: &Pki, chain: &[u8], context: &ValidationContext<'_>) -> StatusCode {
    code(StoreValidator::new(pki.store.clone()).validate(chain, context))
}

#[test]
fn good_chain_is_accepted() {
    let pki = Pki::new("good");
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::GOOD
    );
    // The server side checks a client: no host name, clientAuth.
    let ctx = context(Role::Client, BASIC256_SHA256.descriptor());
    assert_eq!(check(&pki, &pki.leaf.der, &ctx), StatusCode::GOOD);
}

#[test]
fn intermediate_sent_in_the_chain_completes_it() {
    let pki = Pki::new("sent-chain");
    pki.remove(Folder::IssuerCerts, "intermediate.der");
    let chain = [pki.leaf.der.clone(), pki.inter.der.clone()].concat();
    assert_eq!(check(&pki, &chain, &server_context()), StatusCode::GOOD);
}

#[test]
fn chain_missing_its_intermediate_is_incomplete() {
    let pki = Pki::new("incomplete");
    pki.remove(Folder::IssuerCerts, "intermediate.der");
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_CHAIN_INCOMPLETE
    );
}

#[test]
fn malformed_certificate_is_invalid() {
    let pki = Pki::new("malformed");
    let ctx = server_context();
    assert_eq!(check(&pki, b"", &ctx), StatusCode::BAD_CERTIFICATE_INVALID);
    assert_eq!(
        check(&pki, b"\x30\x03abc", &ctx),
        StatusCode::BAD_CERTIFICATE_INVALID
    );
    let truncated = &pki.leaf.der[..pki.leaf.der.len() - 1];
    assert_eq!(
        check(&pki, truncated, &ctx),
        StatusCode::BAD_CERTIFICATE_INVALID
    );
}

#[test]
fn bad_signature_is_invalid() {
    let pki = Pki::new("bad-signature");
    let mut der = pki.leaf.der.clone();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(
        check(&pki, &der, &server_context()),
        StatusCode::BAD_CERTIFICATE_INVALID
    );
}

#[test]
fn expired_and_not_yet_valid_leaf() {
    let pki = Pki::new("leaf-time");
    let now = SystemTime::now();
    let mut expired = leaf_params();
    expired.not_before = now - 10 * DAY;
    expired.not_after = now - DAY;
    let mut future = leaf_params();
    future.not_before = now + DAY;
    future.not_after = now + 10 * DAY;
    for params in [expired, future] {
        assert_eq!(
            check(&pki, &pki.leaf_with(&params), &server_context()),
            StatusCode::BAD_CERTIFICATE_TIME_INVALID
        );
    }
}

#[test]
fn expired_and_not_yet_valid_issuer() {
    let now = SystemTime::now();
    for (i, (from, to)) in [(now - 10 * DAY, now - DAY), (now + DAY, now + 10 * DAY)]
        .into_iter()
        .enumerate()
    {
        let pki = Pki::new(&format!("issuer-time-{i}"));
        let mut params = CertificateParams::ca("Test Intermediate CA", 1);
        params.not_before = from;
        params.not_after = to;
        let inter = cert(&params, rsa_key(1), Some(&pki.root.as_issuer()));
        pki.write(Folder::IssuerCerts, "intermediate.der", &inter.der);
        pki.write(Folder::IssuerCrl, "intermediate.crl", &crl(&inter, &[]));
        let leaf = leaf_params()
            .sign(&rsa_key(2), Some(&inter.as_issuer()))
            .unwrap();
        assert_eq!(
            check(&pki, &leaf, &server_context()),
            StatusCode::BAD_CERTIFICATE_ISSUER_TIME_INVALID
        );
    }
}

#[test]
fn revoked_leaf() {
    let pki = Pki::new("revoked-leaf");
    pki.write(
        Folder::IssuerCrl,
        "intermediate.crl",
        &crl(&pki.inter, &[&pki.leaf.der]),
    );
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_REVOKED
    );
}

#[test]
fn revoked_intermediate() {
    let pki = Pki::new("revoked-inter");
    pki.write(
        Folder::TrustedCrl,
        "root.crl",
        &crl(&pki.root, &[&pki.inter.der]),
    );
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_ISSUER_REVOKED
    );
}

#[test]
fn crl_signed_by_another_key_does_not_count() {
    let pki = Pki::new("forged-crl");
    // Same issuer name, different key: not the intermediate's CRL.
    let impostor = cert(
        &CertificateParams::ca("Test Intermediate CA", 1),
        rsa_key(3),
        None,
    );
    pki.write(Folder::IssuerCrl, "intermediate.crl", &crl(&impostor, &[]));
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
    );
}

#[test]
fn missing_crl() {
    let pki = Pki::new("missing-crl");
    pki.remove(Folder::IssuerCrl, "intermediate.crl");
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
    );
    let pki = Pki::new("missing-root-crl");
    pki.remove(Folder::TrustedCrl, "root.crl");
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_ISSUER_REVOCATION_UNKNOWN
    );
}

#[test]
fn wrong_uri() {
    let pki = Pki::new("uri");
    let mut ctx = server_context();
    ctx.application_uri = Some("urn:example:other");
    assert_eq!(
        check(&pki, &pki.leaf.der, &ctx),
        StatusCode::BAD_CERTIFICATE_URI_INVALID
    );
}

#[test]
fn wrong_host() {
    let pki = Pki::new("host");
    let mut ctx = server_context();
    ctx.host_name = Some("other.example");
    assert_eq!(
        check(&pki, &pki.leaf.der, &ctx),
        StatusCode::BAD_CERTIFICATE_HOST_NAME_INVALID
    );
    // IP addresses compare by value; DNS names without case.
    ctx.host_name = Some("127.0.0.1");
    assert_eq!(check(&pki, &pki.leaf.der, &ctx), StatusCode::GOOD);
    ctx.host_name = Some("LOCALHOST");
    assert_eq!(check(&pki, &pki.leaf.der, &ctx), StatusCode::GOOD);
    // A server checking a client does not look at host names.
    let mut ctx = context(Role::Client, BASIC256_SHA256.descriptor());
    ctx.host_name = Some("other.example");
    assert_eq!(check(&pki, &pki.leaf.der, &ctx), StatusCode::GOOD);
}

#[test]
fn missing_digital_signature() {
    let pki = Pki::new("no-digsig");
    let mut params = leaf_params();
    params.key_usage = Some(Usage {
        digital_signature: false,
        ..Usage::APPLICATION
    });
    assert_eq!(
        check(&pki, &pki.leaf_with(&params), &server_context()),
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED
    );
}

#[test]
fn missing_or_wrong_eku() {
    let pki = Pki::new("eku");
    let mut params = leaf_params();
    params.extended_key_usage = None;
    assert_eq!(
        check(&pki, &pki.leaf_with(&params), &server_context()),
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED
    );
    params.extended_key_usage = Some(ExtendedUsage {
        server_auth: false,
        client_auth: true,
    });
    let client_only = pki.leaf_with(&params);
    assert_eq!(
        check(&pki, &client_only, &server_context()),
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED
    );
    let ctx = context(Role::Client, BASIC256_SHA256.descriptor());
    assert_eq!(check(&pki, &client_only, &ctx), StatusCode::GOOD);
}

#[test]
fn ca_certificate_as_application_certificate() {
    let pki = Pki::new("ca-as-app");
    let mut params = leaf_params();
    params.ca = true;
    assert_eq!(
        check(&pki, &pki.leaf_with(&params), &server_context()),
        StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED
    );
}

#[test]
fn issuer_without_crl_sign() {
    let pki = Pki::new("issuer-use");
    let mut params = CertificateParams::ca("Test Intermediate CA", 30);
    params.key_usage = Some(Usage {
        crl_sign: false,
        ..Usage::CA
    });
    let inter = cert(&params, rsa_key(1), Some(&pki.root.as_issuer()));
    pki.write(Folder::IssuerCerts, "intermediate.der", &inter.der);
    let leaf = leaf_params()
        .sign(&rsa_key(2), Some(&inter.as_issuer()))
        .unwrap();
    assert_eq!(
        check(&pki, &leaf, &server_context()),
        StatusCode::BAD_CERTIFICATE_ISSUER_USE_NOT_ALLOWED
    );
}

#[test]
fn rsa1024_and_sha1_fail_the_policy_check() {
    let pki = Pki::new("policy");
    let small = leaf_params()
        .sign(&rsa1024(), Some(&pki.inter.as_issuer()))
        .unwrap();
    assert_eq!(
        check(&pki, &small, &server_context()),
        StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED
    );
    let mut params = leaf_params();
    params.hash = SigningHash::Sha1;
    let sha1 = pki.leaf_with(&params);
    assert_eq!(
        check(&pki, &sha1, &server_context()),
        StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED
    );
    // A deprecated policy allows both.
    let deprecated: &'static PolicyDescriptor = Box::leak(Box::new(PolicyDescriptor {
        deprecated: true,
        min_asymmetric_key_bits: 1024,
        max_asymmetric_key_bits: 2048,
        ..*BASIC256_SHA256.descriptor()
    }));
    let ctx = context(Role::Server, deprecated);
    assert_eq!(check(&pki, &sha1, &ctx), StatusCode::GOOD);
    assert_eq!(check(&pki, &small, &ctx), StatusCode::GOOD);
}

#[test]
fn untrusted_self_signed_leaf() {
    let pki = Pki::new("untrusted");
    let own = cert(&leaf_params(), rsa_key(3), None);
    assert_eq!(
        check(&pki, &own.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_UNTRUSTED
    );
}

#[test]
fn trusted_self_signed_leaf_is_accepted() {
    let pki = Pki::new("self-signed");
    let own = cert(&leaf_params(), rsa_key(3), None);
    pki.write(Folder::TrustedCerts, "app.der", &own.der);
    assert_eq!(check(&pki, &own.der, &server_context()), StatusCode::GOOD);
}

#[test]
fn pem_files_and_plural_issuers_folder_are_read() {
    let pki = Pki::new("pem");
    pki.remove(Folder::TrustedCerts, "root.der");
    pki.remove(Folder::IssuerCerts, "intermediate.der");
    let pem = x509_cert_pem(&pki.root.der);
    pki.write(Folder::TrustedCerts, "root.pem", pem.as_bytes());
    let plural = pki.store.root().join("issuers/certs");
    std::fs::create_dir_all(&plural).unwrap();
    std::fs::write(
        plural.join("intermediate.pem"),
        x509_cert_pem(&pki.inter.der),
    )
    .unwrap();
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::GOOD
    );
}

fn x509_cert_pem(der: &[u8]) -> String {
    use std::fmt::Write;
    let b64 = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        writeln!(out, "{}", std::str::from_utf8(line).unwrap()).unwrap();
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn ecc_policy(scheme: AsymmetricSignature, bits: u32) -> &'static PolicyDescriptor {
    Box::leak(Box::new(PolicyDescriptor {
        name: "TestEcc",
        asymmetric_encryption: None,
        asymmetric_signature: Some(scheme),
        certificate_key: None,
        min_asymmetric_key_bits: bits,
        max_asymmetric_key_bits: bits,
        ..*BASIC256_SHA256.descriptor()
    }))
}

#[test]
fn ecdsa_and_ed25519_chains() {
    for (kind, policy) in [
        (
            KeyKind::P256,
            ecc_policy(AsymmetricSignature::EcdsaSha256, 256),
        ),
        (
            KeyKind::P384,
            ecc_policy(AsymmetricSignature::EcdsaSha384, 384),
        ),
        (KeyKind::Ed25519, NONE.descriptor()),
    ] {
        let dir = TempDir::new("ecc");
        let store = uasc::cert::DirectoryStore::open(dir.path()).unwrap();
        let mut rng = rng();
        let root_key = PrivateKey::generate(kind, &mut rng).unwrap();
        let root = cert(&CertificateParams::ca("ECC Root", 30), root_key, None);
        let leaf_key = PrivateKey::generate(kind, &mut rng).unwrap();
        let leaf = cert(&leaf_params(), leaf_key, Some(&root.as_issuer()));
        std::fs::write(
            store.folder(Folder::TrustedCerts).join("root.der"),
            &root.der,
        )
        .unwrap();
        std::fs::write(
            store.folder(Folder::TrustedCrl).join("root.crl"),
            crl(&root, &[]),
        )
        .unwrap();
        let validator = StoreValidator::new(store.clone());
        let ctx = context(Role::Server, policy);
        assert_eq!(
            code(validator.validate(&leaf.der, &ctx)),
            StatusCode::GOOD,
            "{kind:?}"
        );
        // The ECC key under an RSA policy is refused.
        assert_eq!(
            code(validator.validate(&leaf.der, &server_context())),
            StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED,
            "{kind:?}"
        );
        std::fs::write(
            store.folder(Folder::TrustedCrl).join("root.crl"),
            crl(&root, &[&leaf.der]),
        )
        .unwrap();
        assert_eq!(
            code(validator.validate(&leaf.der, &ctx)),
            StatusCode::BAD_CERTIFICATE_REVOKED,
            "{kind:?}"
        );
        let mut bad = leaf.der.clone();
        let last = bad.len() - 2;
        bad[last] ^= 0x40;
        assert_eq!(
            code(validator.validate(&bad, &ctx)),
            StatusCode::BAD_CERTIFICATE_INVALID,
            "{kind:?}"
        );
        let _ = Duration::ZERO;
    }
}

#[test]
fn rsa_pss_and_other_hashes_verify() {
    let pki = Pki::new("pss");
    for hash in [
        SigningHash::Sha256,
        SigningHash::Sha384,
        SigningHash::Sha512,
    ] {
        for pss in [false, true] {
            let mut params = leaf_params();
            params.hash = hash;
            params.rsa_pss = pss;
            let der = pki.leaf_with(&params);
            let ctx = server_context();
            assert_eq!(
                check(&pki, &der, &ctx),
                StatusCode::GOOD,
                "{hash:?} pss={pss}"
            );
            let mut bad = der.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x80;
            assert_eq!(
                check(&pki, &bad, &ctx),
                StatusCode::BAD_CERTIFICATE_INVALID,
                "{hash:?} pss={pss}"
            );
        }
    }
}

#[test]
fn mismatched_inner_and_outer_signature_algorithm_is_invalid() {
    let pki = Pki::new("alg-mismatch");
    // sha256WithRSAEncryption → sha384WithRSAEncryption in the outer
    // AlgorithmIdentifier only: the last OID byte before the signature.
    let mut der = pki.leaf.der.clone();
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
    let pos = der.windows(oid.len()).rposition(|w| w == oid).unwrap();
    der[pos + oid.len() - 1] = 0x0c;
    assert_eq!(
        check(&pki, &der, &server_context()),
        StatusCode::BAD_CERTIFICATE_INVALID
    );
}

#[test]
fn stale_crl_is_unknown_but_still_revokes() {
    use uasc::cert::{RevokedEntry, generate_crl};
    let pki = Pki::new("stale-crl");
    let now = SystemTime::now();
    let stale = |revoked: &[RevokedEntry]| {
        generate_crl(
            &pki.inter.as_issuer(),
            revoked,
            now - 10 * DAY,
            now - DAY,
            SigningHash::Sha256,
        )
        .unwrap()
    };
    pki.write(Folder::IssuerCrl, "intermediate.crl", &stale(&[]));
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_REVOCATION_UNKNOWN
    );
    let entry = RevokedEntry {
        serial: serial_of(&pki.leaf.der),
        revoked_at: now - 5 * DAY,
    };
    pki.write(Folder::IssuerCrl, "intermediate.crl", &stale(&[entry]));
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_REVOKED
    );
}

#[test]
fn path_length_constraint_of_issuers() {
    // root (pathLen 0) → intermediate → leaf: the intermediate is one CA
    // below the root, which allows none.
    let pki = Pki::new("path-len");
    let mut params = CertificateParams::ca("Test Root CA", 30);
    params.path_len = Some(0);
    let root = cert(&params, rsa_key(0), None);
    pki.write(Folder::TrustedCerts, "root.der", &root.der);
    pki.write(Folder::TrustedCrl, "root.crl", &crl(&root, &[]));
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::BAD_CERTIFICATE_ISSUER_USE_NOT_ALLOWED
    );
    // pathLen 1 allows it.
    params.path_len = Some(1);
    let root = cert(&params, rsa_key(0), None);
    pki.write(Folder::TrustedCerts, "root.der", &root.der);
    pki.write(Folder::TrustedCrl, "root.crl", &crl(&root, &[]));
    assert_eq!(
        check(&pki, &pki.leaf.der, &server_context()),
        StatusCode::GOOD
    );
}

/// A store trusting a fresh root of `kind`, and a leaf of `kind` it issued.
fn trusted_leaf(kind: KeyKind) -> (TempDir, StoreValidator, Vec<u8>) {
    let dir = TempDir::new("kind");
    let store = uasc::cert::DirectoryStore::open(dir.path()).unwrap();
    let mut rng = rng();
    let root_key = PrivateKey::generate(kind, &mut rng).unwrap();
    let root = cert(&CertificateParams::ca("Kind Root", 30), root_key, None);
    let leaf_key = PrivateKey::generate(kind, &mut rng).unwrap();
    let leaf = cert(&leaf_params(), leaf_key, Some(&root.as_issuer()));
    std::fs::write(
        store.folder(Folder::TrustedCerts).join("root.der"),
        &root.der,
    )
    .unwrap();
    std::fs::write(
        store.folder(Folder::TrustedCrl).join("root.crl"),
        crl(&root, &[]),
    )
    .unwrap();
    (dir, StoreValidator::new(store), leaf.der)
}

#[test]
fn each_ecc_policy_takes_only_a_certificate_of_its_key_kind() {
    let ecc: Vec<_> = uasc::policy::ALL
        .iter()
        .filter(|p| p.descriptor().is_ecc())
        .collect();
    assert!(ecc.len() >= 4);
    let kinds: Vec<KeyKind> = ecc
        .iter()
        .filter_map(|p| p.descriptor().certificate_key_kind())
        .collect();
    assert_eq!(kinds.len(), ecc.len(), "every ECC policy names its key");
    for kind in &kinds {
        let (_dir, validator, leaf) = trusted_leaf(*kind);
        for policy in &ecc {
            let d = policy.descriptor();
            let ctx = ValidationContext::new(Role::Server, d, SystemTime::now());
            let expected = if d.certificate_key_kind() == Some(*kind) {
                StatusCode::GOOD
            } else {
                StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED
            };
            assert_eq!(
                code(validator.validate(&leaf, &ctx)),
                expected,
                "{kind:?} under {}",
                d.name
            );
        }
    }
}

#[test]
fn rsa_policies_name_an_rsa_key_and_none_names_none() {
    assert_eq!(NONE.descriptor().certificate_key_kind(), None);
    for policy in uasc::policy::ALL.iter().filter(|p| {
        let d = p.descriptor();
        !d.is_none() && !d.is_ecc()
    }) {
        assert!(
            matches!(
                policy.descriptor().certificate_key_kind(),
                Some(KeyKind::Rsa(bits)) if bits as u32 >= policy.descriptor().min_asymmetric_key_bits
            ),
            "{}",
            policy.descriptor().name
        );
    }
}

/// An ECC application certificate may not claim key or data encipherment
/// (an ECDSA key cannot encrypt; UA-.NETStandard refuses it too): the same
/// key in a certificate without them passes the same steps. OpenSSL made
/// both (`tests/data/identity/make.sh`).
#[test]
fn an_ecc_certificate_claiming_encipherment_is_not_for_application_use() {
    let read = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/identity")
                .join(name),
        )
        .unwrap()
    };
    let now = SystemTime::now();
    for (name, expected) in [
        ("p256.signing.cert.der", None),
        (
            "p256.encipherment.cert.der",
            Some(StatusCode::BAD_CERTIFICATE_USE_NOT_ALLOWED),
        ),
    ] {
        let cert = read(name);
        let lists = uasc::cert::TrustLists {
            trusted: vec![cert.clone()],
            ..uasc::cert::TrustLists::default()
        };
        let ctx =
            ValidationContext::new(Role::Server, uasc::policy::ECC_NIST_P256.descriptor(), now);
        let result = uasc::cert::validate_chain(
            &cert,
            &ctx,
            &lists,
            &uasc::cert::ValidationOptions::default(),
            None,
        );
        assert_eq!(result.err().map(|e| e.status_code()), expected, "{name}");
    }
}
