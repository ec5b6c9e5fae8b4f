//! An ECC + AEAD security policy shaped like ECC_nistP256_AesGcm
//! (OPC 10000-6 §6.7.2.5.2, §6.8), built outside the crate on its public
//! policy traits only, and driven through the crate's chunk functions.
//!
//! The policy: ephemeral P-256 keys as nonces (raw `X ‖ Y`), ECDH, HKDF-SHA256
//! with the ClientSalt/ServerSalt of §6.8.1, AES-128-GCM with a nonce per
//! chunk for MSG and CLO chunks, ECDSA-SHA256 (raw `r ‖ s`) for OPN chunks,
//! which are signed and not encrypted.

use core::fmt;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use hkdf::Hkdf;
use p256::ecdsa::signature::{RandomizedSigner, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::DecodePublicKey;
use p256::{PublicKey, SecretKey};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_core::CryptoRng;
use sha2::Sha256;
use uasc::chunk::{
    AsymmetricSecurityHeader, ChunkHeaders, ChunkType, DEFAULT_MAX_CERTIFICATE_SIZE,
    MessageChunkHeader, MessageHeader, MessageType, OpnChunk, OpnKeys, SYMMETRIC_HEADER_LEN,
    SendLimits, SequenceHeader, SymmetricChunk, max_body_size, open_asymmetric, open_symmetric,
    secure_asymmetric, secure_message, secure_symmetric,
};
use uasc::codec::{DecodeLimits, decode_exact};
use uasc::key::KeyKind;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{
    AsymmetricEncryption, AsymmetricSignature, ChainingSecret, ChunkContext, ChunkProtection,
    KeyExchange, OwnKey, PeerKey, PolicyDescriptor, Role, SecurityPolicy, TokenKeys,
};
use uasc::{Error, Result, StatusCode};
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------

/// Length of a P-256 ephemeral public key as a nonce: `X ‖ Y`, no SEC1 tag.
const NONCE_LEN: usize = 64;
/// AES-128 key length.
const KEY_LEN: usize = 16;
/// GCM IV length.
const IV_LEN: usize = 12;
/// GCM tag length.
const TAG_LEN: usize = 16;
/// Key material per direction: EncryptingKey ‖ IV (no signing key).
const KEY_MATERIAL_LEN: usize = KEY_LEN + IV_LEN;
/// A raw `r ‖ s` P-256 ECDSA signature.
const ECDSA_SIGNATURE_LEN: usize = 64;

const DESCRIPTOR: PolicyDescriptor = PolicyDescriptor {
    name: "ECC_nistP256_AesGcm",
    uri: "http://opcfoundation.org/UA/SecurityPolicy#ECC_nistP256_AesGcm",
    asymmetric_encryption: None,
    asymmetric_signature: Some(AsymmetricSignature::EcdsaSha256),
    signing_key_len: 0,
    encrypting_key_len: KEY_LEN,
    iv_len: IV_LEN,
    signature_len: TAG_LEN,
    nonce_len: NONCE_LEN,
    certificate_key: Some(KeyKind::P256),
    min_asymmetric_key_bits: 256,
    max_asymmetric_key_bits: 256,
    legacy_sequence_numbers: false,
    aead: true,
    secure_channel_enhancements: true,
    deprecated: false,
};

/// ECC_nistP256_AesGcm.
#[derive(Debug)]
struct EccNistP256AesGcm;

static POLICY: EccNistP256AesGcm = EccNistP256AesGcm;

impl SecurityPolicy for EccNistP256AesGcm {
    fn descriptor(&self) -> &PolicyDescriptor {
        &DESCRIPTOR
    }

    /// A renewal mixes the previous token's shared secret into the new one
    /// (OPC 10000-6 §6.8.1, 1.05.07): `previous` is that secret.
    fn start_key_exchange(
        &self,
        _mode: MessageSecurityMode,
        rng: &mut dyn CryptoRng,
        previous: Option<&ChainingSecret>,
    ) -> Result<Box<dyn KeyExchange>> {
        Ok(Box::new(EcdhExchange::new(
            SecretKey::generate_from_rng(rng),
            previous.cloned(),
        )))
    }

    /// The P-256 key in the SubjectPublicKeyInfo of a DER certificate. The
    /// certificate itself (chain, validity, signature) is the caller's to
    /// validate, as for the built-in policies.
    fn peer_key(&self, certificate_der: &[u8]) -> Result<Box<dyn PeerKey>> {
        let (_, cert) = x509_parser::parse_x509_certificate(certificate_der)
            .map_err(|_| Error::Decoding("X.509 certificate"))?;
        let key = VerifyingKey::from_public_key_der(cert.tbs_certificate.subject_pki.raw)
            .map_err(|_| Error::CertificatePolicyCheckFailed("not a P-256 key"))?;
        Ok(Box::new(EcdsaPeerKey(key)))
    }
}

/// Encodes a public key as a nonce: `X ‖ Y`, big-endian, no 0x04 tag.
fn nonce_of(key: &PublicKey) -> [u8; NONCE_LEN] {
    let point = key.to_uncompressed_point();
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&point[1..]);
    nonce
}

/// Decodes a peer's nonce: 64 bytes that are a point of the curve other than
/// the identity; anything else is `BadNonceInvalid`.
fn public_key_of(nonce: &[u8]) -> Result<PublicKey> {
    if nonce.len() != NONCE_LEN {
        return Err(Error::NonceInvalid);
    }
    let mut sec1 = [0u8; 1 + NONCE_LEN];
    sec1[0] = 0x04;
    sec1[1..].copy_from_slice(nonce);
    PublicKey::from_sec1_bytes(&sec1).map_err(|_| Error::NonceInvalid)
}

/// One side's ephemeral key pair for one token.
struct EcdhExchange {
    /// Zeroized on drop by `p256`.
    secret: SecretKey,
    nonce: [u8; NONCE_LEN],
    previous: Option<ChainingSecret>,
}

impl fmt::Debug for EcdhExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdhExchange")
            .field("policy", &DESCRIPTOR.name)
            .finish_non_exhaustive()
    }
}

impl EcdhExchange {
    fn new(secret: SecretKey, previous: Option<ChainingSecret>) -> Self {
        let nonce = nonce_of(&secret.public_key());
        EcdhExchange {
            secret,
            nonce,
            previous,
        }
    }
}

impl KeyExchange for EcdhExchange {
    fn local_nonce(&self) -> &[u8] {
        &self.nonce
    }

    fn complete(self: Box<Self>, role: Role, peer_nonce: &[u8]) -> Result<TokenKeys> {
        let peer = public_key_of(peer_nonce)?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.as_affine());
        // The new shared secret, XORed with the previous one on renewal.
        let mut chained = Zeroizing::new(shared.raw_secret_bytes().to_vec());
        if let Some(previous) = &self.previous {
            if previous.as_bytes().len() != chained.len() {
                return Err(Error::SecurityChecksFailed);
            }
            for (c, p) in chained.iter_mut().zip(previous.as_bytes()) {
                *c ^= p;
            }
        }
        let secret = &chained[..];
        let (client_nonce, server_nonce) = match role {
            Role::Client => (&self.nonce[..], peer_nonce),
            Role::Server => (peer_nonce, &self.nonce[..]),
        };
        let derive = |side| {
            let material = derive_key_material(secret, side, client_nonce, server_nonce)?;
            AesGcmProtection::new(&material)
        };
        Ok(TokenKeys {
            sending: Box::new(derive(role)?),
            receiving: Box::new(derive(role.peer())?),
            chaining: Some(ChainingSecret::new(chained.to_vec())),
        })
    }
}

/// `L ‖ "opcua-client" ‖ ClientNonce ‖ ServerNonce` for the client's keys,
/// `L ‖ "opcua-server" ‖ ServerNonce ‖ ClientNonce` for the server's
/// (OPC 10000-6 §6.8.1), with L the key material length as UInt16 LE.
fn salt(side: Role, client_nonce: &[u8], server_nonce: &[u8]) -> Vec<u8> {
    let (label, first, second): (&[u8], _, _) = match side {
        Role::Client => (b"opcua-client", client_nonce, server_nonce),
        Role::Server => (b"opcua-server", server_nonce, client_nonce),
    };
    let mut salt = Vec::with_capacity(2 + label.len() + first.len() + second.len());
    salt.extend_from_slice(&(KEY_MATERIAL_LEN as u16).to_le_bytes());
    salt.extend_from_slice(label);
    salt.extend_from_slice(first);
    salt.extend_from_slice(second);
    salt
}

/// `HKDF-SHA256(IKM = secret, salt = Salt, info = Salt, L)` for the keys
/// `side` secures its chunks with: EncryptingKey ‖ IV.
fn derive_key_material(
    secret: &[u8],
    side: Role,
    client_nonce: &[u8],
    server_nonce: &[u8],
) -> Result<Zeroizing<[u8; KEY_MATERIAL_LEN]>> {
    let salt = salt(side, client_nonce, server_nonce);
    let mut material = Zeroizing::new([0u8; KEY_MATERIAL_LEN]);
    Hkdf::<Sha256>::new(Some(&salt), secret)
        .expand(&salt, &mut material[..])
        .map_err(|_| Error::SecurityChecksFailed)?;
    Ok(material)
}

/// One direction of one token: the AES-128-GCM key schedule and the IV.
/// Both are zeroized on drop (the `aes-gcm` and `aes` `zeroize` features,
/// and `Zeroizing`); `Debug` shows neither.
struct AesGcmProtection {
    cipher: Aes128Gcm,
    iv: Zeroizing<[u8; IV_LEN]>,
}

impl fmt::Debug for AesGcmProtection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesGcmProtection").finish_non_exhaustive()
    }
}

impl AesGcmProtection {
    /// The key schedule for `EncryptingKey ‖ IV`.
    fn new(material: &[u8; KEY_MATERIAL_LEN]) -> Result<Self> {
        let (key, iv) = material.split_at(KEY_LEN);
        let cipher = Aes128Gcm::new_from_slice(key).map_err(|_| Error::SecurityChecksFailed)?;
        let mut own_iv = Zeroizing::new([0u8; IV_LEN]);
        own_iv.copy_from_slice(iv);
        Ok(AesGcmProtection { cipher, iv: own_iv })
    }

    /// The chunk's nonce (OPC 10000-6 §6.8.1): the IV with its first 8
    /// bytes XORed with `TokenId ‖ LastSequenceNumber`, both UInt32 LE,
    /// where LastSequenceNumber is the chunk's sequence number minus one.
    fn nonce(&self, context: ChunkContext) -> Nonce<aes_gcm::aead::consts::U12> {
        let mut nonce = *self.iv;
        let token = context.token_id.to_le_bytes();
        let last = context.sequence_number.wrapping_sub(1).to_le_bytes();
        for (n, m) in nonce.iter_mut().zip(token.iter().chain(last.iter())) {
            *n ^= m;
        }
        Nonce::from(nonce)
    }
}

impl ChunkProtection for AesGcmProtection {
    fn signature_len(&self) -> usize {
        TAG_LEN
    }

    fn padding_block_size(&self) -> usize {
        0
    }

    fn seal(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        encrypt: bool,
        context: ChunkContext,
    ) -> Result<()> {
        let tag_start = chunk
            .len()
            .checked_sub(TAG_LEN)
            .filter(|&t| t >= header_len)
            .ok_or(Error::SecurityChecksFailed)?;
        let nonce = self.nonce(context);
        let (authenticated, tag_out) = chunk.split_at_mut(tag_start);
        let tag = if encrypt {
            let (aad, plaintext) = authenticated.split_at_mut(header_len);
            self.cipher
                .encrypt_inout_detached(&nonce, aad, plaintext.into())
        } else {
            // Sign mode: GMAC, everything before the tag as AAD.
            let mut empty: [u8; 0] = [];
            self.cipher
                .encrypt_inout_detached(&nonce, authenticated, (&mut empty[..]).into())
        }
        .map_err(|_| Error::SecurityChecksFailed)?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    fn open(
        &self,
        chunk: &mut [u8],
        header_len: usize,
        decrypt: bool,
        context: ChunkContext,
    ) -> Result<()> {
        let fail = || Error::SecurityChecksFailed;
        let tag_start = chunk
            .len()
            .checked_sub(TAG_LEN)
            .filter(|&t| t >= header_len)
            .ok_or_else(fail)?;
        let nonce = self.nonce(context);
        let (authenticated, tag) = chunk.split_at_mut(tag_start);
        let tag = Tag::try_from(&*tag).map_err(|_| fail())?;
        if decrypt {
            let (aad, ciphertext) = authenticated.split_at_mut(header_len);
            self.cipher
                .decrypt_inout_detached(&nonce, aad, ciphertext.into(), &tag)
        } else {
            let mut empty: [u8; 0] = [];
            self.cipher
                .decrypt_inout_detached(&nonce, authenticated, (&mut empty[..]).into(), &tag)
        }
        .map_err(|_| fail())
    }
}

/// Our P-256 ECDSA key.
struct EcdsaOwnKey(SigningKey);

impl fmt::Debug for EcdsaOwnKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaOwnKey(P-256)")
    }
}

impl OwnKey for EcdsaOwnKey {
    fn bits(&self) -> usize {
        256
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        ECDSA_SIGNATURE_LEN
    }

    /// ECDSA-SHA256 over `data`, as raw `r ‖ s`; the nonce is RFC 6979's,
    /// hedged with `rng`. Other schemes are refused.
    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        if scheme != AsymmetricSignature::EcdsaSha256 {
            return Err(Error::SecurityChecksFailed);
        }
        let signature: Signature = self
            .0
            .try_sign_with_rng(rng, data)
            .map_err(|_| Error::SecurityChecksFailed)?;
        Ok(signature.to_bytes().to_vec())
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn decrypt_block(&self, _: AsymmetricEncryption, _: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::SecurityChecksFailed)
    }
}

/// The peer's P-256 ECDSA key.
struct EcdsaPeerKey(VerifyingKey);

impl fmt::Debug for EcdsaPeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EcdsaPeerKey(P-256)")
    }
}

impl PeerKey for EcdsaPeerKey {
    fn bits(&self) -> usize {
        256
    }

    fn signature_len(&self, _: AsymmetricSignature) -> usize {
        ECDSA_SIGNATURE_LEN
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        if scheme != AsymmetricSignature::EcdsaSha256 {
            return Err(Error::SecurityChecksFailed);
        }
        let signature =
            Signature::from_slice(signature).map_err(|_| Error::SecurityChecksFailed)?;
        self.0
            .verify(data, &signature)
            .map_err(|_| Error::SecurityChecksFailed)
    }

    fn plaintext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn ciphertext_block_size(&self, _: AsymmetricEncryption) -> usize {
        0
    }

    fn encrypt_block(
        &self,
        _: AsymmetricEncryption,
        _: &[u8],
        _: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        Err(Error::SecurityChecksFailed)
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const MODES: [MessageSecurityMode; 2] = [
    MessageSecurityMode::Sign,
    MessageSecurityMode::SignAndEncrypt,
];

const TOKEN_ID: u32 = 0x0102_0304;

fn policy() -> &'static dyn SecurityPolicy {
    &POLICY
}

/// Both ends of a completed handshake: (client keys, server keys).
fn handshake(seed: u64) -> (TokenKeys, TokenKeys) {
    let mut client_rng = StdRng::seed_from_u64(seed);
    let mut server_rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let client = policy()
        .start_key_exchange(MessageSecurityMode::SignAndEncrypt, &mut client_rng, None)
        .unwrap();
    let server = policy()
        .start_key_exchange(MessageSecurityMode::SignAndEncrypt, &mut server_rng, None)
        .unwrap();
    let client_nonce = client.local_nonce().to_vec();
    let server_nonce = server.local_nonce().to_vec();
    assert_eq!(client_nonce.len(), DESCRIPTOR.nonce_len);
    assert_eq!(server_nonce.len(), DESCRIPTOR.nonce_len);
    assert_ne!(client_nonce, server_nonce);
    let client_keys = client.complete(Role::Client, &server_nonce).unwrap();
    let server_keys = server.complete(Role::Server, &client_nonce).unwrap();
    (client_keys, server_keys)
}

fn header(request_id: u32) -> MessageChunkHeader {
    MessageChunkHeader {
        message_type: MessageType::Message,
        secure_channel_id: 9,
        token_id: TOKEN_ID,
        request_id,
    }
}

fn limits(sender: Role) -> SendLimits {
    SendLimits {
        max_chunk_size: 1024,
        max_message_size: 0,
        max_chunk_count: 0,
        sender,
    }
}

fn body(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

/// Splits concatenated chunks by their MessageSize.
fn split_chunks(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let size = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
        out.push(rest[..size].to_vec());
        rest = &rest[size..];
    }
    out
}

/// One secured chunk with a 150-byte body and sequence number `seq`.
fn one_chunk(keys: &dyn ChunkProtection, mode: MessageSecurityMode, seq: u32) -> Vec<u8> {
    let chunk = SymmetricChunk {
        message_type: MessageType::Message,
        chunk_type: ChunkType::Final,
        secure_channel_id: 9,
        token_id: TOKEN_ID,
        sequence: SequenceHeader {
            sequence_number: seq,
            request_id: 77,
        },
    };
    let mut out = Vec::new();
    secure_symmetric(&mut out, &chunk, &body(150, 3), keys, mode).unwrap();
    out
}

fn pair<'k>(own: &'k EcdsaOwnKey, peer: &'k EcdsaPeerKey) -> Option<OpnKeys<'k>> {
    Some((own as &dyn OwnKey, peer as &dyn PeerKey))
}

fn status(e: Error) -> StatusCode {
    e.status_code()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[test]
fn descriptor_and_key_objects() {
    let d = policy().descriptor();
    assert_eq!(*d, DESCRIPTOR);
    assert_eq!(d.key_material_len(), 28);
    assert!(!d.is_none());
    // The crate builds the same policy in; this one is the outside copy.
    let builtin = uasc::policy::by_uri(d.uri).expect("built in too");
    assert_eq!(builtin.descriptor(), d);

    let (client, server) = handshake(1);
    for keys in [&client.sending, &client.receiving, &server.sending] {
        assert_eq!(keys.signature_len(), 16);
        assert_eq!(keys.padding_block_size(), 0);
        for mode in MODES {
            assert_eq!(
                max_body_size(&**keys, mode, 1024).unwrap(),
                1024 - 16 - 8 - 16
            );
        }
    }

    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<Aes128Gcm>();
    zeroized_on_drop::<SecretKey>();
    zeroized_on_drop::<SigningKey>();
}

/// Sends `body` as one message from `first_seq` on, checks every chunk's
/// layout, opens them in order and returns the reassembled body.
fn send_and_receive(
    sending: &dyn ChunkProtection,
    receiving: &dyn ChunkProtection,
    sender: Role,
    mode: MessageSecurityMode,
    first_seq: u32,
    body: &[u8],
) -> Vec<u8> {
    let per_chunk = max_body_size(sending, mode, 1024).unwrap();
    let request_id = 1000 + body.len() as u32;
    let mut out = Vec::new();
    let mut next_seq = first_seq;
    let count = secure_message(
        &mut out,
        &header(request_id),
        &mut next_seq,
        body,
        sending,
        mode,
        &limits(sender),
    )
    .unwrap();
    assert_eq!(count, body.len().div_ceil(per_chunk).max(1));
    assert_eq!(next_seq, first_seq.wrapping_add(count as u32));

    let chunks = split_chunks(&out);
    assert_eq!(chunks.len(), count);
    let mut received = Vec::new();
    for (index, mut chunk) in chunks.into_iter().enumerate() {
        let seq = first_seq.wrapping_add(index as u32);
        let piece = &body[index * per_chunk..body.len().min((index + 1) * per_chunk)];
        // No padding: MessageHeader and TokenId, SequenceHeader, body, tag.
        assert_eq!(chunk.len(), 16 + 8 + piece.len() + 16);
        assert!(chunk.len() <= 1024);
        let header: MessageHeader =
            decode_exact(&chunk[..MessageHeader::LEN], DecodeLimits::default()).unwrap();
        assert_eq!(header.frame.message_type, MessageType::Message);
        assert_eq!(header.frame.message_size as usize, chunk.len());
        assert_eq!(header.secure_channel_id, 9);
        let expected_type = if index + 1 == count {
            ChunkType::Final
        } else {
            ChunkType::Intermediate
        };
        assert_eq!(header.frame.chunk_type, expected_type);
        assert_eq!(&chunk[12..16], &TOKEN_ID.to_le_bytes());

        let plaintext = [&seq.to_le_bytes()[..], &request_id.to_le_bytes(), piece].concat();
        let protected = &chunk[SYMMETRIC_HEADER_LEN..chunk.len() - 16];
        match mode {
            MessageSecurityMode::Sign => assert_eq!(protected, &plaintext[..]),
            _ => assert_ne!(protected, &plaintext[..], "SignAndEncrypt left it in clear"),
        }

        let (sequence, range) = open_symmetric(&mut chunk, receiving, mode, seq).unwrap();
        assert_eq!(sequence.sequence_number, seq);
        assert_eq!(sequence.request_id, request_id);
        assert_eq!(range.len(), piece.len());
        received.extend_from_slice(&chunk[range]);
    }
    received
}

#[test]
fn messages_round_trip_both_ways_without_padding() {
    let (client, server) = handshake(2);
    let per_chunk = max_body_size(&*client.sending, MessageSecurityMode::SignAndEncrypt, 1024)
        .expect("room for a body");
    assert_eq!(
        per_chunk,
        max_body_size(&*client.sending, MessageSecurityMode::Sign, 1024).unwrap()
    );
    let sizes = [
        0,
        1,
        100,
        per_chunk - 1,
        per_chunk,
        per_chunk + 1,
        3 * per_chunk - 1,
        3 * per_chunk,
        3 * per_chunk + 1,
    ];
    let directions = [
        (Role::Client, &client.sending, &server.receiving),
        (Role::Server, &server.sending, &client.receiving),
    ];
    for (sender, sending, receiving) in directions {
        for mode in MODES {
            // From u32::MAX − 1 on, a message of 3 chunks or more crosses
            // the wrap to 0, where the nonce's LastSequenceNumber is u32::MAX.
            for first_seq in [1u32, u32::MAX - 1] {
                for (i, &len) in sizes.iter().enumerate() {
                    let body = body(len, i as u8);
                    let received =
                        send_and_receive(&**sending, &**receiving, sender, mode, first_seq, &body);
                    assert_eq!(received, body, "{len} bytes, {mode:?}, from {sender:?}");
                }
            }
        }
    }
}

#[test]
fn every_flipped_byte_is_rejected() {
    let (client, server) = handshake(3);
    for mode in MODES {
        let chunk = one_chunk(&*client.sending, mode, 42);
        assert!(
            open_symmetric(&mut chunk.clone(), &*server.receiving, mode, 42).is_ok(),
            "the unmodified chunk opens"
        );
        for i in 0..chunk.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = chunk.clone();
                bad[i] ^= flip;
                let e = open_symmetric(&mut bad, &*server.receiving, mode, 42)
                    .expect_err("a flipped byte must not open");
                assert_eq!(
                    status(e),
                    StatusCode::BAD_SECURITY_CHECKS_FAILED,
                    "byte {i}, {mode:?}"
                );
            }
        }
    }
}

#[test]
fn wrong_nonce_wrong_keys_wrong_mode_and_truncation_are_rejected() {
    let (client, server) = handshake(4);
    for mode in MODES {
        let chunk = one_chunk(&*client.sending, mode, 42);
        let fails = |keys: &dyn ChunkProtection, mode, seq| {
            let e = open_symmetric(&mut chunk.clone(), keys, mode, seq).unwrap_err();
            assert_eq!(status(e), StatusCode::BAD_SECURITY_CHECKS_FAILED);
        };
        // The expected sequence number enters the nonce.
        for seq in [0, 41, 43, 42 + (1 << 16), u32::MAX] {
            fails(&*server.receiving, mode, seq);
        }
        // The other direction's keys, from either end.
        fails(&*client.receiving, mode, 42);
        fails(&*server.sending, mode, 42);
        // Another token's keys.
        let (_, other_server) = handshake(5);
        fails(&*other_server.receiving, mode, 42);
        // Opened in the other mode.
        let other_mode = if mode == MessageSecurityMode::Sign {
            MessageSecurityMode::SignAndEncrypt
        } else {
            MessageSecurityMode::Sign
        };
        fails(&*server.receiving, other_mode, 42);
        // Truncated, including below the tag's length.
        for len in [0, 10, 16, 16 + 8 + 15, chunk.len() - 1] {
            let mut short = chunk[..len].to_vec();
            let e = open_symmetric(&mut short, &*server.receiving, mode, 42).unwrap_err();
            assert_eq!(status(e), StatusCode::BAD_SECURITY_CHECKS_FAILED);
        }
        // And the right ones still open it.
        assert!(open_symmetric(&mut chunk.clone(), &*server.receiving, mode, 42).is_ok());
    }
}

#[test]
fn a_chunk_of_another_token_id_is_rejected() {
    // The TokenId enters both the AAD and the nonce: the same keys, the same
    // sequence number and body under TokenId 1 and 2 give chunks that do not
    // open as each other.
    let (client, server) = handshake(6);
    let secure = |token_id| {
        let chunk = SymmetricChunk {
            message_type: MessageType::Message,
            chunk_type: ChunkType::Final,
            secure_channel_id: 9,
            token_id,
            sequence: SequenceHeader {
                sequence_number: 5,
                request_id: 1,
            },
        };
        let mut out = Vec::new();
        secure_symmetric(
            &mut out,
            &chunk,
            b"same body",
            &*client.sending,
            MessageSecurityMode::SignAndEncrypt,
        )
        .unwrap();
        out
    };
    let (one, two) = (secure(1), secure(2));
    assert_ne!(
        one[16..],
        two[16..],
        "different nonces, different ciphertext"
    );
    let mut spliced = one.clone();
    spliced[12..16].copy_from_slice(&2u32.to_le_bytes());
    let e = open_symmetric(
        &mut spliced,
        &*server.receiving,
        MessageSecurityMode::SignAndEncrypt,
        5,
    )
    .unwrap_err();
    assert_eq!(status(e), StatusCode::BAD_SECURITY_CHECKS_FAILED);
    for mut chunk in [one, two] {
        open_symmetric(
            &mut chunk,
            &*server.receiving,
            MessageSecurityMode::SignAndEncrypt,
            5,
        )
        .unwrap();
    }
}

#[test]
fn bad_peer_nonces_are_nonce_invalid() {
    let mut rng = StdRng::seed_from_u64(7);
    let valid = policy()
        .start_key_exchange(MessageSecurityMode::SignAndEncrypt, &mut rng, None)
        .unwrap()
        .local_nonce()
        .to_vec();

    let mut off_curve = valid.clone();
    off_curve[63] ^= 0x01; // same X, another Y: not on the curve
    let mut x_too_large = valid.clone();
    x_too_large[..32].fill(0xFF); // X ≥ p
    let mut sec1_tagged = vec![0x04];
    sec1_tagged.extend_from_slice(&valid[..63]); // 64 bytes, but tagged SEC1

    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("63 bytes", valid[..63].to_vec()),
        ("65 bytes", [&valid[..], &[0]].concat()),
        ("65 bytes SEC1", [&[0x04], &valid[..]].concat()),
        ("all zero", vec![0u8; 64]),
        ("all 0xFF", vec![0xFFu8; 64]),
        ("off the curve", off_curve),
        ("X out of range", x_too_large),
        ("tagged SEC1 in 64 bytes", sec1_tagged),
    ];
    for (what, nonce) in bad {
        for role in [Role::Client, Role::Server] {
            let exchange = policy()
                .start_key_exchange(MessageSecurityMode::SignAndEncrypt, &mut rng, None)
                .unwrap();
            let e = exchange.complete(role, &nonce).unwrap_err();
            assert_eq!(e, Error::NonceInvalid, "{what}");
            assert_eq!(status(e), StatusCode::BAD_NONCE_INVALID, "{what}");
        }
    }
    // The valid one is accepted.
    let exchange = policy()
        .start_key_exchange(MessageSecurityMode::SignAndEncrypt, &mut rng, None)
        .unwrap();
    assert!(exchange.complete(Role::Server, &valid).is_ok());
}

#[test]
fn nonces_are_ephemeral_and_seeded() {
    let nonce = |seed| {
        policy()
            .start_key_exchange(
                MessageSecurityMode::SignAndEncrypt,
                &mut StdRng::seed_from_u64(seed),
                None,
            )
            .unwrap()
            .local_nonce()
            .to_vec()
    };
    assert_eq!(nonce(11), nonce(11));
    assert_ne!(nonce(11), nonce(12));
    // The nonce is the raw X ‖ Y of a point of the curve.
    assert!(public_key_of(&nonce(11)).is_ok());
}

/// HKDF-SHA256 with salt = info, computed from HMAC directly (RFC 5869):
/// `PRK = HMAC(salt, IKM)`, `T(1) = HMAC(PRK, info ‖ 0x01)`; 28 bytes fit in
/// T(1).
fn hkdf_by_hand(ikm: &[u8], salt_and_info: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    type HmacSha256 = hmac::Hmac<Sha256>;
    let mut extract = <HmacSha256 as KeyInit>::new_from_slice(salt_and_info).unwrap();
    extract.update(ikm);
    let prk = extract.finalize().into_bytes();
    let mut expand = <HmacSha256 as KeyInit>::new_from_slice(&prk).unwrap();
    expand.update(salt_and_info);
    expand.update(&[1]);
    expand.finalize().into_bytes()[..KEY_MATERIAL_LEN].to_vec()
}

#[test]
fn wire_format_follows_the_spec_formulas() {
    // Keys of our own making, so the shared secret and key material can be
    // computed here independently of the policy's code.
    let mut rng = StdRng::seed_from_u64(8);
    let client_secret = SecretKey::generate_from_rng(&mut rng);
    let server_secret = SecretKey::generate_from_rng(&mut rng);
    let client = Box::new(EcdhExchange::new(client_secret.clone(), None));
    let server = Box::new(EcdhExchange::new(server_secret.clone(), None));
    let client_nonce = client.local_nonce().to_vec();
    let server_nonce = server.local_nonce().to_vec();

    // Nonces: the SEC1 uncompressed point without its 0x04 tag.
    let sec1 = client_secret.public_key().to_sec1_point(false);
    assert_eq!(sec1.as_bytes()[0], 0x04);
    assert_eq!(&sec1.as_bytes()[1..], &client_nonce[..]);

    let client_keys = client.complete(Role::Client, &server_nonce).unwrap();
    let server_keys = server.complete(Role::Server, &client_nonce).unwrap();

    // The shared secret, computed from the server's side.
    let shared = p256::ecdh::diffie_hellman(
        server_secret.to_nonzero_scalar(),
        client_secret.public_key().as_affine(),
    );
    let l = 28u16.to_le_bytes();
    let client_salt = [&l[..], b"opcua-client", &client_nonce, &server_nonce].concat();
    let server_salt = [&l[..], b"opcua-server", &server_nonce, &client_nonce].concat();
    assert_eq!(client_salt.len(), 2 + 12 + 64 + 64);
    let client_material = hkdf_by_hand(shared.raw_secret_bytes(), &client_salt);
    let server_material = hkdf_by_hand(shared.raw_secret_bytes(), &server_salt);
    assert_ne!(client_material, server_material);

    // Debug shows no key material.
    for text in [format!("{client_keys:?}"), format!("{server_keys:?}")] {
        for material in [&client_material, &server_material] {
            let hex: String = material.iter().map(|b| format!("{b:02x}")).collect();
            assert!(!text.contains(&hex[..8]), "{text}");
            assert!(
                !text.contains(&format!("{:?}", &material[..4])[1..]),
                "{text}"
            );
        }
    }

    // What each side sends opens with raw AES-128-GCM under the sender's
    // keys, the nonce IV ⊕ (TokenId ‖ SequenceNumber − 1) and the cleartext
    // headers as AAD; Sign mode is the tag over everything with no plaintext.
    let cases = [
        (&client_keys.sending, &client_material),
        (&server_keys.sending, &server_material),
    ];
    for (sending, material) in cases {
        let cipher = Aes128Gcm::new_from_slice(&material[..16]).unwrap();
        for seq in [1u32, 0, 77, u32::MAX] {
            let mut nonce = [0u8; 12];
            nonce.copy_from_slice(&material[16..28]);
            for (n, m) in nonce
                .iter_mut()
                .zip([TOKEN_ID.to_le_bytes(), seq.wrapping_sub(1).to_le_bytes()].concat())
            {
                *n ^= m;
            }
            let nonce = Nonce::from(nonce);

            let chunk = one_chunk(&**sending, MessageSecurityMode::SignAndEncrypt, seq);
            let (aad, rest) = chunk.split_at(16);
            let (ciphertext, tag) = rest.split_at(rest.len() - 16);
            let mut plaintext = ciphertext.to_vec();
            cipher
                .decrypt_inout_detached(
                    &nonce,
                    aad,
                    plaintext.as_mut_slice().into(),
                    &Tag::try_from(tag).unwrap(),
                )
                .expect("opens with the spec's key, nonce and AAD");
            assert_eq!(&plaintext[..4], &seq.to_le_bytes());
            assert_eq!(&plaintext[4..8], &77u32.to_le_bytes());
            assert_eq!(&plaintext[8..], &body(150, 3)[..]);

            let chunk = one_chunk(&**sending, MessageSecurityMode::Sign, seq);
            let (signed, tag) = chunk.split_at(chunk.len() - 16);
            let mut empty: [u8; 0] = [];
            let expected = cipher
                .encrypt_inout_detached(&nonce, signed, (&mut empty[..]).into())
                .unwrap();
            assert_eq!(tag, &expected[..]);
        }
    }
}

/// A minimal DER writer for building a certificate around a P-256 SPKI.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A self-issued-looking X.509 v3 certificate carrying `spki` (the
/// signature is not checked by `peer_key`, only the key).
fn certificate_with(spki: &[u8]) -> Vec<u8> {
    // ecdsa-with-SHA256, 1.2.840.10045.4.3.2
    let sig_alg = der(
        0x30,
        &der(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]),
    );
    let name = der(
        0x30,
        &der(
            0x31,
            &der(
                0x30,
                &[der(0x06, &[0x55, 0x04, 0x03]), der(0x0C, b"test")].concat(),
            ),
        ),
    );
    let validity = der(
        0x30,
        &[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")].concat(),
    );
    let tbs = der(
        0x30,
        &[
            der(0xA0, &der(0x02, &[2])),
            der(0x02, &[1]),
            sig_alg.clone(),
            name.clone(),
            validity,
            name,
            spki.to_vec(),
        ]
        .concat(),
    );
    der(0x30, &[tbs, sig_alg, der(0x03, &[0, 0x30, 0x00])].concat())
}

#[test]
fn peer_key_reads_a_p256_certificate_and_refuses_others() {
    use p256::pkcs8::EncodePublicKey;
    let own = SigningKey::generate_from_rng(&mut StdRng::seed_from_u64(9));
    let spki = own.verifying_key().to_public_key_der().unwrap();
    let peer = policy()
        .peer_key(&certificate_with(spki.as_bytes()))
        .expect("a P-256 key");
    assert_eq!(peer.bits(), 256);
    let mut rng = StdRng::seed_from_u64(10);
    let signature = EcdsaOwnKey(own)
        .sign(AsymmetricSignature::EcdsaSha256, b"data", &mut rng)
        .unwrap();
    peer.verify(AsymmetricSignature::EcdsaSha256, b"data", &signature)
        .unwrap();
    assert!(
        peer.verify(AsymmetricSignature::EcdsaSha256, b"datA", &signature)
            .is_err()
    );

    // An RSA SubjectPublicKeyInfo (rsaEncryption, a small modulus).
    let rsa_alg = der(
        0x30,
        &[
            der(
                0x06,
                &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            ),
            der(0x05, &[]),
        ]
        .concat(),
    );
    let rsa_key = der(
        0x30,
        &[
            der(0x02, &[0x00, 0xC3, 0x5F, 0x11, 0x07]),
            der(0x02, &[1, 0, 1]),
        ]
        .concat(),
    );
    let rsa_spki = der(
        0x30,
        &[rsa_alg, der(0x03, &[&[0][..], &rsa_key].concat())].concat(),
    );
    let e = policy().peer_key(&certificate_with(&rsa_spki)).unwrap_err();
    assert_eq!(status(e), StatusCode::BAD_CERTIFICATE_POLICY_CHECK_FAILED);

    // Not a certificate at all.
    let e = policy()
        .peer_key(&[0x30, 0x03, 0x02, 0x01, 0x00])
        .unwrap_err();
    assert_eq!(status(e), StatusCode::BAD_DECODING_ERROR);
}

#[test]
fn ecdsa_keys_refuse_what_they_cannot_do() {
    let signing = SigningKey::generate_from_rng(&mut StdRng::seed_from_u64(12));
    let peer = EcdsaPeerKey(*signing.verifying_key());
    let own = EcdsaOwnKey(signing);
    let mut rng = StdRng::seed_from_u64(13);
    for scheme in [
        AsymmetricSignature::RsaPkcs1v15Sha256,
        AsymmetricSignature::RsaPssSha256,
        AsymmetricSignature::EcdsaSha384,
    ] {
        assert_eq!(
            own.sign(scheme, b"x", &mut rng).unwrap_err(),
            Error::SecurityChecksFailed
        );
    }
    let signature = own
        .sign(AsymmetricSignature::EcdsaSha256, b"x", &mut rng)
        .unwrap();
    assert_eq!(signature.len(), 64);
    assert!(
        peer.verify(AsymmetricSignature::EcdsaSha384, b"x", &signature)
            .is_err()
    );
    // DER-encoded signatures are not the wire format.
    let der_signature = Signature::from_slice(&signature).unwrap().to_der();
    assert!(
        peer.verify(
            AsymmetricSignature::EcdsaSha256,
            b"x",
            der_signature.as_bytes()
        )
        .is_err()
    );
    for scheme in [
        AsymmetricEncryption::RsaOaepSha1,
        AsymmetricEncryption::RsaOaepSha256,
    ] {
        assert_eq!(own.ciphertext_block_size(scheme), 0);
        assert_eq!(peer.plaintext_block_size(scheme), 0);
        assert_eq!(peer.ciphertext_block_size(scheme), 0);
        assert!(own.decrypt_block(scheme, &[0; 64]).is_err());
        assert!(peer.encrypt_block(scheme, &[0; 8], &mut rng).is_err());
    }
}

#[test]
fn opn_chunks_are_signed_with_ecdsa_and_not_encrypted() {
    let mut rng = StdRng::seed_from_u64(14);
    let client_signing = SigningKey::generate_from_rng(&mut rng);
    let server_signing = SigningKey::generate_from_rng(&mut rng);
    let client_public = EcdsaPeerKey(*client_signing.verifying_key());
    let server_public = EcdsaPeerKey(*server_signing.verifying_key());
    let client_own = EcdsaOwnKey(client_signing);
    let server_own = EcdsaOwnKey(server_signing);
    let certificate = vec![0x30u8; 300];
    let d = policy().descriptor();
    for body_len in [0usize, 1, 64, 500] {
        let body = body(body_len, 5);
        let chunk = OpnChunk {
            secure_channel_id: 0,
            security_header: AsymmetricSecurityHeader {
                security_policy_uri: Some(d.uri),
                sender_certificate: Some(&certificate),
                receiver_certificate_thumbprint: None,
            },
            sequence: SequenceHeader {
                sequence_number: 1,
                request_id: 2,
            },
        };
        let mut out = Vec::new();
        secure_asymmetric(
            &mut out,
            &chunk,
            &body,
            d,
            pair(&client_own, &server_public),
            8192,
            &mut rng,
        )
        .unwrap();

        let header_len = ChunkHeaders::parse(&out, DEFAULT_MAX_CERTIFICATE_SIZE)
            .unwrap()
            .header_len;
        assert_eq!(out.len(), header_len + 8 + body_len + 64, "no padding");
        assert_eq!(
            u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize,
            out.len()
        );
        // Cleartext: the SequenceHeader and body as they were given.
        assert_eq!(&out[header_len..header_len + 4], &1u32.to_le_bytes());
        assert_eq!(&out[header_len + 4..header_len + 8], &2u32.to_le_bytes());
        assert_eq!(&out[header_len + 8..header_len + 8 + body_len], &body[..]);
        // The footer is the sender's raw r ‖ s signature over the rest.
        let (signed, signature) = out.split_at(out.len() - 64);
        client_public
            .verify(AsymmetricSignature::EcdsaSha256, signed, signature)
            .unwrap();

        // The server opens it with its key and the client's.
        let opened = open_asymmetric(
            &out,
            d,
            pair(&server_own, &client_public),
            DEFAULT_MAX_CERTIFICATE_SIZE,
        )
        .unwrap();
        assert_eq!(opened.sequence.sequence_number, 1);
        assert_eq!(opened.sequence.request_id, 2);
        assert_eq!(&opened.plaintext[opened.body.clone()], &body[..]);

        // Verified with the wrong peer key: rejected.
        let e = open_asymmetric(
            &out,
            d,
            pair(&server_own, &server_public),
            DEFAULT_MAX_CERTIFICATE_SIZE,
        )
        .unwrap_err();
        assert_eq!(status(e), StatusCode::BAD_SECURITY_CHECKS_FAILED);

        // Every flipped byte is rejected; from the SequenceHeader on (where
        // the headers still parse) as BadSecurityChecksFailed.
        for i in 0..out.len() {
            let mut bad = out.clone();
            bad[i] ^= 0x01;
            let result = open_asymmetric(
                &bad,
                d,
                pair(&server_own, &client_public),
                DEFAULT_MAX_CERTIFICATE_SIZE,
            );
            match result {
                Ok(_) => panic!("byte {i} of {} flipped and accepted", out.len()),
                Err(e) if i >= header_len => {
                    assert_eq!(
                        status(e),
                        StatusCode::BAD_SECURITY_CHECKS_FAILED,
                        "byte {i}"
                    )
                }
                Err(_) => {}
            }
        }
    }
}

/// A key that signs or verifies `prefix ‖ data` instead of `data`: how an
/// OPN response of a SecureChannelEnhancements policy is secured, whose
/// signature covers the first OPN request's signature, then the response
/// (OPC 10000-6 §6.8).
#[derive(Debug)]
struct Chained<'k, K: ?Sized> {
    inner: &'k K,
    prefix: &'k [u8],
}

impl<K: ?Sized> Chained<'_, K> {
    fn chained(&self, data: &[u8]) -> Vec<u8> {
        [self.prefix, data].concat()
    }
}

impl<K: OwnKey + ?Sized> OwnKey for Chained<'_, K> {
    fn bits(&self) -> usize {
        self.inner.bits()
    }

    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.inner.signature_len(scheme)
    }

    fn sign(
        &self,
        scheme: AsymmetricSignature,
        data: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        self.inner.sign(scheme, &self.chained(data), rng)
    }

    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.inner.ciphertext_block_size(scheme)
    }

    fn decrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.inner.decrypt_block(scheme, block)
    }
}

impl<K: PeerKey + ?Sized> PeerKey for Chained<'_, K> {
    fn bits(&self) -> usize {
        self.inner.bits()
    }

    fn signature_len(&self, scheme: AsymmetricSignature) -> usize {
        self.inner.signature_len(scheme)
    }

    fn verify(&self, scheme: AsymmetricSignature, data: &[u8], signature: &[u8]) -> Result<()> {
        self.inner.verify(scheme, &self.chained(data), signature)
    }

    fn plaintext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.inner.plaintext_block_size(scheme)
    }

    fn ciphertext_block_size(&self, scheme: AsymmetricEncryption) -> usize {
        self.inner.ciphertext_block_size(scheme)
    }

    fn encrypt_block(
        &self,
        scheme: AsymmetricEncryption,
        block: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        self.inner.encrypt_block(scheme, block, rng)
    }
}

#[test]
fn opn_response_signature_chains_over_the_request_signature() {
    let mut rng = StdRng::seed_from_u64(15);
    let client_signing = SigningKey::generate_from_rng(&mut rng);
    let server_signing = SigningKey::generate_from_rng(&mut rng);
    let client_public = EcdsaPeerKey(*client_signing.verifying_key());
    let server_public = EcdsaPeerKey(*server_signing.verifying_key());
    let client_own = EcdsaOwnKey(client_signing);
    let server_own = EcdsaOwnKey(server_signing);
    let d = policy().descriptor();
    let certificate = vec![0x30u8; 100];
    let opn = |body: &[u8], keys: OpnKeys<'_>, rng: &mut StdRng| {
        let chunk = OpnChunk {
            secure_channel_id: 3,
            security_header: AsymmetricSecurityHeader {
                security_policy_uri: Some(d.uri),
                sender_certificate: Some(&certificate),
                receiver_certificate_thumbprint: None,
            },
            sequence: SequenceHeader {
                sequence_number: 1,
                request_id: 1,
            },
        };
        let mut out = Vec::new();
        secure_asymmetric(&mut out, &chunk, body, d, Some(keys), 8192, rng).unwrap();
        out
    };

    let request = opn(b"request", (&client_own, &server_public), &mut rng);
    let request_signature = &request[request.len() - 64..];
    open_asymmetric(
        &request,
        d,
        pair(&server_own, &client_public),
        DEFAULT_MAX_CERTIFICATE_SIZE,
    )
    .unwrap();

    let server_chained = Chained {
        inner: &server_own as &dyn OwnKey,
        prefix: request_signature,
    };
    let response = opn(b"response", (&server_chained, &client_public), &mut rng);
    let server_thumbprint = &response[response.len() - 64..];

    let server_public_chained = Chained {
        inner: &server_public as &dyn PeerKey,
        prefix: request_signature,
    };
    let opened = open_asymmetric(
        &response,
        d,
        Some((&client_own, &server_public_chained)),
        DEFAULT_MAX_CERTIFICATE_SIZE,
    )
    .unwrap();
    assert_eq!(&opened.plaintext[opened.body.clone()], b"response");
    // The ChannelThumbprint both ends keep: the response's signature.
    assert_eq!(
        &opened.plaintext[opened.plaintext.len() - 64..],
        server_thumbprint
    );

    // Not chained, or chained over another request's signature: rejected.
    let other_request = opn(b"request", (&client_own, &server_public), &mut rng);
    let other_chained = Chained {
        inner: &server_public as &dyn PeerKey,
        prefix: &other_request[other_request.len() - 64..],
    };
    assert_ne!(other_chained.prefix, request_signature, "hedged signatures");
    for peer in [&server_public as &dyn PeerKey, &other_chained] {
        let e = open_asymmetric(
            &response,
            d,
            Some((&client_own, peer)),
            DEFAULT_MAX_CERTIFICATE_SIZE,
        )
        .unwrap_err();
        assert_eq!(status(e), StatusCode::BAD_SECURITY_CHECKS_FAILED);
    }
}

/// Counts the allocations of the threads that ask for it.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: core::cell::Cell<Option<usize>> = const { core::cell::Cell::new(None) };
}

fn count_allocation() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count_allocation();
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn securing_and_opening_chunks_allocates_nothing() {
    let (client, server) = handshake(16);
    let body = body(10_000, 9);
    let mut out = Vec::with_capacity(16 << 10);
    for mode in MODES {
        let mut next_seq = u32::MAX - 3;
        let mut run = |out: &mut Vec<u8>| {
            out.clear();
            let first_seq = next_seq;
            let count = secure_message(
                out,
                &header(1),
                &mut next_seq,
                &body,
                &*client.sending,
                mode,
                &limits(Role::Client),
            )
            .unwrap();
            let mut offset = 0;
            for index in 0..count {
                let size = u32::from_le_bytes(out[offset + 4..offset + 8].try_into().unwrap());
                let chunk = &mut out[offset..offset + size as usize];
                let seq = first_seq.wrapping_add(index as u32);
                open_symmetric(chunk, &*server.receiving, mode, seq).unwrap();
                offset += size as usize;
            }
            assert_eq!(offset, out.len());
            count
        };
        run(&mut out);
        ALLOCATIONS.with(|c| c.set(Some(0)));
        let count = run(&mut out);
        let allocations = ALLOCATIONS.with(|c| c.replace(None));
        assert!(count > 10, "{count} chunks");
        assert_eq!(allocations, Some(0), "{mode:?}");
    }
}

/// The policy defined here and the built-in ECC_nistP256_AesGcm, one at
/// each end, agree on every key and chunk: both follow OPC 10000-6 §6.8.1.
#[test]
fn interoperates_with_the_builtin_policy() {
    let builtin: &dyn SecurityPolicy = &uasc::policy::ECC_NIST_P256_AES_GCM;
    for (client_policy, server_policy) in [(policy(), builtin), (builtin, policy())] {
        for mode in [
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ] {
            let mut rng = StdRng::seed_from_u64(21);
            let client = client_policy
                .start_key_exchange(mode, &mut rng, None)
                .unwrap();
            let server = server_policy
                .start_key_exchange(mode, &mut rng, None)
                .unwrap();
            let (cn, sn) = (client.local_nonce().to_vec(), server.local_nonce().to_vec());
            let client = client.complete(Role::Client, &sn).unwrap();
            let server = server.complete(Role::Server, &cn).unwrap();
            assert_eq!(
                client.chaining.as_ref().unwrap().as_bytes(),
                server.chaining.as_ref().unwrap().as_bytes()
            );
            for seq in [1, 2, u32::MAX, 0] {
                for (from, to) in [
                    (&*client.sending, &*server.receiving),
                    (&*server.sending, &*client.receiving),
                ] {
                    let mut chunk = one_chunk(from, mode, seq);
                    let (sequence, body_range) = open_symmetric(&mut chunk, to, mode, seq).unwrap();
                    assert_eq!(sequence.sequence_number, seq);
                    assert_eq!(chunk[body_range], body(150, 3)[..]);
                }
            }
        }
    }
}

/// A renewal chains to the previous token's shared secret (OPC 10000-6
/// §6.8.1, 1.05.07): both ends that carry it agree on the new keys; an end
/// that renews without it, or with another channel's, does not.
#[test]
fn renewals_chain_to_the_previous_secret() {
    let (client_a, server_a) = handshake(21);
    let chain_c = client_a.chaining.clone().expect("chaining secret");
    let chain_s = server_a.chaining.clone().expect("chaining secret");
    assert_eq!(chain_c.as_bytes(), chain_s.as_bytes());
    assert!(!format!("{chain_c:?}").contains(&format!("{:?}", chain_c.as_bytes())));

    let renew = |seed: u64, client_prev: Option<&ChainingSecret>, server_prev| {
        let mut client_rng = StdRng::seed_from_u64(seed);
        let mut server_rng = StdRng::seed_from_u64(seed ^ 1);
        let client = policy()
            .start_key_exchange(
                MessageSecurityMode::SignAndEncrypt,
                &mut client_rng,
                client_prev,
            )
            .unwrap();
        let server = policy()
            .start_key_exchange(
                MessageSecurityMode::SignAndEncrypt,
                &mut server_rng,
                server_prev,
            )
            .unwrap();
        let (cn, sn) = (client.local_nonce().to_vec(), server.local_nonce().to_vec());
        (
            client.complete(Role::Client, &sn).unwrap(),
            server.complete(Role::Server, &cn).unwrap(),
        )
    };
    let mode = MessageSecurityMode::SignAndEncrypt;
    let opens = |client: &TokenKeys, server: &TokenKeys| {
        let mut chunk = one_chunk(&*client.sending, mode, 1);
        open_symmetric(&mut chunk, &*server.receiving, mode, 1).is_ok()
    };

    let (client_b, server_b) = renew(22, Some(&chain_c), Some(&chain_s));
    assert!(opens(&client_b, &server_b));
    // The chain moves on: B's secret differs from A's.
    assert_ne!(
        client_b.chaining.as_ref().unwrap().as_bytes(),
        chain_c.as_bytes()
    );
    // Same ephemeral keys, but one end forgot the previous secret.
    let (client_c, server_c) = renew(22, Some(&chain_c), None);
    assert!(!opens(&client_c, &server_c));
    // Or carries another channel's.
    let (_, other) = handshake(99);
    let (client_d, server_d) = renew(22, Some(&chain_c), other.chaining.as_ref());
    assert!(!opens(&client_d, &server_d));
}

/// The policy plugs into the client and server channels unchanged: a
/// non-legacy policy (sequence numbers from 0, AEAD nonces from them),
/// ECDSA-signed OPN chunks without encryption, and renewals that chain.
#[test]
fn channels_open_exchange_and_renew_with_the_aead_policy() {
    use p256::pkcs8::EncodePublicKey;
    use std::sync::Arc;
    use std::time::{Duration, Instant, SystemTime};
    use uasc::cert::InsecureAcceptAnyCertificate;
    use uasc::channel::{
        ByteBudget, ClientChannel, ClientConfig, Event, Identity, SecurityRequirement,
        ServerChannel, ServerConfig,
    };

    let identity = |seed: u64| {
        let key = SigningKey::generate_from_rng(&mut StdRng::seed_from_u64(seed));
        let spki = key.verifying_key().to_public_key_der().unwrap();
        Identity {
            certificate: certificate_with(spki.as_bytes()).into(),
            key: Arc::new(EcdsaOwnKey(key)),
        }
    };
    let (client_id, server_id) = (identity(1), identity(2));
    let shared: Arc<dyn SecurityPolicy> = Arc::new(EccNistP256AesGcm);
    let mode = MessageSecurityMode::SignAndEncrypt;
    let mut client_config = ClientConfig::new(
        "opc.tcp://127.0.0.1:4840",
        Arc::clone(&shared),
        mode,
        Arc::new(InsecureAcceptAnyCertificate),
    );
    client_config.identity = Some(client_id);
    client_config.server_certificate = Some(server_id.certificate.clone());
    client_config.requested_lifetime = 10_000;
    let mut server_config = ServerConfig::new(
        vec![shared],
        Some(server_id),
        Arc::new(InsecureAcceptAnyCertificate),
    );
    server_config.security = SecurityRequirement::Mandatory;

    let start = Instant::now();
    let utc = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut client = ClientChannel::with_rng(
        client_config,
        Box::new(StdRng::seed_from_u64(3)),
        start,
        utc,
    )
    .unwrap();
    let mut server = ServerChannel::with_rng(
        Arc::new(server_config),
        ByteBudget::new(1 << 20),
        Box::new(StdRng::seed_from_u64(4)),
        start,
        utc,
    )
    .unwrap();
    let mut events = (Vec::new(), Vec::new());
    let mut now = start;
    let mut pump = |client: &mut ClientChannel, server: &mut ServerChannel, now: Instant| loop {
        let (mut up, mut down) = (Vec::new(), Vec::new());
        client.poll_transmit(&mut up);
        server.poll_transmit(&mut down);
        while let Some(e) = client.poll_event() {
            events.0.push(e);
        }
        while let Some(e) = server.poll_event() {
            events.1.push(e);
        }
        if up.is_empty() && down.is_empty() {
            return (events.0.clone(), events.1.clone());
        }
        server.handle_input(now, &up);
        client.handle_input(now, &down);
    };
    let renewed = |v: &[Event]| {
        v.iter()
            .filter(|e| matches!(e, Event::TokenRenewed { .. }))
            .count()
    };
    let (c, s) = pump(&mut client, &mut server, now);
    assert!(matches!(c.first(), Some(Event::Opened { .. })), "{c:?}");
    assert!(matches!(s.first(), Some(Event::Opened { .. })), "{s:?}");

    for round in 0..5u8 {
        let request = body(3000, round);
        let id = client.send_request(&request).unwrap();
        let (_, s) = pump(&mut client, &mut server, now);
        assert_eq!(
            s.last(),
            Some(&Event::Message {
                request_id: id,
                body: request.clone()
            })
        );
        server.send_response(id, &request[..100]).unwrap();
        let _ = pump(&mut client, &mut server, now);
        // On to the next renewal (an old token's grace may end first).
        for _ in 0..3 {
            now = client.poll_timeout().unwrap();
            client.handle_timeout(now);
            server.handle_timeout(now);
            let (c, s) = pump(&mut client, &mut server, now);
            assert!(
                !c.iter().any(|e| matches!(e, Event::Closed { .. })),
                "{c:?}"
            );
            assert!(
                !s.iter().any(|e| matches!(e, Event::Closed { .. })),
                "{s:?}"
            );
            if renewed(&c) == usize::from(round) + 1 {
                break;
            }
        }
    }
    let (c, s) = pump(&mut client, &mut server, now);
    assert_eq!(renewed(&c), 5);
    assert_eq!(renewed(&s), 5);
    let responses = c
        .iter()
        .filter(|e| matches!(e, Event::Message { .. }))
        .count();
    assert_eq!(responses, 5);
}

/// OPC 10000-6 Table 69: a side that intends to use an ECC policy may
/// announce buffers down to 1024 bytes. Whether that applies follows from
/// the policies configured, on both ends.
#[test]
fn ecc_policies_allow_1024_byte_buffers() {
    use std::sync::Arc;
    use std::time::{Instant, SystemTime};
    use uasc::cert::InsecureAcceptAnyCertificate;
    use uasc::channel::{ByteBudget, ClientConfig, ServerChannel, ServerConfig, ServerState};
    use uasc::uacp::{Hello, UacpMessage};

    let ecc: Arc<dyn SecurityPolicy> = Arc::new(EccNistP256AesGcm);
    let rsa: Arc<dyn SecurityPolicy> = Arc::new(uasc::policy::BASIC256_SHA256);
    let validator = Arc::new(InsecureAcceptAnyCertificate);
    let small = |mut c: uasc::uacp::ConnectionLimits| {
        c.receive_buffer_size = 1024;
        c.send_buffer_size = 1024;
        c
    };
    // Client: its one policy decides.
    let mode = MessageSecurityMode::SignAndEncrypt;
    for (policy, ok) in [(&ecc, true), (&rsa, false)] {
        let mut c = ClientConfig::new("opc.tcp://h:1", Arc::clone(policy), mode, validator.clone());
        c.connection = small(c.connection);
        assert_eq!(c.validate().is_ok(), ok, "{}", policy.descriptor().name);
    }
    // Server: any ECC policy offered allows it.
    for (policies, ok) in [
        (vec![Arc::clone(&rsa), Arc::clone(&ecc)], true),
        (vec![Arc::clone(&rsa)], false),
    ] {
        let mut config = ServerConfig::new(policies, None, validator.clone());
        assert!(config.validate().is_ok());
        // A Hello offering 1024-byte buffers is acknowledged only with ECC.
        let mut server = ServerChannel::with_rng(
            Arc::new(config.clone()),
            ByteBudget::new(1 << 20),
            Box::new(StdRng::seed_from_u64(5)),
            Instant::now(),
            SystemTime::now(),
        )
        .unwrap();
        let hello = Hello {
            protocol_version: 0,
            receive_buffer_size: 1024,
            send_buffer_size: 1024,
            max_message_size: 0,
            max_chunk_count: 0,
            endpoint_url: "opc.tcp://h:1".into(),
        };
        let mut bytes = Vec::new();
        UacpMessage::Hello(hello).encode_frame(&mut bytes).unwrap();
        server.handle_input(Instant::now(), &bytes);
        let mut out = Vec::new();
        server.poll_transmit(&mut out);
        let want = if ok { b"ACK" } else { b"ERR" };
        assert_eq!(&out[..3], want, "ECC offered: {ok}");
        let state = if ok {
            ServerState::AwaitOpen
        } else {
            ServerState::Closed
        };
        assert_eq!(server.state(), state);
        if ok {
            let negotiated = server.negotiated().unwrap();
            assert_eq!(
                (negotiated.send_buffer_size, negotiated.receive_buffer_size),
                (1024, 1024)
            );
        }
        // And its own buffers may be that small only with ECC.
        config.connection = small(config.connection);
        assert_eq!(config.validate().is_ok(), ok);
    }
}
