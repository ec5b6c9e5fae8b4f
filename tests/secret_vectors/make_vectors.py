#!/usr/bin/env python3
"""Known-answer vectors for OPC UA secrets, made with the `cryptography`
package from the specification text alone (no code of the crate):

* RsaEncryptedSecret (OPC 10000-4 §7.41.2.4) under Basic256Sha256,
  Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss, for 2048- and 4096-bit
  receiver keys, plus one in the layout UA-.NETStandard writes (raw KeyData,
  one-byte PayloadPaddingSize);
* EccEncryptedSecret (OPC 10000-4 §7.41.2.5, keys per OPC 10000-6 §6.8.3)
  for all twenty ECC and RSA_DH policies (OPC 10000-7; the parameters are
  the policy table of UA-.NETStandard as summarised in the project's notes,
  written out below, not taken from the crate): ECDH on P-256, P-384,
  brainpoolP256r1, brainpoolP384r1, X25519, X448, or finite-field DH over
  ffdhe3072 (RFC 7919, the prime computed here from its defining formula)
  for RSA_DH; AES-CBC for the four non-AEAD policies, otherwise the
  policy's AEAD cipher (AES-GCM or ChaCha20-Poly1305) with the IV as
  nonce, the bytes before the payload as associated data and the tag
  between the payload and the signature (as UA-.NETStandard's
  EncryptedSecret.cs does); signed with deterministic ECDSA (RFC 6979),
  EdDSA or RSA-PKCS#1 v1.5-SHA256, so that the bytes can be re-made;
* the legacy secret format (OPC 10000-4 §7.40.2.2) with RSA-OAEP-SHA1 and
  RSA-OAEP-SHA256.

Every intermediate value is recorded, with the receiver's private key and a
list of single-byte modifications a receiver must reject.

    python3 make_vectors.py [output folder] [--only NAME ...]

The output folder defaults to this script's folder. `--only` writes just the
EccEncryptedSecret vectors of the named policies (e.g. `--only
RSA_DH_AesGcm ECC_curve448`); without it every vector is made anew. The
committed files were made by a run without `--only` (RSA, legacy,
ECC_nistP256, ECC_nistP384) and one with `--only` and the other eighteen
ECC and RSA_DH policies.
"""

import json
import os
import struct
import sys
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

ARGS = sys.argv[1:]
ONLY = ARGS[ARGS.index("--only") + 1:] if "--only" in ARGS else None
if "--only" in ARGS:
    ARGS = ARGS[:ARGS.index("--only")]
OUT = ARGS[0] if ARGS else os.path.dirname(os.path.abspath(__file__))
URI = "http://opcfoundation.org/UA/SecurityPolicy#"
# 2026-01-01T00:00:00Z as an OPC UA DateTime (100 ns ticks since 1601).
SIGNING_TIME = (datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
                - datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(microseconds=1) * 10

RSA_POLICIES = {
    # name: (AES key length, OAEP hash)
    "Basic256Sha256": (32, hashes.SHA1),
    "Aes128_Sha256_RsaOaep": (16, hashes.SHA1),
    "Aes256_Sha256_RsaPss": (32, hashes.SHA256),
}
SIGNING_KEY_LEN = 32  # HMAC-SHA256 for all three
IV_LEN = 16
# The key-agreement groups: (kind, curve or None, coordinate length).
P256 = ("ec", ec.SECP256R1(), 32)
P384 = ("ec", ec.SECP384R1(), 48)
BP256 = ("ec", ec.BrainpoolP256R1(), 32)
BP384 = ("ec", ec.BrainpoolP384R1(), 48)
X25519 = ("x25519", None, 32)
X448 = ("x448", None, 56)
FFDHE3072 = ("ffdhe3072", None, 384)
# The payload ciphers: (kind, EncryptingKey length, IV length).
CBC128, CBC256 = ("cbc", 16, 16), ("cbc", 32, 16)
GCM128, GCM256 = ("gcm", 16, 12), ("gcm", 32, 12)
CHACHA = ("chacha", 32, 12)
ECC = {
    # name: (group, HKDF hash, cipher). The certificate key is the group's
    # curve (ECDSA with the HKDF hash), Ed25519/Ed448 for X25519/X448, RSA
    # (PKCS#1 v1.5 SHA-256) for ffdhe3072.
    "ECC_nistP256": (P256, hashes.SHA256, CBC128),
    "ECC_nistP384": (P384, hashes.SHA384, CBC256),
    "ECC_brainpoolP256r1": (BP256, hashes.SHA256, CBC128),
    "ECC_brainpoolP384r1": (BP384, hashes.SHA384, CBC256),
    # ChaCha20-Poly1305 is these two policies' channel cipher; no signing
    # key is part of the secret's key material (L = 44).
    "ECC_curve25519": (X25519, hashes.SHA256, CHACHA),
    "ECC_curve448": (X448, hashes.SHA256, CHACHA),
    "ECC_nistP256_AesGcm": (P256, hashes.SHA256, GCM128),
    "ECC_nistP256_ChaChaPoly": (P256, hashes.SHA256, CHACHA),
    # A 32-byte key beside the name Aes128Gcm in UA-.NETStandard's table.
    "ECC_nistP384_AesGcm": (P384, hashes.SHA384, GCM256),
    "ECC_nistP384_ChaChaPoly": (P384, hashes.SHA384, CHACHA),
    "ECC_brainpoolP256r1_AesGcm": (BP256, hashes.SHA256, GCM128),
    "ECC_brainpoolP256r1_ChaChaPoly": (BP256, hashes.SHA256, CHACHA),
    "ECC_brainpoolP384r1_AesGcm": (BP384, hashes.SHA384, GCM256),
    "ECC_brainpoolP384r1_ChaChaPoly": (BP384, hashes.SHA384, CHACHA),
    "ECC_curve25519_AesGcm": (X25519, hashes.SHA256, GCM128),
    "ECC_curve25519_ChaChaPoly": (X25519, hashes.SHA256, CHACHA),
    # HKDF-SHA256 and a 32-byte AES-GCM key, as UA-.NETStandard has them.
    "ECC_curve448_AesGcm": (X448, hashes.SHA256, GCM256),
    "ECC_curve448_ChaChaPoly": (X448, hashes.SHA256, CHACHA),
    "RSA_DH_AesGcm": (FFDHE3072, hashes.SHA256, GCM128),
    "RSA_DH_ChaChaPoly": (FFDHE3072, hashes.SHA256, CHACHA),
}


def ffdhe3072_prime():
    """p of ffdhe3072 from RFC 7919 Appendix A.2:
    p = 2^3072 - 2^3008 + {[2^2942 * e] + 2625351} * 2^64 - 1,
    with floor(2^2942 * e) summed from the series of e with guard bits."""
    guard = 128
    scale = 1 << (2942 + guard)
    total, factorial, k = 0, 1, 0
    while scale // factorial:
        total += scale // factorial
        k += 1
        factorial *= k
    e_scaled = total >> guard
    p = 2 ** 3072 - 2 ** 3008 + (e_scaled + 2625351) * 2 ** 64 - 1
    assert hex(p).startswith("0xffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1")
    assert hex(p).endswith("25e41d2b66c62e37ffffffffffffffff")
    assert p % 8 == 7 and pow(2, (p - 1) // 2, p) == 1  # 2 generates the order-q subgroup
    return p


FFDHE_P = ffdhe3072_prime()


def h(b):
    return b.hex()


def byte_string(b):
    """ByteString: Int32 length, then the bytes (OPC 10000-6 §5.2.2.7)."""
    return struct.pack("<i", len(b)) + b


def node_id(i):
    """A numeric NodeId in namespace 0 as UA Binary (OPC 10000-6 §5.2.2.9)."""
    if i <= 0xFF:
        return bytes([0x00, i])
    if i <= 0xFFFF:
        return bytes([0x01, 0x00]) + struct.pack("<H", i)
    return bytes([0x02]) + struct.pack("<HI", 0, i)


def padding_size(nonce, secret, size_len):
    """PayloadPaddingSize (OPC 10000-4 §7.41.2.3)."""
    data_len = 4 + len(nonce) + 4 + len(secret) + size_len
    pad = 0 if data_len % 16 == 0 else 16 - data_len % 16
    if pad + len(secret) < 16:
        pad += 16
    return pad


def payload(nonce, secret, size_len=2):
    pad = padding_size(nonce, secret, size_len)
    size = struct.pack("<H", pad) if size_len == 2 else bytes([pad & 0xFF])
    return byte_string(nonce) + byte_string(secret) + bytes([pad & 0xFF]) * pad + size, pad


def header(type_id, policy_uri, certificate, key_data):
    """Everything before the encrypted payload, with the Length field left
    as 0 (patched once the total length is known)."""
    out = node_id(type_id) + b"\x01" + b"\0\0\0\0"
    out += byte_string(policy_uri.encode())
    out += byte_string(certificate) if certificate is not None else struct.pack("<i", -1)
    out += struct.pack("<q", SIGNING_TIME)
    out += struct.pack("<H", len(key_data)) + key_data
    return out


def patch_length(blob):
    """Length: the bytes after the Length field (offset 4 for these ids)."""
    n = len(blob) - 9
    return blob[:5] + struct.pack("<I", n) + blob[9:]


def aes_cbc(key, iv, data, encrypt=True):
    c = Cipher(algorithms.AES(key), modes.CBC(iv))
    op = c.encryptor() if encrypt else c.decryptor()
    return op.update(data) + op.finalize()


def self_signed(key, hash_alg, cn):
    """A self-signed certificate; `hash_alg` None for EdDSA keys."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hash_alg() if hash_alg else None))
    return cert.public_bytes(serialization.Encoding.DER)


def pkcs8_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def pkcs8_der(key):
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def oaep(hash_cls):
    return padding.OAEP(mgf=padding.MGF1(algorithm=hash_cls()), algorithm=hash_cls(), label=None)


def rsa_encrypt_blocks(public, hash_cls, plain):
    k = public.key_size // 8
    block = k - 2 * hash_cls.digest_size - 2
    return b"".join(public.encrypt(plain[i:i + block], oaep(hash_cls))
                    for i in range(0, len(plain), block))


def flips(*offsets):
    return [{"offset": o, "xor": 1} for o in sorted(set(offsets))]


def rsa_vector(name, bits, receiver, certificate, secret, dotnet=False):
    enc_len, oaep_hash = RSA_POLICIES[name]
    policy_uri = URI + name
    signing_key = os.urandom(SIGNING_KEY_LEN)
    encrypting_key = os.urandom(enc_len)
    iv = os.urandom(IV_LEN)
    if dotnet:
        key_data_plain = signing_key + encrypting_key + iv
    else:
        key_data_plain = byte_string(signing_key) + byte_string(encrypting_key) + byte_string(iv)
    key_data = rsa_encrypt_blocks(receiver.public_key(), oaep_hash, key_data_plain)
    thumb = hashes.Hash(hashes.SHA1())
    thumb.update(certificate)
    thumbprint = thumb.finalize()
    nonce = os.urandom(32)
    plain, pad = payload(nonce, secret, 1 if dotnet else 2)
    encrypted = aes_cbc(encrypting_key, iv, plain)
    head = header(17545, policy_uri, thumbprint, key_data)
    blob = patch_length(head + encrypted + b"\0" * 32)[:-32]
    mac = hmac.HMAC(signing_key, hashes.SHA256())
    mac.update(blob)
    signature = mac.finalize()
    blob += signature
    uri_at = 9
    key_data_at = len(head) - len(key_data)
    return {
        "kind": "RsaEncryptedSecret",
        "form": "DotNet" if dotnet else "Specified",
        "security_policy_uri": policy_uri,
        "receiver_key_bits": bits,
        "receiver_private_key_pem": pkcs8_pem(receiver),
        "receiver_certificate_der_hex": h(certificate),
        "receiver_thumbprint_hex": h(thumbprint),
        "signing_time_ticks": SIGNING_TIME,
        "signing_key_hex": h(signing_key),
        "encrypting_key_hex": h(encrypting_key),
        "iv_hex": h(iv),
        "key_data_plain_hex": h(key_data_plain),
        "key_data_encrypted_hex": h(key_data),
        "nonce_hex": h(nonce),
        "secret_hex": h(secret),
        "payload_padding_size": pad,
        "payload_plain_hex": h(plain),
        "payload_encrypted_hex": h(encrypted),
        "signature_hex": h(signature),
        "encoded_hex": h(blob),
        "deterministic_given_recorded_randomness": "all but the RSA-OAEP KeyData",
        "reject_modifications": flips(0, 2, 4, 5, 8, uri_at + 4, uri_at + 4 + len(policy_uri) + 4,
                                      key_data_at - 3, key_data_at - 2, key_data_at,
                                      key_data_at + len(key_data) - 1, len(head),
                                      len(head) + len(encrypted) - 1, len(blob) - 32,
                                      len(blob) - 1),
    }


def raw_public(key, size):
    n = key.public_key().public_numbers()
    return n.x.to_bytes(size, "big") + n.y.to_bytes(size, "big")


class Ephemeral:
    """An ephemeral key pair of a group: private bytes as the receiver
    stores them, public key as it goes on the wire (OPC 10000-6 §6.8)."""

    def __init__(self, group):
        kind, curve, size = group
        self.kind, self.size = kind, size
        if kind == "ec":
            self.key = ec.generate_private_key(curve)
            self.private = self.key.private_numbers().private_value.to_bytes(size, "big")
            self.public = raw_public(self.key, size)
        elif kind in ("x25519", "x448"):
            cls = x25519.X25519PrivateKey if kind == "x25519" else x448.X448PrivateKey
            self.key = cls.generate()
            self.private = self.key.private_bytes_raw()
            self.public = self.key.public_key().public_bytes_raw()
        else:
            # A 384-bit exponent, stored left-padded to the length of p.
            x = 0
            while x == 0:
                x = int.from_bytes(os.urandom(48), "big")
            self.x = x
            self.private = x.to_bytes(384, "big")
            self.public = pow(2, x, FFDHE_P).to_bytes(384, "big")

    def exchange(self, peer_public):
        if self.kind == "ec":
            n = len(peer_public) // 2
            point = ec.EllipticCurvePublicNumbers(int.from_bytes(peer_public[:n], "big"),
                                                  int.from_bytes(peer_public[n:], "big"),
                                                  self.key.curve).public_key()
            return self.key.exchange(ec.ECDH(), point)
        if self.kind == "x25519":
            return self.key.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))
        if self.kind == "x448":
            return self.key.exchange(x448.X448PublicKey.from_public_bytes(peer_public))
        y = int.from_bytes(peer_public, "big")
        assert 1 < y < FFDHE_P - 1
        return pow(y, self.x, FFDHE_P).to_bytes(384, "big")


class Signer:
    """The sender's certificate key for a group's policies."""

    def __init__(self, group, hash_cls):
        kind, curve, size = group
        self.kind, self.size, self.hash_cls = kind, size, hash_cls
        if kind == "ec":
            self.key = ec.generate_private_key(curve)
            self.len = 2 * size
        elif kind == "x25519":
            self.key = ed25519.Ed25519PrivateKey.generate()
            self.len = 64
        elif kind == "x448":
            self.key = ed448.Ed448PrivateKey.generate()
            self.len = 114
        else:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self.len = 256
        cert_hash = None if kind in ("x25519", "x448") else (hash_cls if kind == "ec" else hashes.SHA256)
        self.certificate = self_signed(self.key, cert_hash, "secret sender")

    def sign(self, data):
        if self.kind == "ec":
            der = self.key.sign(data, ec.ECDSA(self.hash_cls(), deterministic_signing=True))
            r, s = decode_dss_signature(der)
            return r.to_bytes(self.size, "big") + s.to_bytes(self.size, "big")
        if self.kind in ("x25519", "x448"):
            return self.key.sign(data)
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def ecc_vector(name, secret):
    group, hash_cls, (cipher, enc_len, iv_len) = ECC[name]
    policy_uri = URI + name
    sender = Signer(group, hash_cls)
    sender_ephemeral = Ephemeral(group)
    receiver_ephemeral = Ephemeral(group)
    sender_public = sender_ephemeral.public
    receiver_public = receiver_ephemeral.public
    shared = sender_ephemeral.exchange(receiver_public)
    assert shared == receiver_ephemeral.exchange(sender_public)
    length = enc_len + iv_len
    salt = struct.pack("<H", length) + b"opcua-secret" + sender_public + receiver_public
    material = HKDF(algorithm=hash_cls(), length=length, salt=salt, info=salt).derive(shared)
    encrypting_key, iv = material[:enc_len], material[enc_len:]
    key_data = byte_string(sender_public) + byte_string(receiver_public)
    nonce = os.urandom(32)
    plain, pad = payload(nonce, secret)
    tag_len = 0 if cipher == "cbc" else 16
    head = header(17546, policy_uri, sender.certificate, key_data)
    # The Length field counts everything after it, tag and signature included;
    # it is part of the AEAD's associated data.
    head = patch_length(head + b"\0" * (len(plain) + tag_len + sender.len))[:len(head)]
    if cipher == "cbc":
        sealed = aes_cbc(encrypting_key, iv, plain)
    elif cipher == "gcm":
        sealed = AESGCM(encrypting_key).encrypt(iv, plain, head)
    else:
        sealed = ChaCha20Poly1305(encrypting_key).encrypt(iv, plain, head)
    encrypted, tag = sealed[:len(plain)], sealed[len(plain):]
    blob = head + sealed
    signature = sender.sign(blob)
    assert len(signature) == sender.len
    blob += signature
    key_data_at = len(head) - len(key_data)
    n = len(sender_public)
    offsets = [0, 2, 5, 13, 14, key_data_at - 2, key_data_at + 4, key_data_at + 3 + n,
               key_data_at + 8 + n, key_data_at + 7 + 2 * n, len(head),
               len(head) + len(encrypted) - 1, len(blob) - sender.len, len(blob) - 1]
    if tag_len:
        offsets += [len(head) + len(encrypted), len(head) + len(encrypted) + tag_len - 1]
    return {
        "kind": "EccEncryptedSecret",
        "security_policy_uri": policy_uri,
        "payload_cipher": {"cbc": "AES-CBC", "gcm": "AES-GCM", "chacha": "ChaCha20-Poly1305"}[cipher],
        "sender_certificate_der_hex": h(sender.certificate),
        "sender_private_key_pkcs8_hex": h(pkcs8_der(sender.key)),
        "sender_ephemeral_private_hex": h(sender_ephemeral.private),
        "receiver_ephemeral_private_hex": h(receiver_ephemeral.private),
        "sender_public_key_hex": h(sender_public),
        "receiver_public_key_hex": h(receiver_public),
        "shared_secret_hex": h(shared),
        "secret_salt_hex": h(salt),
        "encrypting_key_hex": h(encrypting_key),
        "iv_hex": h(iv),
        "signing_time_ticks": SIGNING_TIME,
        "nonce_hex": h(nonce),
        "secret_hex": h(secret),
        "payload_padding_size": pad,
        "payload_plain_hex": h(plain),
        "payload_encrypted_hex": h(encrypted),
        "tag_hex": h(tag),
        "signature_hex": h(signature),
        "encoded_hex": h(blob),
        "deterministic_given_recorded_randomness":
            "all (RFC 6979 ECDSA, EdDSA, RSA-PKCS#1 v1.5)",
        "reject_modifications": flips(*offsets),
    }


def legacy_vector(algorithm_uri, hash_cls, receiver, bits, secret):
    nonce = os.urandom(32)
    plain = struct.pack("<I", len(secret) + len(nonce)) + secret + nonce
    cipher = rsa_encrypt_blocks(receiver.public_key(), hash_cls, plain)
    k = bits // 8
    return {
        "kind": "LegacySecret",
        "encryption_algorithm": algorithm_uri,
        "receiver_key_bits": bits,
        "receiver_private_key_pem": pkcs8_pem(receiver),
        "server_nonce_hex": h(nonce),
        "secret_hex": h(secret),
        "plaintext_hex": h(plain),
        "encoded_hex": h(cipher),
        "deterministic_given_recorded_randomness": "no (RSA-OAEP)",
        "reject_modifications": flips(0, k // 2, k - 1, len(cipher) - 1),
    }


def write(name, vector):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(vector, f, indent=1)
        f.write("\n")


SECRETS = [b"password", b"", b"correct horse battery staple", b"p",
           b"a longer password of 31 bytes!!", b"sixteen bytes!!!"]


def main():
    if ONLY is not None:
        for i, name in enumerate(ONLY):
            if name not in ECC:
                sys.exit("unknown policy %s" % name)
            secret = SECRETS[i % len(SECRETS)] if i % 7 != 6 else os.urandom(200)
            write("ecc_" + name, ecc_vector(name, secret))
        return
    keys = {bits: rsa.generate_private_key(public_exponent=65537, key_size=bits) for bits in (2048, 4096)}
    certs = {bits: self_signed(k, hashes.SHA256, "secret receiver %d" % bits) for bits, k in keys.items()}
    secrets = [b"", b"p", b"correct horse battery staple", os.urandom(200)]
    i = 0
    for name in RSA_POLICIES:
        for bits in (2048, 4096):
            write("rsa_%s_%d" % (name, bits), rsa_vector(name, bits, keys[bits], certs[bits], secrets[i % 4]))
            i += 1
    write("rsa_Basic256Sha256_2048_dotnet",
          rsa_vector("Basic256Sha256", 2048, keys[2048], certs[2048], b"password", dotnet=True))
    write("ecc_ECC_nistP256", ecc_vector("ECC_nistP256", b"password"))
    write("ecc_ECC_nistP384", ecc_vector("ECC_nistP384", b"a longer password of 31 bytes!!"))
    for i, name in enumerate(n for n in ECC if n not in ("ECC_nistP256", "ECC_nistP384")):
        write("ecc_" + name, ecc_vector(name, SECRETS[i % len(SECRETS)] if i % 7 != 6 else os.urandom(200)))
    write("legacy_rsa-oaep_2048",
          legacy_vector("http://www.w3.org/2001/04/xmlenc#rsa-oaep", hashes.SHA1, keys[2048], 2048, b"password"))
    write("legacy_rsa-oaep-sha2-256_2048",
          legacy_vector("http://opcfoundation.org/UA/security/rsa-oaep-sha2-256", hashes.SHA256, keys[2048],
                        2048, os.urandom(300)))


if __name__ == "__main__":
    main()
