//! OPN chunks from a client to a server that fail in each of the three ways
//! opening can fail, for the tests and the `opn_failures` benchmark.
#![allow(dead_code)]

use rand::SeedableRng;
use rand::rngs::StdRng;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, OpnChunk, SequenceHeader, secure_asymmetric,
};
use uasc::key::{RsaPrivateKey, RsaPublicKey};
use uasc::policy::{AsymmetricEncryption, AsymmetricSignature, BASIC256_SHA256, OwnKey, PeerKey};

/// An OPN chunk from the client to the server carrying `body`, signed by
/// `signer`.
pub fn opn(signer: &RsaPrivateKey, to: &RsaPublicKey, body: &[u8]) -> Vec<u8> {
    let thumbprint = [7u8; 20];
    let certificate = vec![0x30u8; 600];
    let chunk = OpnChunk {
        secure_channel_id: 0,
        security_header: AsymmetricSecurityHeader {
            security_policy_uri: Some(BASIC256_SHA256.descriptor().uri),
            sender_certificate: Some(&certificate),
            receiver_certificate_thumbprint: Some(&thumbprint),
        },
        sequence: SequenceHeader {
            sequence_number: 1,
            request_id: 1,
        },
    };
    let mut out = Vec::new();
    let mut rng = StdRng::seed_from_u64(1);
    secure_asymmetric(
        &mut out,
        &chunk,
        body,
        BASIC256_SHA256.descriptor(),
        Some((signer as &dyn OwnKey, to as &dyn PeerKey)),
        usize::MAX,
        &mut rng,
    )
    .unwrap();
    out
}

/// An OPN chunk whose padding is wrong but whose signature is good: built
/// by hand as the sender would, with a PaddingSize that does not match.
pub fn opn_with_bad_padding(signer: &RsaPrivateKey, to: &RsaPublicKey) -> Vec<u8> {
    let good = opn(signer, to, &[5; 100]);
    let header_len = ChunkHeaders::parse(&good, 1 << 20).unwrap().header_len;
    let scheme = AsymmetricEncryption::RsaOaepSha1;
    let block = to.plaintext_block_size(scheme);
    let cipher_block = to.ciphertext_block_size(scheme);
    let sig_len = signer.signature_len(AsymmetricSignature::RsaPkcs1v15Sha256);
    let blocks = (good.len() - header_len) / cipher_block;
    let plain_len = blocks * block;
    // SequenceHeader, body, padding bytes that disagree with PaddingSize.
    let mut plain = vec![1, 0, 0, 0, 1, 0, 0, 0];
    plain.extend_from_slice(&[5; 100]);
    let padding_len = plain_len - sig_len - plain.len();
    plain.extend((0..padding_len).map(|i| {
        if i == 3 {
            0xEE
        } else {
            (padding_len - 1) as u8
        }
    }));
    let mut signed = good[..header_len].to_vec();
    signed.extend_from_slice(&plain);
    let mut rng = StdRng::seed_from_u64(2);
    let sig = signer
        .sign(AsymmetricSignature::RsaPkcs1v15Sha256, &signed, &mut rng)
        .unwrap();
    plain.extend_from_slice(&sig);
    let mut out = good[..header_len].to_vec();
    for b in plain.chunks(block) {
        out.extend(to.encrypt_block(scheme, b, &mut rng).unwrap());
    }
    assert_eq!(out.len(), good.len());
    out
}

/// A good chunk with its last RSA block damaged, so that it no longer
/// decrypts.
pub fn opn_with_bad_decryption(signer: &RsaPrivateKey, to: &RsaPublicKey) -> Vec<u8> {
    let mut chunk = opn(signer, to, &[5; 100]);
    let last = chunk.len() - 1;
    chunk[last] ^= 1;
    chunk
}
