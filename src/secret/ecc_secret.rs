//! EccEncryptedSecret (OPC 10000-4 §7.41.2.5): the payload encrypted
//! (AES-CBC, or the policy's AEAD cipher) with keys agreed by (EC)DH
//! between an ephemeral key of the sender and the receiver's published
//! ephemeral key, and signed with the sender's certificate key. The RSA_DH
//! policies use the same structure, over ffdhe3072.

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::payload::{
    BLOCK_SIZE, PaddingSizeWidth, build_payload, parse_payload, patch_length, read_header,
    write_header,
};
use super::{DecryptedSecret, EccSecretPolicy, EphemeralKeyPair, EphemeralKeys, SecretInput};
use crate::codec::{Reader, Writer};
use crate::crypto::{AeadAlgorithm, AeadKey, CbcKey, default_provider};
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
    /// The sender's certificate key: ECDSA or EdDSA on the policy's curve,
    /// RSA for RSA_DH.
    pub key: &'a dyn OwnKey,
}

/// Encoding and decoding of EccEncryptedSecret (OPC 10000-4 §7.41.2.5),
/// for every [`EccSecretPolicy`].
///
/// Layout: `TypeId (i=17546) ‖ EncodingMask (0x01) ‖ Length ‖
/// SecurityPolicyUri ‖ Certificate (the sender's) ‖ SigningTime ‖
/// KeyDataLength ‖ KeyData ‖ E(Nonce ‖ Secret ‖ PayloadPadding ‖
/// PayloadPaddingSize) ‖ [Tag] ‖ Signature`, where KeyData is the
/// ByteStrings `SenderPublicKey` and `ReceiverPublicKey` (raw `X ‖ Y`, the
/// RFC 7748 u coordinate, or the 384-byte ffdhe3072 value; not encrypted),
/// the keys are `HKDF(shared secret, SecretSalt)` → `EncryptingKey ‖
/// InitializationVector` (OPC 10000-6 §6.8.3) and the Signature is the
/// sender's signature over everything before it: ECDSA (raw `r ‖ s`),
/// EdDSA, or RSA-PKCS#1 v1.5-SHA256 for RSA_DH.
///
/// **The cipher.** ECC_nistP256, ECC_nistP384, ECC_brainpoolP256r1 and
/// ECC_brainpoolP384r1 encrypt the payload with AES-CBC under the
/// EncryptingKey and IV. Every other policy (the `_AesGcm` and
/// `_ChaChaPoly` ones, RSA_DH_AesGcm and RSA_DH_ChaChaPoly, and
/// ECC_curve25519 and ECC_curve448, whose channel cipher is
/// ChaCha20-Poly1305) seals it with **its own AEAD cipher** (AES-128-GCM,
/// AES-256-GCM or ChaCha20-Poly1305, with the policy's key length): the
/// 12-byte IV as the nonce, unchanged (no TokenId or sequence number is
/// mixed in), every byte before the payload (TypeId to the end of KeyData)
/// as additional data, and the 16-byte tag right after
/// PayloadPaddingSize, so that the signature covers it. The padding is to
/// 16-byte blocks in both cases.
///
/// Sources: the padding rule of OPC 10000-4 §7.41.2.3 as retrieved
/// (`BlockSize = AEAD ? 16 : IV.Length`; "the tag follows
/// PayloadPaddingSize"), and UA-.NETStandard's `EncryptedSecret.Encrypt`
/// and `DecryptVerifiedEcc` (`Opc.Ua.Core/Security/Certificates/`
/// `EncryptedSecret.cs`), which for an AES-GCM or ChaCha20-Poly1305 policy
/// call the channel's AEAD routine of `CryptoUtils.cs` on the payload with
/// TokenId 0 and sequence number 0 (so the nonce is the IV) and the bytes
/// before the payload as associated data, and write the signature after
/// the tag. Not verified: the Part 4 text on the AEAD nonce and additional
/// data was not read, and no second implementation that runs these
/// policies was available, so `tests/secret_vectors` checks this layout
/// against a Python implementation written from the same description.
///
/// Every failure to open one is [`Error::IdentityTokenInvalid`], except a
/// correctly signed secret for an ephemeral key the receiver no longer
/// holds, which is [`Error::EphemeralKeyUnknown`].
#[derive(Debug, Clone, Copy)]
pub struct EccEncryptedSecret;

impl EccEncryptedSecret {
    /// Makes an EccEncryptedSecret under `policy` for the receiver's
    /// ephemeral public key (from the EphemeralKey the server published),
    /// with a fresh sender ephemeral key from `rng`. A receiver key that is
    /// not one of the policy's group is `BadNonceInvalid`; a sender key that
    /// cannot make the policy's signature is `BadSecurityChecksFailed`.
    pub fn encrypt(
        policy: EccSecretPolicy,
        sender: EccSender<'_>,
        receiver_public_key: &[u8],
        input: &SecretInput<'_>,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let ephemeral = EphemeralKeyPair::generate(policy, rng);
        Self::encrypt_with_ephemeral(sender, ephemeral, receiver_public_key, input, rng)
    }

    /// Like [`encrypt`](Self::encrypt), with a chosen sender ephemeral key
    /// (consumed), e.g. to reproduce a recorded secret. `rng` goes to the
    /// sender key's signature. The policy is the ephemeral key's.
    pub fn encrypt_with_ephemeral(
        sender: EccSender<'_>,
        ephemeral: EphemeralKeyPair,
        receiver_public_key: &[u8],
        input: &SecretInput<'_>,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let policy = ephemeral.policy();
        let shared = ephemeral.shared_secret(receiver_public_key)?;
        let material = policy.secret_key_material(
            shared.as_bytes(),
            ephemeral.public_key(),
            receiver_public_key,
        )?;
        drop(shared);
        let cipher = payload_cipher(policy, &material)?;
        drop(material);

        let mut key_data = Vec::with_capacity(8 + 2 * policy.public_key_len());
        let mut w = Writer::new(&mut key_data);
        w.write_byte_string(Some(ephemeral.public_key()))?;
        w.write_byte_string(Some(receiver_public_key))?;
        drop(ephemeral);

        let scheme = policy.signature();
        let signature_len = sender.key.signature_len(scheme);
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let length_at = write_header(
            &mut w,
            ECC_ENCRYPTED_SECRET_TYPE_ID,
            policy.policy_uri(),
            sender.certificate,
            input.signing_time,
            &key_data,
        )?;
        let mut payload = build_payload(input.nonce, input.secret, PaddingSizeWidth::Two)?;
        let tag_len = cipher.tag_len();
        // The length is written once the whole secret is laid out; the
        // additional data of the AEAD is taken after that.
        let payload_at = w.len();
        w.put(&payload);
        w.put(&vec![0u8; tag_len + signature_len]);
        patch_length(&mut w, length_at)?;
        let (head, rest) = out.split_at_mut(payload_at);
        let (_, tag_and_signature) = rest.split_at_mut(payload.len());
        let tag = tag_and_signature
            .get_mut(..tag_len)
            .ok_or(Error::SecurityChecksFailed)?;
        cipher.seal(head, &mut payload, tag)?;
        out.get_mut(payload_at..payload_at + payload.len())
            .ok_or(Error::SecurityChecksFailed)?
            .copy_from_slice(&payload);
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

    /// Opens an EccEncryptedSecret under `policy`. `sender_key` is the
    /// sender's validated certificate key; `receiver` holds our ephemeral
    /// keys.
    ///
    /// The order: the header (lengths checked against the input, nothing
    /// allocated from them); the policy; KeyData's two keys; the sender's
    /// signature over everything, verified **before** anything is
    /// decrypted; the receiver key lookup; (EC)DH and HKDF; AES-CBC
    /// decryption or the AEAD's tag check and decryption; the padding.
    pub fn decrypt(
        bytes: &[u8],
        policy: EccSecretPolicy,
        sender_key: &dyn PeerKey,
        receiver: &dyn EphemeralKeys,
    ) -> Result<DecryptedSecret> {
        let bad = |_| Error::IdentityTokenInvalid;
        let header = read_header(bytes, ECC_ENCRYPTED_SECRET_TYPE_ID)?;
        if header.policy_uri != policy.policy_uri() {
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
        let key_len = policy.public_key_len();
        if sender_public.len() != key_len || receiver_public.len() != key_len {
            return Err(Error::IdentityTokenInvalid);
        }

        let scheme = policy.signature();
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
        if own.policy() != policy {
            return Err(Error::IdentityTokenInvalid);
        }
        let shared = own.shared_secret(sender_public).map_err(bad)?;
        let material =
            policy.secret_key_material(shared.as_bytes(), sender_public, receiver_public)?;
        drop(shared);
        let cipher = payload_cipher(policy, &material).map_err(bad)?;
        drop(material);

        let (aad, encrypted) = signed
            .split_at_checked(header.header_len)
            .ok_or(Error::IdentityTokenInvalid)?;
        let (encrypted, tag) = encrypted
            .split_at_checked(encrypted.len().saturating_sub(cipher.tag_len()))
            .ok_or(Error::IdentityTokenInvalid)?;
        if encrypted.is_empty() || !encrypted.len().is_multiple_of(BLOCK_SIZE) {
            return Err(Error::IdentityTokenInvalid);
        }
        let mut plain = Zeroizing::new(encrypted.to_vec());
        cipher.open(aad, &mut plain, tag).map_err(bad)?;
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

/// The payload's cipher: an AES-CBC key and its IV, or an AEAD key and
/// its nonce.
enum PayloadCipher {
    Cbc(Box<dyn CbcKey>, Zeroizing<[u8; 16]>),
    Aead(Box<dyn AeadKey>, Zeroizing<[u8; AeadAlgorithm::NONCE_LEN]>),
}

impl PayloadCipher {
    /// Bytes of tag after the ciphertext: 0 for AES-CBC.
    fn tag_len(&self) -> usize {
        match self {
            PayloadCipher::Cbc(..) => 0,
            PayloadCipher::Aead(..) => AeadAlgorithm::TAG_LEN,
        }
    }

    /// Encrypts `payload` in place; the AEAD also writes `tag` over `aad`
    /// and the ciphertext.
    fn seal(&self, aad: &[u8], payload: &mut [u8], tag: &mut [u8]) -> Result<()> {
        match self {
            PayloadCipher::Cbc(key, iv) => key.encrypt(iv, payload),
            PayloadCipher::Aead(key, nonce) => key.seal(nonce, aad, payload, tag),
        }
    }

    /// Decrypts `payload` in place, the AEAD after checking `tag`.
    fn open(&self, aad: &[u8], payload: &mut [u8], tag: &[u8]) -> Result<()> {
        match self {
            PayloadCipher::Cbc(key, iv) => key.decrypt(iv, payload),
            PayloadCipher::Aead(key, nonce) => key.open(nonce, aad, payload, tag),
        }
    }
}

/// The cipher of `EncryptingKey ‖ InitializationVector`: the policy's AEAD
/// cipher, or AES-CBC.
fn payload_cipher(policy: EccSecretPolicy, material: &[u8]) -> Result<PayloadCipher> {
    let fail = || Error::IdentityTokenInvalid;
    let (encrypting, iv_bytes) = material
        .split_at_checked(policy.encrypting_key_len())
        .ok_or_else(fail)?;
    if let Some(algorithm) = policy.aead() {
        let mut nonce = Zeroizing::new([0u8; AeadAlgorithm::NONCE_LEN]);
        if iv_bytes.len() != nonce.len() {
            return Err(fail());
        }
        nonce.copy_from_slice(iv_bytes);
        let key = (default_provider().aead)(algorithm, encrypting).map_err(|_| fail())?;
        return Ok(PayloadCipher::Aead(key, nonce));
    }
    let mut iv = Zeroizing::new([0u8; 16]);
    if iv_bytes.len() != iv.len() {
        return Err(fail());
    }
    iv.copy_from_slice(iv_bytes);
    let cipher = (default_provider().aes_cbc)(encrypting).map_err(|_| fail())?;
    Ok(PayloadCipher::Cbc(cipher, iv))
}
