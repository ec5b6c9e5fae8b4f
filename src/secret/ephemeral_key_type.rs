//! EphemeralKeyType (OPC 10000-4 §7.15.4): a server's ephemeral public key
//! and its signature.

use rand_core::CryptoRng;

use crate::codec::{ByteString, Decode, Encode, Reader, Writer};
use crate::policy::{AsymmetricSignature, OwnKey, PeerKey};
use crate::{Error, Result};

/// The DataType NodeId of EphemeralKeyType (`i=17548`).
pub const EPHEMERAL_KEY_TYPE_ID: u32 = 17_548;
/// The NodeId of its binary encoding (`i=17549`), the TypeId of an
/// ExtensionObject that carries one.
pub const EPHEMERAL_KEY_TYPE_ENCODING_ID: u32 = 17_549;

/// A server's ephemeral public key, signed with its certificate key, as it
/// publishes it in the additional header of CreateSession and
/// ActivateSession responses (OPC 10000-4 §7.15.4, Table 140): the structure
/// `{PublicKey ByteString, Signature ByteString}`.
///
/// The Signature is made over the PublicKey bytes with the server's
/// application instance key and the policy's asymmetric signature
/// algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EphemeralKeyType {
    /// The ephemeral public key: raw `X ‖ Y` on the NIST and brainpool
    /// curves, the u coordinate on X25519 and X448.
    pub public_key: ByteString,
    /// The server's signature over `public_key`.
    pub signature: ByteString,
}

impl EphemeralKeyType {
    /// Signs `public_key` with the server's certificate key.
    pub fn sign(
        public_key: &[u8],
        server_key: &dyn OwnKey,
        scheme: AsymmetricSignature,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self> {
        let signature = server_key.sign(scheme, public_key, rng)?;
        Ok(EphemeralKeyType {
            public_key: ByteString::from(public_key),
            signature: ByteString::from(signature),
        })
    }

    /// Checks the signature with the server's certificate key (a client does
    /// this before encrypting for the key); `BadSecurityChecksFailed`
    /// otherwise.
    pub fn verify(&self, server_key: &dyn PeerKey, scheme: AsymmetricSignature) -> Result<()> {
        match (self.public_key.as_bytes(), self.signature.as_bytes()) {
            (Some(key), Some(signature)) => server_key.verify(scheme, key, signature),
            _ => Err(Error::SecurityChecksFailed),
        }
    }
}

impl Encode for EphemeralKeyType {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        self.public_key.encode(w)?;
        self.signature.encode(w)
    }
}

impl<'a> Decode<'a> for EphemeralKeyType {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(EphemeralKeyType {
            public_key: ByteString::decode(r)?,
            signature: ByteString::decode(r)?,
        })
    }
}
