//! Turning the two nonces of an OpenSecureChannel exchange into the keys of
//! a SecurityToken (OPC 10000-6 §6.7.4, §6.7.5, §6.8.1).

use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use super::{ChunkProtection, PolicyDescriptor, SymmetricKeys};
use crate::crypto::PHash;
use crate::{Error, Result};

/// Which end of a channel we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The client: sends OpenSecureChannel requests.
    Client,
    /// The server: answers them.
    Server,
}

impl Role {
    /// The other end.
    pub const fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

/// The two key objects of one SecurityToken.
#[derive(Debug)]
pub struct TokenKeys {
    /// Secures the chunks we send.
    pub sending: Box<dyn ChunkProtection>,
    /// Opens the chunks we receive.
    pub receiving: Box<dyn ChunkProtection>,
    /// What the next token's key exchange chains to, for policies whose
    /// renewals mix in the previous shared secret (OPC 10000-6 §6.8.1 as of
    /// 1.05.07); `None` for the P_SHA policies.
    pub chaining: Option<ChainingSecret>,
}

/// A secret one token passes to the key exchange of the next: the ECC and
/// SecureChannelEnhancements policies derive renewed keys from the new
/// shared secret combined with the previous one (OPC 10000-6 §6.8.1,
/// 1.05.07), so that a renewal cannot be split from the exchange that
/// created the channel. Zeroized on drop; `Debug` shows only its length.
#[derive(Clone)]
pub struct ChainingSecret(Zeroizing<Vec<u8>>);

impl ChainingSecret {
    /// Wraps secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        ChainingSecret(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ChainingSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainingSecret({} bytes)", self.0.len())
    }
}

/// One side's half of a key agreement, started for one OpenSecureChannel
/// exchange (Issue or Renew) and consumed when the peer's nonce arrives.
///
/// For the RSA policies the nonce is random bytes and the keys come from
/// P_SHA over both nonces; for ECC policies the nonce is an ephemeral public
/// key and the keys come from HKDF over the ECDH secret. Either way the
/// caller sees the same two steps.
pub trait KeyExchange: Send + fmt::Debug {
    /// Our nonce, to send as ClientNonce or ServerNonce.
    fn local_nonce(&self) -> &[u8];

    /// Completes the exchange with the peer's nonce and returns the token's
    /// keys. A nonce of the wrong length or not a valid key gives
    /// `BadNonceInvalid`.
    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> Result<TokenKeys>;
}

/// The key exchange of the RSA policies and of None: each side sends random
/// bytes, and each direction's keys are
/// `P_SHA(secret = the other side's nonce, seed = the sender's nonce)`.
pub struct NonceExchange {
    descriptor: &'static PolicyDescriptor,
    prf: Option<(PHash, HmacHash)>,
    nonce: Zeroizing<Vec<u8>>,
}

/// The hash behind a policy's HMAC signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HmacHash {
    /// HMAC-SHA1 (the deprecated policies).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
}

impl fmt::Debug for NonceExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceExchange")
            .field("policy", &self.descriptor.name)
            .finish_non_exhaustive()
    }
}

impl NonceExchange {
    /// An exchange with a chosen nonce (normally random, of the policy's
    /// length; a recorded one reproduces a recorded session). `prf` is the
    /// key derivation and HMAC, `None` for SecurityPolicy None.
    pub fn new(
        descriptor: &'static PolicyDescriptor,
        prf: Option<(PHash, HmacHash)>,
        nonce: &[u8],
    ) -> Self {
        NonceExchange {
            descriptor,
            prf,
            nonce: Zeroizing::new(nonce.to_vec()),
        }
    }
}

impl KeyExchange for NonceExchange {
    fn local_nonce(&self) -> &[u8] {
        &self.nonce
    }

    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> Result<TokenKeys> {
        let d = self.descriptor;
        if self.prf.is_some() && peer_nonce.len() != d.nonce_len {
            return Err(Error::NonceInvalid);
        }
        let (client_nonce, server_nonce) = match role {
            Role::Client => (&self.nonce[..], peer_nonce),
            Role::Server => (peer_nonce, &self.nonce[..]),
        };
        let derive = |side| derive_p_sha(d, self.prf, side, client_nonce, server_nonce);
        Ok(TokenKeys {
            sending: Box::new(derive(role)?),
            receiving: Box::new(derive(role.peer())?),
            chaining: None,
        })
    }
}

/// Derives the keys `side` secures its chunks with (OPC 10000-6 §6.7.5):
/// the client's from `P_SHA(ServerNonce, ClientNonce)`, the server's from
/// `P_SHA(ClientNonce, ServerNonce)`.
pub(super) fn derive_p_sha(
    descriptor: &'static PolicyDescriptor,
    prf: Option<(PHash, HmacHash)>,
    side: Role,
    client_nonce: &[u8],
    server_nonce: &[u8],
) -> Result<SymmetricKeys> {
    let Some((prf, hmac)) = prf else {
        return SymmetricKeys::none(descriptor);
    };
    let (secret, seed) = match side {
        Role::Client => (server_nonce, client_nonce),
        Role::Server => (client_nonce, server_nonce),
    };
    let mut material = [0u8; 128];
    let result = match material.get_mut(..descriptor.key_material_len()) {
        Some(m) => {
            prf.derive(secret, seed, m);
            SymmetricKeys::from_key_material(descriptor, hmac, m)
        }
        None => Err(Error::SecurityChecksFailed),
    };
    material.zeroize();
    result
}
