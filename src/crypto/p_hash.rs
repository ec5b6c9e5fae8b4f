//! P_SHA1 and P_SHA256, the key derivation of the RSA security policies
//! (OPC 10000-6 §6.7.5; the P_hash construction of RFC 5246 §5 with no
//! label).

use zeroize::Zeroizing;

use super::{CryptoProvider, HashAlgorithm, default_provider};
use crate::{Error, Result};

/// The pseudo-random function a policy derives its keys with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PHash {
    /// P_SHA1 (Basic128Rsa15, Basic256).
    Sha1,
    /// P_SHA256 (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss).
    Sha256,
}

impl PHash {
    /// The hash of the HMAC it iterates.
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            PHash::Sha1 => HashAlgorithm::Sha1,
            PHash::Sha256 => HashAlgorithm::Sha256,
        }
    }

    /// Fills `out` with `P_SHA(secret, seed)`:
    ///
    /// ```text
    /// A(0) = seed, A(i) = HMAC(secret, A(i-1))
    /// P_SHA(secret, seed) = HMAC(secret, A(1) ‖ seed) ‖ HMAC(secret, A(2) ‖ seed) ‖ …
    /// ```
    ///
    /// For a channel, the client's keys are `P_SHA(ServerNonce, ClientNonce)`
    /// and the server's keys `P_SHA(ClientNonce, ServerNonce)`. The HMAC is
    /// the [default provider's](super::default_provider).
    pub fn derive(self, secret: &[u8], seed: &[u8], out: &mut [u8]) -> Result<()> {
        self.derive_with(default_provider(), secret, seed, out)
    }

    /// [`derive`](Self::derive) with the HMAC of `provider`.
    pub fn derive_with(
        self,
        provider: &CryptoProvider,
        secret: &[u8],
        seed: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let mac = (provider.hmac)(self.hash(), secret)?;
        let fail = || Error::SecurityChecksFailed;
        let n = mac.tag_len();
        let mut a_buf = Zeroizing::new([0u8; MAX_TAG]);
        let mut previous = Zeroizing::new([0u8; MAX_TAG]);
        let mut block = Zeroizing::new([0u8; MAX_TAG]);
        let a = a_buf.get_mut(..n).ok_or_else(fail)?;
        let previous = previous.get_mut(..n).ok_or_else(fail)?;
        let block = block.get_mut(..n).ok_or_else(fail)?;
        mac.sign(&[seed], a)?;
        for piece in out.chunks_mut(n) {
            mac.sign(&[a, seed], block)?;
            let len = piece.len();
            piece.copy_from_slice(block.get(..len).ok_or_else(fail)?);
            previous.copy_from_slice(a);
            mac.sign(&[previous], a)?;
        }
        Ok(())
    }
}

/// The longest HMAC tag of the hashes P_SHA runs on.
const MAX_TAG: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// IETF TLS 1.2 PRF vector, used as a plain P_hash (spec-notes §6.1 a, b).
    #[test]
    fn known_answers() {
        let secret = hex("9bbe436ba940f017b17652849a71db35");
        let mut seed = b"test label".to_vec();
        seed.extend(hex("a0ba9f936cda311827a6f796ffd5198c"));
        let mut out = [0u8; 100];
        PHash::Sha256.derive(&secret, &seed, &mut out).unwrap();
        assert_eq!(
            out.to_vec(),
            hex(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
            )
        );
        PHash::Sha1.derive(&secret, &seed, &mut out).unwrap();
        assert_eq!(
            out.to_vec(),
            hex(
                "811429c07ba1f6aee5059e6071ff3e69de62e7cd767fd55700042ec2fcd7db6ca3143cf3c78bb929c1ae51f51cdd3804a3bd642e63c09267c3c97e0916509e0060553688f6ced4f09ce66ad0ead90e81b85e1e9dd32cd68363a073346eb075c1843537fc"
            )
        );
    }

    /// OPC Foundation interop key sets (spec-notes §6.1 c).
    #[test]
    fn opc_key_sets() {
        let cn = hex("3d3b4768f275d5023c2145cbe3a4a592fb843643d791f7bd7fce75ff25128b68");
        let sn = hex("ccee418cbc77c2ebb38d5ffac9d2a9d0a6821fa211798e71b2d65b3abb6aec8f");
        let mut client = [0u8; 80];
        PHash::Sha256.derive(&sn, &cn, &mut client).unwrap();
        assert_eq!(
            client[..32],
            hex("86842427475799fa782efa5c63f5eb6f0b6dbf8a549dd5452247feaa5021714b")
        );
        assert_eq!(client[64..], hex("4167de62880e0bdc023aa133965c34ff"));
        let mut server = [0u8; 80];
        PHash::Sha256.derive(&cn, &sn, &mut server).unwrap();
        assert_eq!(
            server[32..64],
            hex("2c86aecfd5629ee05c49345bce3b2a7ca959a0bf4c9c281b8516a369650dbc4e")
        );

        let cn = hex("26353d1e608669d81dcc1ca7ca1f7e2b0aac53166d512a6f09527fbe54b114b5");
        let sn = hex("0928c7fe64e3bfcfb99ffd396f1fb6d6048778a9ec70114c400753ee9af66ec6");
        let mut client = [0u8; 72];
        PHash::Sha1.derive(&sn, &cn, &mut client).unwrap();
        assert_eq!(
            client[..24],
            hex("3a5dcd4af4db9bee2d4c8dcbaeb5471b56d03fc25d08d1c2")
        );
        assert_eq!(client[56..], hex("647cbf8f5e0b3374434f49d9082fe045"));
        let mut server = [0u8; 72];
        PHash::Sha1.derive(&cn, &sn, &mut server).unwrap();
        assert_eq!(
            server[..24],
            hex("46ec958d79b5690eb8d14f9ba2e3a5bb3335da1e235a77ff")
        );
    }
}
