//! HMAC-SHA1, -SHA256 and -SHA384 on the `hmac` and `sha1`/`sha2` crates.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use zeroize::Zeroize;

use crate::crypto::{HashAlgorithm, MacKey};
use crate::{Error, Result};

/// The keyed HMAC state, cloned per message: nothing is re-keyed.
/// Zeroized on drop through the `hmac` crate's `zeroize` feature.
#[derive(Clone)]
enum Keyed {
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
    Sha384(Hmac<sha2::Sha384>),
}

/// An HMAC key.
#[derive(Clone)]
pub(super) struct HmacKey(Keyed);

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hash = match self.0 {
            Keyed::Sha1(_) => "SHA-1",
            Keyed::Sha256(_) => "SHA-256",
            Keyed::Sha384(_) => "SHA-384",
        };
        write!(f, "HmacKey({hash})")
    }
}

pub(super) fn hmac(hash: HashAlgorithm, key: &[u8]) -> Result<Box<dyn MacKey>> {
    let fail = |_| Error::SecurityChecksFailed;
    let keyed = match hash {
        HashAlgorithm::Sha1 => Keyed::Sha1(Hmac::new_from_slice(key).map_err(fail)?),
        HashAlgorithm::Sha256 => Keyed::Sha256(Hmac::new_from_slice(key).map_err(fail)?),
        HashAlgorithm::Sha384 => Keyed::Sha384(Hmac::new_from_slice(key).map_err(fail)?),
    };
    Ok(Box::new(HmacKey(keyed)))
}

fn sign_with<M: Mac + Clone>(keyed: &M, parts: &[&[u8]], out: &mut [u8]) -> Result<()> {
    let mut m = keyed.clone();
    for part in parts {
        m.update(part);
    }
    let mut tag = m.finalize().into_bytes();
    let result = tag
        .get(..out.len())
        .map(|t| out.copy_from_slice(t))
        .ok_or(Error::SecurityChecksFailed);
    tag.zeroize();
    result
}

fn verify_with<M: Mac + Clone>(keyed: &M, parts: &[&[u8]], tag: &[u8]) -> Result<()> {
    let mut m = keyed.clone();
    for part in parts {
        m.update(part);
    }
    m.verify_slice(tag).map_err(|_| Error::SecurityChecksFailed)
}

impl MacKey for HmacKey {
    fn tag_len(&self) -> usize {
        match self.0 {
            Keyed::Sha1(_) => HashAlgorithm::Sha1.output_len(),
            Keyed::Sha256(_) => HashAlgorithm::Sha256.output_len(),
            Keyed::Sha384(_) => HashAlgorithm::Sha384.output_len(),
        }
    }

    fn sign(&self, parts: &[&[u8]], out: &mut [u8]) -> Result<()> {
        match &self.0 {
            Keyed::Sha1(m) => sign_with(m, parts, out),
            Keyed::Sha256(m) => sign_with(m, parts, out),
            Keyed::Sha384(m) => sign_with(m, parts, out),
        }
    }

    fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> Result<()> {
        match &self.0 {
            Keyed::Sha1(m) => verify_with(m, parts, tag),
            Keyed::Sha256(m) => verify_with(m, parts, tag),
            Keyed::Sha384(m) => verify_with(m, parts, tag),
        }
    }
}
