//! The key agreement of the ECC policies (OPC 10000-6 §6.8, §6.8.1):
//! ephemeral ECDH, then HKDF over the shared secret with the ClientSalt and
//! ServerSalt.

use core::fmt;

use zeroize::Zeroizing;

use super::builtin::Symmetric;
use super::{
    AeadProtection, ChainingSecret, ChunkProtection, KeyExchange, PolicyDescriptor, Role,
    SymmetricKeys, TokenKeys,
};
use crate::crypto::{CryptoProvider, EphemeralKey, HashAlgorithm, hkdf};
use crate::messages::MessageSecurityMode;
use crate::{Error, Result};

/// One side's half of an ECC key agreement: an ephemeral key pair whose
/// public key is the nonce, made for one OpenSecureChannel exchange.
///
/// [`complete`](KeyExchange::complete) takes the peer's ephemeral public
/// key and derives each direction's keys (OPC 10000-6 §6.8.1):
///
/// ```text
/// IKM        = ECDH(own private, peer public)        first token
///            = IKM of the previous token XOR ECDH    renewal, when renewals chain
/// ClientSalt = L ‖ "opcua-client" ‖ ClientNonce ‖ ServerNonce
/// ServerSalt = L ‖ "opcua-server" ‖ ServerNonce ‖ ClientNonce
/// keys       = HKDF(IKM, salt = Salt, info = Salt, L) = SigningKey ‖ EncryptingKey ‖ IV
/// ```
///
/// with L the key material length as UInt16 little-endian: signing key,
/// encrypting key and IV, except for the non-AEAD policies in mode Sign,
/// which derive only the signing key ("When not using
/// AuthenticatedEncryption with Sign only, the EncryptionKeyLength and
/// InitializationVectorLength are set to 0 in the calculation of L", as
/// open62541 quotes Step 1; UA-.NETStandard derives all three). The client
/// secures what it sends with the keys from ClientSalt, the server with
/// those from ServerSalt.
///
/// A peer key of the wrong length, not on the curve, or the identity is
/// `BadNonceInvalid`, and nothing is derived. The private key is zeroized
/// when the exchange completes or is dropped; `Debug` shows the policy
/// only.
pub struct EcdhExchange {
    provider: &'static CryptoProvider,
    descriptor: PolicyDescriptor,
    hash: HashAlgorithm,
    symmetric: Symmetric,
    mode: MessageSecurityMode,
    key: Box<dyn EphemeralKey>,
    previous: Option<ChainingSecret>,
}

impl fmt::Debug for EcdhExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdhExchange")
            .field("policy", &self.descriptor.name)
            .field("chained", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

impl EcdhExchange {
    pub(super) fn new(
        provider: &'static CryptoProvider,
        descriptor: PolicyDescriptor,
        hash: HashAlgorithm,
        symmetric: Symmetric,
        mode: MessageSecurityMode,
        key: Box<dyn EphemeralKey>,
        previous: Option<ChainingSecret>,
    ) -> Self {
        EcdhExchange {
            provider,
            descriptor,
            hash,
            symmetric,
            mode,
            key,
            previous,
        }
    }

    /// Signing key, encrypting key and IV lengths derived in this mode.
    fn key_lengths(&self) -> (usize, usize, usize) {
        let d = &self.descriptor;
        match (self.symmetric, self.mode) {
            (Symmetric::CbcHmac, MessageSecurityMode::Sign) => (d.signing_key_len, 0, 0),
            _ => (d.signing_key_len, d.encrypting_key_len, d.iv_len),
        }
    }

    /// The keys `side` secures its chunks with.
    fn derive(
        &self,
        ikm: &[u8],
        side: Role,
        client_nonce: &[u8],
        server_nonce: &[u8],
    ) -> Result<Box<dyn ChunkProtection>> {
        let fail = || Error::SecurityChecksFailed;
        let (sig, enc, iv) = self.key_lengths();
        let len = sig + enc + iv;
        let salt = salt(side, len, client_nonce, server_nonce)?;
        let mut material = Zeroizing::new(vec![0u8; len]);
        hkdf(self.provider, self.hash, ikm, &salt, &salt, &mut material)?;
        let (signing, rest) = material.split_at_checked(sig).ok_or_else(fail)?;
        let (encrypting, iv_bytes) = rest.split_at_checked(enc).ok_or_else(fail)?;
        let d = &self.descriptor;
        Ok(match self.symmetric {
            Symmetric::CbcHmac => {
                let encryption = (enc > 0).then_some((encrypting, iv_bytes));
                Box::new(SymmetricKeys::from_parts(
                    self.provider,
                    d,
                    self.hash,
                    signing,
                    encryption,
                )?)
            }
            Symmetric::Aead(algorithm) => Box::new(AeadProtection::new(
                self.provider,
                algorithm,
                encrypting,
                iv_bytes,
            )?),
            Symmetric::AeadSigningKey(algorithm) => Box::new(AeadProtection::with_signing_key(
                self.provider,
                algorithm,
                encrypting,
                signing,
                iv_bytes,
            )?),
        })
    }
}

/// `L ‖ "opcua-client" ‖ ClientNonce ‖ ServerNonce` for the client's keys,
/// `L ‖ "opcua-server" ‖ ServerNonce ‖ ClientNonce` for the server's; the
/// nonces are the raw public keys, without length prefixes.
fn salt(side: Role, len: usize, client_nonce: &[u8], server_nonce: &[u8]) -> Result<Vec<u8>> {
    let (label, first, second): (&[u8], _, _) = match side {
        Role::Client => (b"opcua-client", client_nonce, server_nonce),
        Role::Server => (b"opcua-server", server_nonce, client_nonce),
    };
    let len = u16::try_from(len).map_err(|_| Error::SecurityChecksFailed)?;
    let mut salt = Vec::with_capacity(2 + label.len() + first.len() + second.len());
    salt.extend_from_slice(&len.to_le_bytes());
    salt.extend_from_slice(label);
    salt.extend_from_slice(first);
    salt.extend_from_slice(second);
    Ok(salt)
}

impl KeyExchange for EcdhExchange {
    fn local_nonce(&self) -> &[u8] {
        self.key.public_key()
    }

    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> Result<TokenKeys> {
        if peer_nonce.len() != self.descriptor.nonce_len {
            return Err(Error::NonceInvalid);
        }
        let shared = self.key.agree(peer_nonce)?;
        let mut ikm = Zeroizing::new(shared.as_bytes().to_vec());
        drop(shared);
        if let Some(previous) = &self.previous {
            if previous.as_bytes().len() != ikm.len() {
                return Err(Error::SecurityChecksFailed);
            }
            for (i, p) in ikm.iter_mut().zip(previous.as_bytes()) {
                *i ^= p;
            }
        }
        let own = self.key.public_key();
        let (client_nonce, server_nonce) = match role {
            Role::Client => (own, peer_nonce),
            Role::Server => (peer_nonce, own),
        };
        let sending = self.derive(&ikm, role, client_nonce, server_nonce)?;
        let receiving = self.derive(&ikm, role.peer(), client_nonce, server_nonce)?;
        Ok(TokenKeys {
            sending,
            receiving,
            chaining: Some(ChainingSecret::new(std::mem::take(&mut *ikm))),
        })
    }
}
