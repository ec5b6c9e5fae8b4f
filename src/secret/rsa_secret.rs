//! RsaEncryptedSecret (OPC 10000-4 §7.41.2.4): random symmetric keys
//! RSA-encrypted for the receiver, the payload AES-CBC encrypted with them,
//! and an HMAC over everything (encrypt-then-MAC).

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::payload::{
    BLOCK_SIZE, PaddingSizeWidth, build_payload, parse_payload, patch_length, read_header,
    write_header,
};
use super::{DecryptedSecret, SecretInput};
use crate::cert::thumbprint;
use crate::codec::{Reader, Writer};
use crate::policy::{BuiltinPolicy, OwnKey, PeerKey, SymmetricKeys};
use crate::{Error, Result};

/// The DataType NodeId of RsaEncryptedSecret, written as its TypeId
/// (`i=17545`, OPC 10000-4 §7.41.2.4; there is no separate encoding id).
pub const RSA_ENCRYPTED_SECRET_TYPE_ID: u32 = 17_545;

/// The two layouts of an RsaEncryptedSecret's KeyData and padding size in
/// use (OPC 10000-4 §7.41.2.4).
///
/// A receiver tells them apart by the length of the decrypted KeyData: the
/// specified form is 12 bytes longer (three ByteString length prefixes) than
/// the raw one for the same policy, so exactly one layout fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RsaSecretForm {
    /// As OPC 10000-4 §7.41.2.4 specifies: KeyData is the ByteStrings
    /// `SigningKey`, `EncryptingKey`, `InitializationVector`, and
    /// PayloadPaddingSize is a UInt16.
    Specified,
    /// As UA-.NETStandard writes it: KeyData is the raw `SigningKey ‖
    /// EncryptingKey ‖ InitializationVector` and PayloadPaddingSize is one
    /// byte.
    DotNet,
}

impl RsaSecretForm {
    const fn width(self) -> PaddingSizeWidth {
        match self {
            RsaSecretForm::Specified => PaddingSizeWidth::Two,
            RsaSecretForm::DotNet => PaddingSizeWidth::One,
        }
    }
}

/// Whom an RsaEncryptedSecret is made for: the receiver's (server's) DER
/// certificate, whose SHA-1 thumbprint goes into the Certificate field, and
/// its RSA key.
#[derive(Debug, Clone, Copy)]
pub struct RsaReceiver<'a> {
    /// The receiver's DER certificate.
    pub certificate_der: &'a [u8],
    /// The receiver's public key (normally from that certificate).
    pub key: &'a dyn PeerKey,
}

/// Encoding and decoding of RsaEncryptedSecret (OPC 10000-4 §7.41.2.4).
///
/// Layout: `TypeId (i=17545) ‖ EncodingMask (0x01) ‖ Length ‖
/// SecurityPolicyUri ‖ Certificate (SHA-1 thumbprint of the receiver's
/// certificate) ‖ SigningTime ‖ KeyDataLength ‖ KeyData ‖ E(Nonce ‖ Secret
/// ‖ PayloadPadding ‖ PayloadPaddingSize) ‖ HMAC`.
///
/// Every failure to open one is [`Error::IdentityTokenInvalid`]
/// (`BadIdentityTokenInvalid`): the secret travels in a UserIdentityToken,
/// and no step (header, receiver, RSA, HMAC, padding) can be told from
/// another by the error.
#[derive(Debug, Clone, Copy)]
pub struct RsaEncryptedSecret;

impl RsaEncryptedSecret {
    /// Makes an RsaEncryptedSecret for `receiver` under `policy`, with fresh
    /// random symmetric keys from `rng`.
    pub fn encrypt(
        policy: &'static BuiltinPolicy,
        receiver: RsaReceiver<'_>,
        input: &SecretInput<'_>,
        form: RsaSecretForm,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let mut material = Zeroizing::new([0u8; 128]);
        let material = material
            .get_mut(..policy.descriptor().key_material_len())
            .ok_or(Error::SecurityPolicyRejected)?;
        rng.fill_bytes(material);
        Self::encrypt_with_keys(policy, receiver, input, form, material, rng)
    }

    /// Like [`encrypt`](Self::encrypt), with chosen symmetric key material
    /// `SigningKey ‖ EncryptingKey ‖ InitializationVector` (to reproduce a
    /// recorded secret); `rng` serves the RSA encryption only.
    pub fn encrypt_with_keys(
        policy: &'static BuiltinPolicy,
        receiver: RsaReceiver<'_>,
        input: &SecretInput<'_>,
        form: RsaSecretForm,
        key_material: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let d = policy.descriptor();
        let scheme = d
            .asymmetric_encryption
            .ok_or(Error::SecurityPolicyRejected)?;
        let hmac = policy.hmac_hash().ok_or(Error::SecurityPolicyRejected)?;
        let keys = SymmetricKeys::from_key_material(d, hmac, key_material)?;

        let plain_key_data = match form {
            RsaSecretForm::Specified => {
                let (signing, rest) = key_material.split_at(d.signing_key_len);
                let (encrypting, iv) = rest.split_at(d.encrypting_key_len);
                let mut out = Zeroizing::new(Vec::with_capacity(key_material.len() + 12));
                let mut w = Writer::new(&mut out);
                w.write_byte_string(Some(signing))?;
                w.write_byte_string(Some(encrypting))?;
                w.write_byte_string(Some(iv))?;
                out
            }
            RsaSecretForm::DotNet => Zeroizing::new(key_material.to_vec()),
        };
        let block = receiver.key.plaintext_block_size(scheme);
        if block == 0 {
            return Err(Error::SecurityPolicyRejected);
        }
        let mut key_data = Vec::new();
        for chunk in plain_key_data.chunks(block) {
            key_data.extend_from_slice(&receiver.key.encrypt_block(scheme, chunk, rng)?);
        }

        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        let thumb = thumbprint(receiver.certificate_der);
        let length_at = write_header(
            &mut w,
            RSA_ENCRYPTED_SECRET_TYPE_ID,
            d.uri,
            Some(&thumb),
            input.signing_time,
            &key_data,
        )?;
        let mut payload = build_payload(input.nonce, input.secret, form.width())?;
        keys.encrypt(&mut payload)?;
        w.put(&payload);
        w.put(&vec![0u8; d.signature_len]);
        patch_length(&mut w, length_at)?;
        let signed_end = out.len() - d.signature_len;
        let (signed, signature) = out.split_at_mut(signed_end);
        keys.sign(signed, signature)?;
        Ok(out)
    }

    /// Opens an RsaEncryptedSecret made for us under `policy`: our DER
    /// certificate (whose thumbprint it must name) and our private key.
    ///
    /// The order: the header, with every length checked against the input
    /// and nothing allocated from it; the policy and the receiver
    /// thumbprint; RSA decryption of KeyData (every block, even after one
    /// failed, and a failed KeyData still goes through an HMAC check under a
    /// dummy key, so the work does not depend on where it failed); the HMAC
    /// in constant time; only then AES-CBC decryption and the padding.
    /// Both [`RsaSecretForm`]s are accepted. Every failure is
    /// `BadIdentityTokenInvalid`.
    pub fn decrypt(
        bytes: &[u8],
        policy: &'static BuiltinPolicy,
        own_certificate_der: &[u8],
        own_key: &dyn OwnKey,
    ) -> Result<DecryptedSecret> {
        let bad = |_| Error::IdentityTokenInvalid;
        let d = policy.descriptor();
        let scheme = d.asymmetric_encryption.ok_or(Error::IdentityTokenInvalid)?;
        let hmac = policy.hmac_hash().ok_or(Error::IdentityTokenInvalid)?;
        let header = read_header(bytes, RSA_ENCRYPTED_SECRET_TYPE_ID)?;
        if header.policy_uri != d.uri {
            return Err(Error::IdentityTokenInvalid);
        }
        let thumb = thumbprint(own_certificate_der);
        match header.certificate {
            Some(t) if t.len() == thumb.len() && bool::from(t.ct_eq(&thumb)) => {}
            _ => return Err(Error::IdentityTokenInvalid),
        }

        // KeyData: whole RSA blocks, all decrypted.
        let block = own_key.ciphertext_block_size(scheme);
        if block == 0 || header.key_data.is_empty() || !header.key_data.len().is_multiple_of(block)
        {
            return Err(Error::IdentityTokenInvalid);
        }
        let mut ok = true;
        let mut plain_key_data = Zeroizing::new(Vec::new());
        for chunk in header.key_data.chunks(block) {
            match own_key.decrypt_block(scheme, chunk) {
                Ok(p) => plain_key_data.extend_from_slice(&p),
                Err(_) => ok = false,
            }
        }
        let material_len = d.key_material_len();
        let mut material = Zeroizing::new(vec![0u8; material_len]);
        let form = if plain_key_data.len() == material_len + 12 {
            ok &= read_key_data(&plain_key_data, d, &mut material);
            RsaSecretForm::Specified
        } else if plain_key_data.len() == material_len {
            material.copy_from_slice(&plain_key_data);
            RsaSecretForm::DotNet
        } else {
            ok = false;
            RsaSecretForm::Specified
        };
        if !ok {
            // A dummy key keeps the HMAC work of a failed KeyData.
            material.iter_mut().for_each(|b| *b = 0);
        }
        let keys = SymmetricKeys::from_key_material(d, hmac, &material).map_err(bad)?;

        // HMAC over everything before it, in constant time.
        let signed_end = bytes
            .len()
            .checked_sub(d.signature_len)
            .ok_or(Error::IdentityTokenInvalid)?;
        let (signed, signature) = bytes.split_at(signed_end);
        let verified = keys.verify(signed, signature);
        if !ok || verified.is_err() {
            return Err(Error::IdentityTokenInvalid);
        }

        // Then decrypt, then the padding.
        let encrypted = signed
            .get(header.header_len..)
            .ok_or(Error::IdentityTokenInvalid)?;
        if encrypted.is_empty() || !encrypted.len().is_multiple_of(BLOCK_SIZE) {
            return Err(Error::IdentityTokenInvalid);
        }
        let mut plain = Zeroizing::new(encrypted.to_vec());
        keys.decrypt(&mut plain).map_err(bad)?;
        let payload = parse_payload(&plain, form.width())?;
        Ok(DecryptedSecret {
            policy_uri: header.policy_uri.to_owned(),
            signing_time: header.signing_time,
            nonce: payload.nonce.to_vec(),
            secret: Zeroizing::new(payload.secret.to_vec()),
            rsa_form: Some(form),
        })
    }
}

/// Reads the specified KeyData layout, three ByteStrings of exactly the
/// policy's key lengths, into `material`; false when it does not fit.
fn read_key_data(plain: &[u8], d: &crate::policy::PolicyDescriptor, material: &mut [u8]) -> bool {
    let mut r = Reader::new(plain);
    let mut at = 0;
    for len in [d.signing_key_len, d.encrypting_key_len, d.iv_len] {
        let Ok(Some(part)) = r.read_byte_string() else {
            return false;
        };
        let Some(dst) = material.get_mut(at..at + len) else {
            return false;
        };
        if part.len() != len {
            return false;
        }
        dst.copy_from_slice(part);
        at += len;
    }
    r.is_empty()
}
