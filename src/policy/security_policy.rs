//! The pluggable security policy (OPC 10000-7; OPC 10000-6 §6.7.4–§6.7.6,
//! §6.8).

use core::fmt;

use rand_core::CryptoRng;

use super::{ChainingSecret, KeyExchange, PeerKey, PolicyDescriptor};
use crate::Result;
use crate::messages::MessageSecurityMode;

/// A security policy: its parameters, its key agreement and the keys its
/// OPN chunks are secured with.
///
/// The policies of OPC 10000-7 this crate ships are
/// [`BuiltinPolicy`](super::BuiltinPolicy) values; a policy from elsewhere
/// (another crypto backend, keys in a hardware module, policies this crate
/// does not build in) implements this trait and is used the same way, as a
/// `&dyn SecurityPolicy`. The trait is object-safe and its objects are
/// shared between threads.
///
/// The life of a token:
/// 1. [`start_key_exchange`](Self::start_key_exchange) makes our nonce (random
///    bytes, or an ephemeral public key) for an OpenSecureChannel request or
///    response;
/// 2. [`KeyExchange::complete`] takes the peer's nonce and returns the
///    token's two [`ChunkProtection`](super::ChunkProtection) objects, which
///    secure and open every MSG and CLO chunk of that token.
///
/// OPN chunks are signed with our [`OwnKey`](super::OwnKey) and encrypted
/// for the peer's [`PeerKey`], which [`peer_key`](Self::peer_key) makes from
/// its certificate, with the algorithms the descriptor names.
pub trait SecurityPolicy: Send + Sync + fmt::Debug {
    /// The policy's parameters.
    fn descriptor(&self) -> &PolicyDescriptor;

    /// Starts a key exchange for one token of a channel in `mode`: makes
    /// our nonce with `rng`. `previous` is what the channel's current token
    /// carries in [`TokenKeys::chaining`](super::TokenKeys::chaining) when
    /// this is a renewal; policies that do not chain ignore it. The mode
    /// matters to policies whose key layout depends on it (the non-AEAD ECC
    /// policies derive no encryption key in mode Sign, OPC 10000-6 §6.8.1).
    fn start_key_exchange(
        &self,
        mode: MessageSecurityMode,
        rng: &mut dyn CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> Result<Box<dyn KeyExchange>>;

    /// The key in a peer's DER certificate, checked against the policy's
    /// algorithm and key-size bounds (`BadCertificatePolicyCheckFailed`
    /// otherwise).
    fn peer_key(&self, certificate_der: &[u8]) -> Result<Box<dyn PeerKey>>;
}
