//! Every way an OPN chunk can fail to open costs the same work: a
//! ciphertext that fails to decrypt still has its signature verified, over
//! as many bytes as a good one, so that timing does not tell the failures
//! apart (a padding oracle against RSA-OAEP / PKCS#1 v1.5). The three
//! failure kinds (bad decryption, bad signature, bad padding) all give the
//! one `BadSecurityChecksFailed`.

mod common;
mod opn_support;

use std::sync::Mutex;

use common::{captures, s};
use opn_support::{opn, opn_with_bad_decryption, opn_with_bad_padding};
use uasc::Error;
use uasc::chunk::open_asymmetric;
use uasc::key::{RsaPrivateKey, RsaPublicKey};
use uasc::policy::{AsymmetricEncryption, AsymmetricSignature, BASIC256_SHA256, OwnKey, PeerKey};

/// A peer key that records every verification: how many bytes it covered.
#[derive(Debug)]
struct Counting {
    inner: RsaPublicKey,
    verified: Mutex<Vec<usize>>,
}

impl PeerKey for Counting {
    fn bits(&self) -> usize {
        self.inner.bits()
    }
    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.inner.signature_len(scheme)
    }
    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], sig: &[u8]) -> uasc::Result<()> {
        self.verified.lock().unwrap().push(data.len());
        self.inner.verify(scheme, data, sig)
    }
    fn plaintext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.inner.plaintext_block_size(scheme)
    }
    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.inner.ciphertext_block_size(scheme)
    }
    fn encrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
        rng: &mut dyn rand::CryptoRng,
    ) -> uasc::Result<Vec<u8>> {
        self.inner.encrypt_block(scheme, block, rng)
    }
}

struct Keys {
    client: RsaPrivateKey,
    server: RsaPrivateKey,
}

fn keys() -> Keys {
    let v = &captures()[0].1;
    Keys {
        client: RsaPrivateKey::from_pkcs8_pem(s(v, "client_private_key_pem")).unwrap(),
        server: RsaPrivateKey::from_pkcs8_pem(s(v, "server_private_key_pem")).unwrap(),
    }
}

#[test]
fn every_failure_verifies_a_signature_over_the_same_bytes() {
    let k = keys();
    let server_public = k.server.public_key();
    let peer = Counting {
        inner: k.client.public_key(),
        verified: Mutex::new(Vec::new()),
    };
    let good = opn(&k.client, &server_public, &[5; 100]);
    let bad_decryption = opn_with_bad_decryption(&k.client, &server_public);
    // Signed with another key than the client's (the server's own).
    let bad_signature = opn(&k.server, &server_public, &[5; 100]);
    let bad_padding = opn_with_bad_padding(&k.client, &server_public);
    let open = |chunk: &[u8]| {
        open_asymmetric(
            chunk,
            BASIC256_SHA256.descriptor(),
            Some((&k.server as &dyn OwnKey, &peer as &dyn PeerKey)),
            1 << 20,
        )
    };
    let opened = open(&good).unwrap();
    assert_eq!(&opened.plaintext[opened.body.clone()], &[5; 100]);
    for (what, chunk) in [
        ("bad decryption", &bad_decryption),
        ("bad signature", &bad_signature),
        ("bad padding", &bad_padding),
    ] {
        assert_eq!(
            open(chunk).unwrap_err(),
            Error::SecurityChecksFailed,
            "{what}"
        );
    }
    let verified = peer.verified.lock().unwrap().clone();
    assert_eq!(
        verified.len(),
        4,
        "one verification per chunk, failures included"
    );
    assert!(
        verified.iter().all(|&n| n == verified[0]),
        "the same number of bytes each time: {verified:?}"
    );
}
