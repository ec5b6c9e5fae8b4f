//! EccEncryptedSecret (OPC 10000-4 §7.41.2.5): the payload AES-CBC
//! encrypted with keys agreed by ECDH between an ephemeral key of the sender
//! and the receiver's published ephemeral key, and signed with the sender's
//! certificate key.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::payload::{
    BLOCK_SIZE, PaddingSizeWidth, build_payload, parse_payload, patch_length, read_header,
    write_header,
};
use super::{DecryptedSecret, EccCurve, EphemeralKeyPair, EphemeralKeys, SecretInput};
use crate::codec::{Reader, Writer};
use crate::crypto::{CbcKey, default_provider};
use crate::policy::{OwnKey, PeerKey};
use crate::{Error, Result};

/// The DataType NodeId of EccEncryptedSecret, written as its TypeId
/// (`i=17546`, OPC 10000-4 §7.41.2.5; there is no separate encoding id).
pub const ECC_ENCRYPTED_SECRET_TYPE_ID: u32 = 17_546;

/// Who makes an EccEncryptedSecret: the sender's certificate (DER, may be
/// followed by its chain, `None` when the receiver already has it) and
/// its private key, which signs the secret.
#[derive(Debug, Clone, Copy)]
pub struct EccSender<'a> {
    /// The Certificate field.
    pub certificate: Option<&'a [u8]>,
    /// The sender's certificate key (ECDSA on the policy's curve).
    pub key: &'a dyn OwnKey,
}

/// Encoding and decoding of EccEncryptedSecret (OPC 10000-4 §7.41.2.5).
///
/// Layout: `TypeId (i=17546) ‖ EncodingMask (0x01) ‖ Length ‖
/// SecurityPolicyUri ‖ Certificate (the sender's) ‖ SigningTime ‖
/// KeyDataLength ‖ KeyData ‖ E(Nonce ‖ Secret ‖ PayloadPadding ‖
/// PayloadPaddingSize) ‖ Signature`, where KeyData is the ByteStrings
/// `SenderPublicKey` and `ReceiverPublicKey` (raw `X ‖ Y`, not
/// encrypted), the keys are `HKDF(ECDH, SecretSalt)` → `EncryptingKey ‖
/// InitializationVector` (OPC 10000-6 §6.8.3) and the Signature is the
/// sender's ECDSA signature, raw `r ‖ s`, over everything before it.
///
/// Every failure to open one is [`Error::IdentityTokenInvalid`], except a
/// correctly signed secret for an ephemeral key the receiver no longer
/// holds, which is [`Error::EphemeralKeyUnknown`].
#[derive(Debug, Clone, Copy)]
pub struct EccEncryptedSecret;

impl EccEncryptedSecret {
    /// Makes an EccEncryptedSecret for the receiver's ephemeral public key
    /// (raw `X ‖ Y`, from the EphemeralKey the server published), with a
    /// fresh sender ephemeral key from `rng`.
    pub fn encrypt(
        curve: EccCurve,
        sender: EccSender<'_>,
        receiver_public_key: &[u8],
        input: &SecretInput<'_>,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let ephemeral = EphemeralKeyPair::generate(curve, rng);
        Self::encrypt_with_ephemeral(sender, ephemeral, receiver_public_key, input, rng)
    }

    /// Like [`encrypt`](Self::encrypt), with a chosen sender ephemeral key
    /// (consumed), e.g. to reproduce a recorded secret. `rng` goes to the
    /// sender key's signature.
    pub fn encrypt_with_ephemeral(
        sender: EccSender<'_>,
        ephemeral: EphemeralKeyPair,
        receiver_public_key: &[u8],
        input: &SecretInput<'_>,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let curve = ephemeral.curve();
        let shared = ephemeral.shared_secret(receiver_public_key)?;
        let material = curve.secret_key_material(
            shared.as_bytes(),
            ephemeral.public_key(),
            receiver_public_key,
        )?;
        let (cipher, iv) = payload_cipher(curve, &material)?;

        let mut key_data = Vec::with_capacity(8 + 2 * curve.public_key_len());
        let mut w = Writer::new(&mut key_data);
        w.write_byte_string(Some(ephemeral.public_key()))?;
        w.write_byte_string(Some(receiver_public_key))?;
        drop(ephemeral);

        let scheme = curve.signature();
        let signature_len = sender.key.signature_len(scheme);
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let length_at = write_header(
            &mut w,
            ECC_ENCRYPTED_SECRET_TYPE_ID,
            curve.policy_uri(),
            sender.certificate,
            input.signing_time,
            &key_data,
        )?;
        let mut payload = build_payload(input.nonce, input.secret, PaddingSizeWidth::Two)?;
        cipher.encrypt(&iv, &mut payload)?;
        w.put(&payload);
        w.put(&vec![0u8; signature_len]);
        patch_length(&mut w, length_at)?;
        let signed_end = out.len() - signature_len;
        let signature = sender
            .key
            .sign(scheme, out.get(..signed_end).unwrap_or_default(), rng)?;
        if signature.len() != signature_len {
            return Err(Error::SecurityChecksFailed);
        }
        out.truncate(signed_end);
        out.extend_from_slice(&signature);
        Ok(out)
    }

    /// The Certificate field of an EccEncryptedSecret (the sender's
    /// certificate, `None` when absent), read from the header without
    /// checking anything else, so that the receiver can validate it and
    /// make the sender's [`PeerKey`] before opening the secret.
    pub fn sender_certificate(bytes: &[u8]) -> Result<Option<&[u8]>> {
        read_header(bytes, ECC_ENCRYPTED_SECRET_TYPE_ID).map(|h| h.certificate)
    }

    /// Opens an EccEncryptedSecret under `curve`'s policy. `sender_key` is
    /// the sender's validated certificate key; `receiver` holds our
    /// ephemeral keys.
    ///
    /// The order: the header (lengths checked against the input, nothing
    /// allocated from them); the policy; KeyData's two keys; the sender's
    /// signature over everything, verified **before** anything is
    /// decrypted; the receiver key lookup; ECDH and HKDF; AES-CBC
    /// decryption; the padding.
    pub fn decrypt(
        bytes: &[u8],
        curve: EccCurve,
        sender_key: &dyn PeerKey,
        receiver: &dyn EphemeralKeys,
    ) -> Result<DecryptedSecret> {
        let bad = |_| Error::IdentityTokenInvalid;
        let header = read_header(bytes, ECC_ENCRYPTED_SECRET_TYPE_ID)?;
        if header.policy_uri != curve.policy_uri() {
            return Err(Error::IdentityTokenInvalid);
        }
        let mut r = Reader::new(header.key_data);
        let sender_public = r.read_byte_string().map_err(bad)?;
        let receiver_public = r.read_byte_string().map_err(bad)?;
        let (Some(sender_public), Some(receiver_public), true) =
            (sender_public, receiver_public, r.is_empty())
        else {
            return Err(Error::IdentityTokenInvalid);
        };
        let key_len = curve.public_key_len();
        if sender_public.len() != key_len || receiver_public.len() != key_len {
            return Err(Error::IdentityTokenInvalid);
        }

        let scheme = curve.signature();
        let signature_len = sender_key.signature_len(scheme);
        let signed_end = bytes
            .len()
            .checked_sub(signature_len)
            .filter(|end| *end >= header.header_len)
            .ok_or(Error::IdentityTokenInvalid)?;
        let (signed, signature) = bytes.split_at(signed_end);
        sender_key.verify(scheme, signed, signature).map_err(bad)?;

        let own = receiver
            .find(receiver_public)
            .ok_or(Error::EphemeralKeyUnknown)?;
        if own.curve() != curve {
            return Err(Error::IdentityTokenInvalid);
        }
        let shared = own.shared_secret(sender_public).map_err(bad)?;
        let material =
            curve.secret_key_material(shared.as_bytes(), sender_public, receiver_public)?;
        let (cipher, iv) = payload_cipher(curve, &material).map_err(bad)?;

        let encrypted = signed
            .get(header.header_len..)
            .ok_or(Error::IdentityTokenInvalid)?;
        if encrypted.is_empty() || !encrypted.len().is_multiple_of(BLOCK_SIZE) {
            return Err(Error::IdentityTokenInvalid);
        }
        let mut plain = Zeroizing::new(encrypted.to_vec());
        cipher.decrypt(&iv, &mut plain).map_err(bad)?;
        let payload = parse_payload(&plain, PaddingSizeWidth::Two)?;
        Ok(DecryptedSecret {
            policy_uri: header.policy_uri.to_owned(),
            signing_time: header.signing_time,
            nonce: payload.nonce.to_vec(),
            secret: Zeroizing::new(payload.secret.to_vec()),
            rsa_form: None,
        })
    }
}

/// An AES-CBC key and its IV.
type PayloadCipher = (Box<dyn CbcKey>, Zeroizing<[u8; 16]>);

/// The AES-CBC key and IV of `EncryptingKey ‖ InitializationVector`.
fn payload_cipher(curve: EccCurve, material: &[u8]) -> Result<PayloadCipher> {
    let fail = || Error::IdentityTokenInvalid;
    let (encrypting, iv_bytes) = material
        .split_at_checked(curve.encrypting_key_len())
        .ok_or_else(fail)?;
    let mut iv = Zeroizing::new([0u8; 16]);
    if iv_bytes.len() != iv.len() {
        return Err(fail());
    }
    iv.copy_from_slice(iv_bytes);
    let cipher = (default_provider().aes_cbc)(encrypting).map_err(|_| fail())?;
    Ok((cipher, iv))
}
