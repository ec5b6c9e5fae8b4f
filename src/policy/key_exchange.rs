//! Turning the two nonces of an OpenSecureChannel exchange into the keys of
//! a SecurityToken (OPC 10000-6 §6.7.4, §6.7.5, §6.8.1).

use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use super::{ChunkProtection, PolicyDescriptor, SymmetricKeys};
use crate::crypto::{CryptoProvider, PHash, default_provider};
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
    /// `BadNonceInvalid`, and nothing is derived. The exchange is consumed:
    /// an ephemeral private key is used once and zeroized.
    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> Result<TokenKeys>;
}

/// The key exchange of the RSA policies and of None: each side sends random
/// bytes, and each direction's keys are
/// `P_SHA(secret = the other side's nonce, seed = the sender's nonce)`.
pub struct NonceExchange {
    provider: &'static CryptoProvider,
    descriptor: PolicyDescriptor,
    prf: Option<(PHash, HmacHash)>,
    nonce: Zeroizing<Vec<u8>>,
}

/// The hash behind a policy's HMAC signatures: SHA-1 for the deprecated
/// policies, SHA-256, and SHA-384 for ECC_nistP384.
pub type HmacHash = crate::crypto::HashAlgorithm;

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
    /// key derivation and HMAC, `None` for SecurityPolicy None (a
    /// descriptor of another policy without one refuses to complete).
    pub fn new(
        descriptor: &PolicyDescriptor,
        prf: Option<(PHash, HmacHash)>,
        nonce: &[u8],
    ) -> Self {
        Self::with_provider(default_provider(), descriptor, prf, nonce)
    }

    /// [`new`](Self::new) with the primitives of `provider`.
    pub fn with_provider(
        provider: &'static CryptoProvider,
        descriptor: &PolicyDescriptor,
        prf: Option<(PHash, HmacHash)>,
        nonce: &[u8],
    ) -> Self {
        NonceExchange {
            provider,
            descriptor: *descriptor,
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
        let d = &self.descriptor;
        // Without a key derivation only None has keys: no signatures.
        if self.prf.is_none() && !d.is_none() {
            return Err(Error::SecurityChecksFailed);
        }
        if self.prf.is_some() && peer_nonce.len() != d.nonce_len {
            return Err(Error::NonceInvalid);
        }
        let (client_nonce, server_nonce) = match role {
            Role::Client => (&self.nonce[..], peer_nonce),
            Role::Server => (peer_nonce, &self.nonce[..]),
        };
        let derive =
            |side| derive_p_sha(self.provider, d, self.prf, side, client_nonce, server_nonce);
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
    provider: &CryptoProvider,
    descriptor: &PolicyDescriptor,
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
        Some(m) => prf
            .derive_with(provider, secret, seed, m)
            .and_then(|()| SymmetricKeys::from_key_material_with(provider, descriptor, hmac, m)),
        None => Err(Error::SecurityChecksFailed),
    };
    material.zeroize();
    result
}
