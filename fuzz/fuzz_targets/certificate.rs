//! Certificate parsing and the OPC 10000-4 §6.1.3 validation steps
//! (`validate_chain`) on arbitrary DER, against a fixed trust list: an
//! RSA-2048 CA, trusted, with an empty CRL, which issued an application
//! certificate; made once from a fixed seed and fixed dates, checked at a
//! fixed time, so every input replays exactly.
//!
//! The first byte chooses how the rest is read:
//! * `0`: the chain as it is;
//! * `1`: the issued certificate, changed by the flips the rest describes
//!   (`offset (u16) ‖ xor (u8)` triples). It may only validate if what its
//!   CA signed (the TBSCertificate) is unchanged;
//! * `2`: the issued certificate followed by the rest, as the issuers the
//!   peer sent.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::cert::{
    CertificateParams, GeneratedCertificate, SigningHash, TrustLists, ValidationContext,
    ValidationOptions, generate_crl, parse_certificate, validate_chain,
};
use uasc::key::KeyKind;
use uasc::policy::{BASIC256_SHA256, Role};

mod support;

const URI: &str = "urn:fuzz:application";

fn at(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

struct Fixture {
    leaf: Vec<u8>,
    lists: TrustLists,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(23);
        let dated = |mut p: CertificateParams, serial: u8| {
            p.not_before = at(1_700_000_000);
            p.not_after = at(2_000_000_000);
            p.serial = vec![serial];
            p
        };
        let ca = GeneratedCertificate::generate(
            KeyKind::Rsa(2048),
            &dated(CertificateParams::ca("Fuzz CA", 1), 1),
            None,
            &mut rng,
        )
        .expect("a CA");
        let leaf = GeneratedCertificate::generate(
            KeyKind::Rsa(2048),
            &dated(
                CertificateParams::application("Fuzz application", URI, &["127.0.0.1"], 1),
                2,
            ),
            Some(&ca.as_issuer()),
            &mut rng,
        )
        .expect("an application certificate");
        let crl = generate_crl(
            &ca.as_issuer(),
            &[],
            at(1_700_000_000),
            at(2_000_000_000),
            SigningHash::Sha256,
        )
        .expect("a CRL");
        Fixture {
            leaf: leaf.der,
            lists: TrustLists {
                trusted: vec![ca.der],
                issuers: Vec::new(),
                crls: vec![crl],
            },
        }
    })
}

fn validate(chain: &[u8]) -> uasc::Result<()> {
    let mut context = ValidationContext::new(
        Role::Client,
        BASIC256_SHA256.descriptor(),
        at(1_800_000_000),
    );
    context.application_uri = Some(URI);
    validate_chain(
        chain,
        &context,
        &fixture().lists,
        &ValidationOptions::default(),
        None,
    )
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let _ = parse_certificate(rest);
            let _ = validate(rest);
        }
        1 => {
            let mut leaf = f.leaf.clone();
            support::flip(&mut leaf, rest);
            let ok = validate(&leaf).is_ok();
            if leaf == f.leaf {
                assert!(ok, "the issued certificate validates");
            } else if ok {
                let original = parse_certificate(&f.leaf).expect("it parses");
                let changed = parse_certificate(&leaf).expect("it validated");
                assert_eq!(
                    changed.tbs_certificate.as_ref(),
                    original.tbs_certificate.as_ref(),
                    "a certificate whose signed part changed validated"
                );
            }
        }
        _ => {
            let mut chain = f.leaf.clone();
            chain.extend_from_slice(rest);
            let _ = validate(&chain);
        }
    }
});
