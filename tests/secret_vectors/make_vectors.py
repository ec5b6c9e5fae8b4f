#!/usr/bin/env python3
"""Known-answer vectors for OPC UA secrets, made with the `cryptography`
package from the specification text alone (no code of the crate):

* RsaEncryptedSecret (OPC 10000-4 §7.41.2.4) under Basic256Sha256,
  Aes128_Sha256_RsaOaep and Aes256_Sha256_RsaPss, for 2048- and 4096-bit
  receiver keys, plus one in the layout UA-.NETStandard writes (raw KeyData,
  one-byte PayloadPaddingSize);
* EccEncryptedSecret (OPC 10000-4 §7.41.2.5, keys per OPC 10000-6 §6.8.3)
  for ECC_nistP256 and ECC_nistP384, signed with deterministic ECDSA
  (RFC 6979) so that the bytes can be re-made;
* the legacy secret format (OPC 10000-4 §7.40.2.2) with RSA-OAEP-SHA1 and
  RSA-OAEP-SHA256.

Every intermediate value is recorded, with the receiver's private key and a
list of single-byte modifications a receiver must reject.

    python3 make_vectors.py [output folder, default: this script's folder]
"""

import json
import os
import struct
import sys
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
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
ECC = {
    # name: (curve, hash, AES key length, coordinate length)
    "ECC_nistP256": (ec.SECP256R1(), hashes.SHA256, 16, 32),
    "ECC_nistP384": (ec.SECP384R1(), hashes.SHA384, 32, 48),
}


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
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hash_alg()))
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


def ecc_vector(name, secret):
    curve, hash_cls, enc_len, size = ECC[name]
    policy_uri = URI + name
    sender = ec.generate_private_key(curve)
    sender_cert = self_signed(sender, hash_cls, "secret sender")
    sender_ephemeral = ec.generate_private_key(curve)
    receiver_ephemeral = ec.generate_private_key(curve)
    sender_public = raw_public(sender_ephemeral, size)
    receiver_public = raw_public(receiver_ephemeral, size)
    shared = sender_ephemeral.exchange(ec.ECDH(), receiver_ephemeral.public_key())
    length = enc_len + IV_LEN
    salt = struct.pack("<H", length) + b"opcua-secret" + sender_public + receiver_public
    material = HKDF(algorithm=hash_cls(), length=length, salt=salt, info=salt).derive(shared)
    encrypting_key, iv = material[:enc_len], material[enc_len:]
    key_data = byte_string(sender_public) + byte_string(receiver_public)
    nonce = os.urandom(32)
    plain, pad = payload(nonce, secret)
    encrypted = aes_cbc(encrypting_key, iv, plain)
    head = header(17546, policy_uri, sender_cert, key_data)
    blob = patch_length(head + encrypted + b"\0" * (2 * size))[:-2 * size]
    der = sender.sign(blob, ec.ECDSA(hash_cls(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    blob += signature
    key_data_at = len(head) - len(key_data)
    return {
        "kind": "EccEncryptedSecret",
        "security_policy_uri": policy_uri,
        "sender_certificate_der_hex": h(sender_cert),
        "sender_private_key_pkcs8_hex": h(pkcs8_der(sender)),
        "sender_ephemeral_private_hex": h(sender_ephemeral.private_numbers().private_value.to_bytes(size, "big")),
        "receiver_ephemeral_private_hex": h(receiver_ephemeral.private_numbers().private_value.to_bytes(size, "big")),
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
        "signature_hex": h(signature),
        "encoded_hex": h(blob),
        "deterministic_given_recorded_randomness": "all (RFC 6979 ECDSA)",
        "reject_modifications": flips(0, 2, 5, 13, 14, key_data_at - 2, key_data_at + 4,
                                      key_data_at + 4 + size, key_data_at + 8 + 2 * size,
                                      len(head), len(head) + len(encrypted) - 1,
                                      len(blob) - 2 * size, len(blob) - 1),
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


def main():
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
    write("legacy_rsa-oaep_2048",
          legacy_vector("http://www.w3.org/2001/04/xmlenc#rsa-oaep", hashes.SHA1, keys[2048], 2048, b"password"))
    write("legacy_rsa-oaep-sha2-256_2048",
          legacy_vector("http://opcfoundation.org/UA/security/rsa-oaep-sha2-256", hashes.SHA256, keys[2048],
                        2048, os.urandom(300)))


if __name__ == "__main__":
    main()
