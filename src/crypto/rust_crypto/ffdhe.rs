//! Finite-field Diffie-Hellman over the ffdhe3072 group of RFC 7919
//! (Appendix A.2: a 3072-bit safe prime p, generator g = 2), the key
//! agreement of RSA_DH_AesGcm and RSA_DH_ChaChaPoly (OPC 10000-7; the
//! nonce of OPC 10000-6 §6.8 is the public value `g^x mod p`, big-endian,
//! 384 bytes), on `crypto-bigint` in constant time.
//!
//! **Private exponents** are 384 random bits (48 bytes). RFC 7919 §5.2
//! asks for at least twice the group's security strength, 275 bits for
//! ffdhe3072 (UA-.NETStandard draws between 275 and 383 bits); 384 bits
//! is above that at an eighth of the cost of a full-length exponent.
//! The exponentiation runs over a fixed number of bits (384 for our own
//! keys, 3072 for a key given as bytes), so its time depends on that bound
//! only, never on the exponent's value.
//!
//! **Peer values** must satisfy `1 < y < p − 1` (RFC 7919 §5.1) and be a
//! quadratic residue, i.e. lie in the subgroup of prime order
//! q = (p − 1)/2 that g = 2 generates (p ≡ 7 mod 8): a value outside it
//! would reveal the exponent's lowest bit. Anything else is
//! `BadNonceInvalid`.

use core::fmt;

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{JacobiSymbol, Odd, U3072};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{EcdhCurve, EphemeralKey, SharedSecret};
use crate::{Error, Result};

/// Length of p, of a public value, of a shared secret and of a private
/// exponent as bytes, in bytes.
pub(crate) const LEN: usize = 384;

/// Bits of the exponents this module draws.
const EXPONENT_BITS: u32 = 384;

/// The ffdhe3072 prime (RFC 7919 Appendix A.2):
/// p = 2^3072 − 2^3008 + {[2^2942 · e] + 2625351} · 2^64 − 1.
const P_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695",
    "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A",
    "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935",
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A",
    "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4",
    "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61",
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005",
    "C58EF1837D1683B2C6F34A26C1B2EFFA886B4238611FCFDCDE355B3B6519035B",
    "BC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C",
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF",
    "5CAE82AB9C9DF69EE86D2BC522363A0DABC521979B0DEADA1DBF9A42D5C4484E",
    "0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF",
);

const P: Odd<U3072> = Odd::<U3072>::from_be_hex(P_HEX);

const PARAMS: FixedMontyParams<{ U3072::LIMBS }> = FixedMontyParams::new_vartime(P);

/// An ephemeral ffdhe3072 key pair: the exponent (zeroized on drop) and
/// `g^x mod p`; `Debug` shows the group only.
pub(crate) struct KeyPair {
    exponent: U3072,
    /// The number of low bits of `exponent` the exponentiation runs over.
    bits: u32,
    public: Vec<u8>,
}

impl Drop for KeyPair {
    fn drop(&mut self) {
        self.exponent.zeroize();
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EphemeralKey(Ffdhe3072)")
    }
}

impl KeyPair {
    fn new(exponent: U3072, bits: u32) -> Self {
        let g = FixedMontyForm::new(&U3072::from_u8(2), &PARAMS);
        let public = g.pow_bounded_exp(&exponent, bits).retrieve();
        KeyPair {
            exponent,
            bits,
            public: public.to_be_bytes().as_slice().to_vec(),
        }
    }
}

/// A fresh key pair with a random 384-bit exponent.
pub(crate) fn generate(rng: &mut dyn CryptoRng) -> KeyPair {
    let mut bytes = Zeroizing::new([0u8; LEN]);
    let start = LEN - EXPONENT_BITS as usize / 8;
    loop {
        if let Some(low) = bytes.get_mut(start..) {
            rng.fill_bytes(low);
        }
        let exponent = U3072::from_be_slice(&bytes[..]);
        if !bool::from(exponent.is_zero()) {
            return KeyPair::new(exponent, EXPONENT_BITS);
        }
    }
}

/// The key pair of an exponent given as 384 big-endian bytes (e.g. a
/// recorded one); 0 and values of at least p − 1 are refused.
pub(crate) fn from_private_bytes(exponent: &[u8]) -> Result<KeyPair> {
    let bad = Error::Decoding("ephemeral private key");
    if exponent.len() != LEN {
        return Err(bad);
    }
    let x = U3072::from_be_slice(exponent);
    let p_minus_1 = P.get_copy().wrapping_sub(&U3072::ONE);
    if bool::from(x.is_zero()) || x >= p_minus_1 {
        return Err(bad);
    }
    Ok(KeyPair::new(x, U3072::BITS))
}

impl EphemeralKey for KeyPair {
    fn curve(&self) -> EcdhCurve {
        EcdhCurve::Ffdhe3072
    }

    fn public_key(&self) -> &[u8] {
        &self.public
    }

    fn agree(&self, peer_public_key: &[u8]) -> Result<SharedSecret> {
        if peer_public_key.len() != LEN {
            return Err(Error::NonceInvalid);
        }
        let y = U3072::from_be_slice(peer_public_key);
        let p_minus_1 = P.get_copy().wrapping_sub(&U3072::ONE);
        if y <= U3072::ONE || y >= p_minus_1 {
            return Err(Error::NonceInvalid);
        }
        // Public data: the variable-time symbol leaks nothing secret.
        if y.jacobi_symbol_vartime(&P) != JacobiSymbol::One {
            return Err(Error::NonceInvalid);
        }
        let mut z = FixedMontyForm::new(&y, &PARAMS)
            .pow_bounded_exp(&self.exponent, self.bits)
            .retrieve();
        let mut encoded = z.to_be_bytes();
        let shared = SharedSecret::new(encoded.as_slice().to_vec());
        encoded.zeroize();
        let one = z == U3072::ONE;
        z.zeroize();
        if one {
            return Err(Error::NonceInvalid);
        }
        Ok(shared)
    }

    fn private_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut encoded = self.exponent.to_be_bytes();
        let out = Zeroizing::new(encoded.as_slice().to_vec());
        encoded.zeroize();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prime_is_the_rfc_7919_one_and_odd_sized() {
        // The top and bottom 64 bits of every RFC 7919 prime are ones.
        let bytes = P.get_copy().to_be_bytes();
        let bytes = bytes.as_slice();
        assert!(
            bytes[..8]
                .iter()
                .chain(&bytes[LEN - 8..])
                .all(|b| *b == 0xff)
        );
        assert_eq!(bytes[8..12], [0xad, 0xf8, 0x54, 0x58]);
    }

    #[test]
    fn both_sides_agree_and_bad_values_are_refused() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = generate(&mut rng);
        let b = generate(&mut rng);
        let ab = a.agree(b.public_key()).unwrap();
        let ba = b.agree(a.public_key()).unwrap();
        assert_eq!(ab.as_bytes(), ba.as_bytes());
        assert_eq!(ab.as_bytes().len(), LEN);
        let again = from_private_bytes(&a.private_bytes()).unwrap();
        assert_eq!(again.public_key(), a.public_key());

        let p = P.get_copy().to_be_bytes().as_slice().to_vec();
        let value = |v: U3072| v.to_be_bytes().as_slice().to_vec();
        for bad in [
            value(U3072::ZERO),
            value(U3072::ONE),
            value(P.get_copy().wrapping_sub(&U3072::ONE)),
            p.clone(),
            vec![0xff; LEN],
        ] {
            assert_eq!(a.agree(&bad).unwrap_err(), Error::NonceInvalid);
        }
        assert_eq!(a.agree(&p[1..]).unwrap_err(), Error::NonceInvalid);
        // −2 mod p: −1 is a non-residue (p ≡ 3 mod 4) and 2 a residue, so
        // the generator's negation lies outside the subgroup of order q.
        let minus_g = value(P.get_copy().wrapping_sub(&U3072::from_u8(2)));
        assert_eq!(a.agree(&minus_g).unwrap_err(), Error::NonceInvalid);
        assert!(from_private_bytes(&[0; LEN]).is_err());
        assert!(from_private_bytes(&p).is_err());
    }
}
