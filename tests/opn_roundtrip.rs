//! Securing then opening OPN chunks for every compiled-in policy and RSA key
//! sizes of 2048, 3072 and 4096 bits on either side.

mod common;

use common::{captures, s};
use rand::SeedableRng;
use rand::rngs::SysRng;
use uasc::StatusCode;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, SecurityHeader, SequenceHeader, open_asymmetric,
    secure_asymmetric,
};
use uasc::policy::{self, PrivateKey};

fn keys() -> Vec<PrivateKey> {
    let v = &captures()[0].1;
    let mut rng = rand::rngs::StdRng::try_from_rng(&mut SysRng).unwrap();
    let mut out = vec![PrivateKey::from_pkcs8_pem(s(v, "client_private_key_pem")).unwrap()];
    for bits in [3072, 4096] {
        let key = rsa::RsaPrivateKey::new(&mut rng, bits).unwrap();
        let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key).unwrap();
        out.push(PrivateKey::from_pkcs8_der(der.as_bytes()).unwrap());
    }
    out
}

#[test]
fn opn_round_trips() {
    let keys = keys();
    let mut rng = rand::rngs::StdRng::try_from_rng(&mut SysRng).unwrap();
    let thumbprint = [7u8; 20];
    let certificate = vec![0x30u8; 900];
    let mut cases = 0;
    for p in policy::ALL
        .iter()
        .filter(|p| p.asymmetric_signature.is_some())
    {
        for (sender, receiver) in [(0, 0), (0, 1), (2, 0), (1, 2), (2, 2)] {
            let (sender, receiver) = (&keys[sender], &keys[receiver]);
            if [sender.size(), receiver.size()]
                .iter()
                .any(|&b| b * 8 > p.max_asymmetric_key_bits as usize)
            {
                continue;
            }
            for body_len in [0usize, 1, 13, 200, 700] {
                let body: Vec<u8> = (0..body_len).map(|i| i as u8).collect();
                let header = AsymmetricSecurityHeader {
                    security_policy_uri: Some(p.uri),
                    sender_certificate: Some(&certificate),
                    receiver_certificate_thumbprint: Some(&thumbprint),
                };
                let seq = SequenceHeader {
                    sequence_number: 51,
                    request_id: 7,
                };
                let mut out = Vec::new();
                let to_receiver = receiver.public_key();
                secure_asymmetric(
                    &mut out,
                    4,
                    &header,
                    seq,
                    &body,
                    p,
                    Some((sender, &to_receiver)),
                    &mut rng,
                )
                .unwrap();
                let parsed = ChunkHeaders::parse(&out, 1 << 16).unwrap();
                assert!(matches!(parsed.security, SecurityHeader::Asymmetric(h) if h == header));
                assert_eq!((out.len() - parsed.header_len) % receiver.size(), 0);
                let opened = open_asymmetric(&out, p, receiver, &sender.public_key(), 1 << 16)
                    .unwrap_or_else(|e| {
                        panic!(
                            "{} {} → {} bits, body {body_len}: {e}",
                            p.name,
                            sender.size() * 8,
                            receiver.size() * 8
                        )
                    });
                assert_eq!(opened.sequence, seq);
                assert_eq!(&opened.plaintext[opened.body.clone()], &body[..]);

                // The sender's key does not decrypt what was meant for the receiver.
                if sender.size() == receiver.size() && !std::ptr::eq(sender, receiver) {
                    let e = open_asymmetric(&out, p, sender, &sender.public_key(), 1 << 16)
                        .unwrap_err();
                    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
                }
                cases += 1;
            }
        }
    }
    assert!(cases >= 3 * 5 * 5, "{cases} cases");

    // Policy None: the chunk travels in the clear.
    let header = AsymmetricSecurityHeader {
        security_policy_uri: Some(policy::NONE.uri),
        ..Default::default()
    };
    let seq = SequenceHeader {
        sequence_number: 1,
        request_id: 1,
    };
    let mut out = Vec::new();
    secure_asymmetric(
        &mut out,
        0,
        &header,
        seq,
        b"hello",
        &policy::NONE,
        None,
        &mut rng,
    )
    .unwrap();
    let opened =
        open_asymmetric(&out, &policy::NONE, &keys[0], &keys[0].public_key(), 100).unwrap();
    assert_eq!(&opened.plaintext[opened.body], b"hello");
    // An RSA policy without keys is refused rather than sent in the clear.
    let e = secure_asymmetric(
        &mut out,
        0,
        &header,
        seq,
        b"x",
        &policy::BASIC256_SHA256,
        None,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
}
