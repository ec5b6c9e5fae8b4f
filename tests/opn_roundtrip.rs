//! Securing then opening OPN chunks for every compiled-in policy and RSA key
//! sizes of 2048, 3072 and 4096 bits on either side.

mod common;

use common::{captures, s};
use rand::SeedableRng;
use rand::rngs::SysRng;
use uasc::StatusCode;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, OpnChunk, OpnKeys, SecurityHeader, SequenceHeader,
    open_asymmetric, secure_asymmetric,
};
use uasc::key::{RsaPrivateKey, RsaPublicKey};
use uasc::policy::{self, OwnKey};

const UNLIMITED: usize = usize::MAX;

fn pair<'k>(own: &'k RsaPrivateKey, peer: &'k RsaPublicKey) -> Option<OpnKeys<'k>> {
    Some((own as &dyn OwnKey, peer as &dyn uasc::policy::PeerKey))
}

fn keys() -> Vec<RsaPrivateKey> {
    let v = &captures()[0].1;
    let mut rng = rand::rngs::StdRng::try_from_rng(&mut SysRng).unwrap();
    let mut out = vec![RsaPrivateKey::from_pkcs8_pem(s(v, "client_private_key_pem")).unwrap()];
    for bits in [3072, 4096] {
        out.push(RsaPrivateKey::generate(bits, &mut rng).unwrap());
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
        .map(|p| p.descriptor())
        // The policies whose OPN chunks are RSA-encrypted (not RSA_DH's,
        // which are signed only: tests/channel.rs and tests/independent.rs).
        .filter(|p| p.asymmetric_encryption.is_some())
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
                let (to_receiver, from_sender) = (receiver.public_key(), sender.public_key());
                let chunk = OpnChunk {
                    secure_channel_id: 4,
                    security_header: header,
                    sequence: seq,
                };
                secure_asymmetric(
                    &mut out,
                    &chunk,
                    &body,
                    p,
                    pair(sender, &to_receiver),
                    UNLIMITED,
                    &mut rng,
                )
                .unwrap();
                let parsed = ChunkHeaders::parse(&out, 1 << 16).unwrap();
                assert!(matches!(parsed.security, SecurityHeader::Asymmetric(h) if h == header));
                assert_eq!((out.len() - parsed.header_len) % receiver.size(), 0);
                let opened = open_asymmetric(&out, p, pair(receiver, &from_sender), 1 << 16)
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
                    let e =
                        open_asymmetric(&out, p, pair(sender, &from_sender), 1 << 16).unwrap_err();
                    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
                }

                // The peer's receive buffer bounds the chunk: exactly its
                // size passes, one byte less is refused before any RSA work.
                let mut again = Vec::new();
                let keys = pair(sender, &to_receiver);
                secure_asymmetric(&mut again, &chunk, &body, p, keys, out.len(), &mut rng).unwrap();
                assert_eq!(again.len(), out.len());
                let mut refused = vec![1, 2, 3];
                let e = secure_asymmetric(
                    &mut refused,
                    &chunk,
                    &body,
                    p,
                    keys,
                    out.len() - 1,
                    &mut rng,
                )
                .unwrap_err();
                assert_eq!(e.status_code(), StatusCode::BAD_ENCODING_LIMITS_EXCEEDED);
                assert_eq!(refused, [1, 2, 3], "nothing appended");
                cases += 1;
            }
        }
    }
    assert!(cases >= 3 * 5 * 5, "{cases} cases");

    // Policy None: the chunk travels in the clear.
    let header = AsymmetricSecurityHeader {
        security_policy_uri: Some(policy::NONE.descriptor().uri),
        ..Default::default()
    };
    let seq = SequenceHeader {
        sequence_number: 1,
        request_id: 1,
    };
    let mut out = Vec::new();
    let chunk = OpnChunk {
        secure_channel_id: 0,
        security_header: header,
        sequence: seq,
    };
    let none = policy::NONE.descriptor();
    secure_asymmetric(&mut out, &chunk, b"hello", none, None, UNLIMITED, &mut rng).unwrap();
    let opened = open_asymmetric(&out, none, None, 100).unwrap();
    assert_eq!(&opened.plaintext[opened.body], b"hello");
    // An RSA policy without keys is refused rather than sent in the clear.
    let rsa = policy::BASIC256_SHA256.descriptor();
    let e = secure_asymmetric(&mut out, &chunk, b"x", rsa, None, UNLIMITED, &mut rng).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
    let e = open_asymmetric(&out, rsa, None, 100).unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SECURITY_CHECKS_FAILED);
}
