//! HKDF (RFC 5869), the key derivation of the ECC policies and of
//! EccEncryptedSecret (OPC 10000-6 §6.8.1, §6.8.3), built on a provider's
//! HMAC.

use zeroize::Zeroizing;

use super::{CryptoProvider, HashAlgorithm};
use crate::{Error, Result};

/// Fills `out` with `HKDF-Expand(HKDF-Extract(salt, ikm), info, out.len())`:
///
/// ```text
/// PRK  = HMAC(salt, IKM)
/// T(0) = empty, T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i)
/// OKM  = T(1) ‖ T(2) ‖ …   (cut to out.len())
/// ```
///
/// The policies of OPC 10000-6 §6.8 use the same bytes as salt and info.
/// More than 255 blocks of output is `BadSecurityChecksFailed`.
pub fn hkdf(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let fail = || Error::SecurityChecksFailed;
    let n = hash.output_len();
    if out.len().div_ceil(n) > 255 {
        return Err(fail());
    }
    let mut prk = Zeroizing::new([0u8; MAX_TAG]);
    let prk = prk.get_mut(..n).ok_or_else(fail)?;
    (provider.hmac)(hash, salt)?.sign(&[ikm], prk)?;
    let expand = (provider.hmac)(hash, prk)?;
    let mut t = Zeroizing::new([0u8; MAX_TAG]);
    let mut t_len = 0;
    let mut next = Zeroizing::new([0u8; MAX_TAG]);
    let next = next.get_mut(..n).ok_or_else(fail)?;
    for (i, piece) in out.chunks_mut(n).enumerate() {
        let counter = [u8::try_from(i + 1).map_err(|_| fail())?];
        let previous = t.get(..t_len).ok_or_else(fail)?;
        expand.sign(&[previous, info, &counter], next)?;
        let len = piece.len();
        piece.copy_from_slice(next.get(..len).ok_or_else(fail)?);
        t.get_mut(..n).ok_or_else(fail)?.copy_from_slice(next);
        t_len = n;
    }
    Ok(())
}

/// The longest HMAC tag of the hashes HKDF runs on.
const MAX_TAG: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::default_provider;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 5869 Appendix A.1 and A.2 (SHA-256).
    #[test]
    fn rfc5869_known_answers() {
        let mut okm = [0u8; 42];
        hkdf(
            default_provider(),
            HashAlgorithm::Sha256,
            &[0x0b; 22],
            &hex("000102030405060708090a0b0c"),
            &hex("f0f1f2f3f4f5f6f7f8f9"),
            &mut okm,
        )
        .unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            )
        );
        let ikm: Vec<u8> = (0x00..=0x4f).collect();
        let salt: Vec<u8> = (0x60..=0xaf).collect();
        let info: Vec<u8> = (0xb0..=0xff).collect();
        let mut okm = [0u8; 82];
        hkdf(
            default_provider(),
            HashAlgorithm::Sha256,
            &ikm,
            &salt,
            &info,
            &mut okm,
        )
        .unwrap();
        assert_eq!(
            okm.to_vec(),
            hex(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"
            )
        );
    }

    /// The `hkdf` crate over SHA-384 agrees, for an output of several
    /// blocks.
    #[test]
    fn agrees_with_the_hkdf_crate() {
        let (ikm, salt) = ([7u8; 48], [9u8; 110]);
        let mut ours = [0u8; 100];
        hkdf(
            default_provider(),
            HashAlgorithm::Sha384,
            &ikm,
            &salt,
            &salt,
            &mut ours,
        )
        .unwrap();
        let mut theirs = [0u8; 100];
        ::hkdf::Hkdf::<sha2::Sha384>::new(Some(&salt), &ikm)
            .expand(&salt, &mut theirs)
            .unwrap();
        assert_eq!(ours, theirs);
        let mut too_long = vec![0u8; 255 * 48 + 1];
        assert!(
            hkdf(
                default_provider(),
                HashAlgorithm::Sha384,
                &ikm,
                &salt,
                &salt,
                &mut too_long
            )
            .is_err()
        );
    }
}
