//! Both OPN chunks of every captured connection decrypt with the recorded
//! private keys, verify against the sender's certificate, and yield the
//! recorded plaintext and body; tampered chunks are rejected.
//!
//! Captures of the deprecated policies are checked with
//! `--features legacy-policies` and skipped (and counted) without.

mod common;

use common::{captures, h, s};
use rand::SeedableRng;
use uasc::StatusCode;
use uasc::chunk::open_asymmetric;
use uasc::policy::{AsymmetricSignature, PrivateKey, PublicKey, by_uri};

#[test]
fn captured_opn_chunks_open() {
    let (mut verified, mut skipped) = (0, 0);
    let mut rng = rand::rngs::StdRng::try_from_rng(&mut rand::rngs::SysRng).unwrap();
    for (name, v) in captures() {
        let Some(policy) = by_uri(s(&v, "security_policy_uri")) else {
            skipped += 1;
            continue;
        };
        let client_key = PrivateKey::from_pkcs8_pem(s(&v, "client_private_key_pem")).unwrap();
        let server_key = PrivateKey::from_pkcs8_pem(s(&v, "server_private_key_pem")).unwrap();
        let client_cert =
            PublicKey::from_certificate_der(&h(&v, "client_certificate_der_hex")).unwrap();
        let server_cert =
            PublicKey::from_certificate_der(&h(&v, "server_certificate_der_hex")).unwrap();
        assert_eq!(
            client_cert,
            client_key.public_key(),
            "{name}: client key matches its certificate"
        );

        for (field, receiver, sender, sender_private) in [
            ("opn_request", &server_key, &client_cert, &client_key),
            ("opn_response", &client_key, &server_cert, &server_key),
        ] {
            let ctx = format!("{name} {field}");
            let o = &v[field];
            let raw = h(o, "raw_chunk_hex");
            let header_len = o["asym_header_len"].as_u64().unwrap() as usize;
            let opened = open_asymmetric(&raw, policy, receiver, sender, 1 << 16).expect(&ctx);
            assert_eq!(
                opened.plaintext[header_len..],
                h(o, "decrypted_hex")[..],
                "{ctx}: plaintext"
            );
            assert_eq!(
                opened.plaintext[opened.body.clone()],
                h(o, "body_hex")[..],
                "{ctx}: body"
            );
            assert_eq!(
                u64::from(opened.sequence.sequence_number),
                o["sequence_number"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(opened.sequence.request_id),
                o["request_id"].as_u64().unwrap()
            );

            // PKCS#1 v1.5 signatures are deterministic: ours equals theirs.
            let scheme = policy.asymmetric_signature.unwrap();
            if scheme != AsymmetricSignature::RsaPssSha256 {
                let sig_len = sender.size();
                let signed = &opened.plaintext[..opened.plaintext.len() - sig_len];
                let ours = sender_private.sign(scheme, signed, &mut rng).unwrap();
                assert_eq!(ours, h(o, "signature_hex"), "{ctx}: signature");
            }

            // The wrong private key, and tampered bytes, are rejected: the
            // first and last byte of every ciphertext block, and bytes of the
            // signed headers (policy URI, certificate, thumbprint).
            let e = open_asymmetric(&raw, policy, sender_private, sender, 1 << 16).unwrap_err();
            assert_eq!(
                e.status_code(),
                StatusCode::BAD_SECURITY_CHECKS_FAILED,
                "{ctx}: wrong key"
            );
            let k = receiver.size();
            let mut positions: Vec<usize> = (header_len..raw.len())
                .step_by(k)
                .flat_map(|b| [b, b + k - 1])
                .collect();
            positions.extend([20, 100, header_len - 25, header_len - 1]);
            for i in positions {
                let mut bad = raw.clone();
                bad[i] ^= 0x01;
                let e = open_asymmetric(&bad, policy, receiver, sender, 1 << 16).unwrap_err();
                assert_eq!(
                    e.status_code(),
                    StatusCode::BAD_SECURITY_CHECKS_FAILED,
                    "{ctx} byte {i}"
                );
            }
        }
        verified += 1;
    }
    println!("opn vectors: {verified} files verified, {skipped} legacy files skipped");
    assert!(verified > 0, "no capture files verified");
}
