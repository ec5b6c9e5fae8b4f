#!/usr/bin/env python3
"""Independent check of the OPC UA SecureChannel ECC / AEAD / RSA-DH key agreement and chunk protection.

Written from the rules in spec-notes-ecc.md (section numbers are cited as "§n") and the vectors-ecc
README, with Python's standard library and the `cryptography` package only. It shares no code with
the uasc crate or with the capture tools.

    uasc_independent.py verify FILE_OR_DIR...
    uasc_independent.py complete --out OUT_DIR FILE_OR_DIR...
    uasc_independent.py synthesize --policy NAME --mode Sign|SignAndEncrypt --out FILE [--seed N]
    uasc_independent.py selftest [--captures DIR] [--keep DIR]
    uasc_independent.py policies

`verify` re-derives every key from the two ephemeral private keys of each exchange, checks both OPN
signatures of every exchange, opens every MSG/CLO chunk in both directions and rejects single-byte
flips. `complete` takes minimal recordings (certificates, private keys, ephemeral private keys,
the raw chunk streams and the application's messages), verifies them the same way and writes them in
full. `synthesize` plays client and server itself and writes a recording in the same format.
"""

import argparse
import copy
import datetime
import hashlib
import hmac
import json
import math
import os
import random
import struct
import sys
import tempfile
import time
from collections import namedtuple
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


class Mismatch(Exception):
    """A recording does not follow the rules (or a chunk does not open)."""


def expect(condition, message):
    if not condition:
        raise Mismatch(message)


def expect_eq(label, got, want):
    if got != want:
        show = lambda v: v.hex() if isinstance(v, (bytes, bytearray)) else repr(v)
        raise Mismatch(f"{label}: got {show(got)[:120]}, expected {show(want)[:120]}")


def unhex(value, label="hex field"):
    expect(isinstance(value, str), f"{label} is missing or not a string")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise Mismatch(f"{label} is not hex: {exc}") from None


def xor_bytes(a, b):
    expect(len(a) == len(b), f"XOR of unequal lengths {len(a)} and {len(b)}")
    return bytes(x ^ y for x, y in zip(a, b))


# =================================================================================================
# §1 Policy table
# =================================================================================================

URI_PREFIX = "http://opcfoundation.org/UA/SecurityPolicy#"
CBC_HMAC, AES_GCM, CHACHA = "AES-CBC+HMAC", "AES-GCM", "ChaCha20-Poly1305"
MODES = {"Sign": 2, "SignAndEncrypt": 3}  # MessageSecurityMode enumeration values


@dataclass(frozen=True)
class Policy:
    name: str
    agreement: str  # "ecdh", "x25519", "x448" or "ffdhe3072" (§3)
    curve: object  # cryptography EC curve class for ECDH and ECDSA, else None
    kdf_hash: str  # "SHA256" or "SHA384" (§4)
    symmetric: str  # CBC_HMAC, AES_GCM or CHACHA (§7)
    signing_key_len: int  # DerivedSignatureKeyLength
    encrypting_key_len: int
    iv_len: int
    symmetric_signature_len: int  # HMAC length or AEAD tag length
    nonce_len: int  # = ephemeral public key length (§3)
    asymmetric: str  # "ECDSA", "Ed25519", "Ed448" or "RSA-PKCS1v15" (§2)
    asymmetric_hash: str  # hash of ECDSA / RSA signatures, None for EdDSA
    sce: bool  # SecureChannelEnhancements (§6)

    @property
    def uri(self):
        return URI_PREFIX + self.name

    @property
    def aead(self):
        return self.symmetric != CBC_HMAC

    @property
    def sign_mode_key(self):
        """§7.2: which derived key makes the Sign-mode AEAD tag (o6 curve25519/448: signing key, D1)."""
        if not self.aead:
            return None
        return "signing" if self.signing_key_len else "encrypting"


def _policy_table():
    table = {}

    def add(policy):
        table[policy.name] = policy

    # The six suffix-less policies (SCE = FALSE); curve25519/448 in the open62541 layout (§1, D1).
    for name, curve, h, sig, enc, nonce in (
        ("ECC_nistP256", ec.SECP256R1, "SHA256", 32, 16, 64),
        ("ECC_nistP384", ec.SECP384R1, "SHA384", 48, 32, 96),
        ("ECC_brainpoolP256r1", ec.BrainpoolP256R1, "SHA256", 32, 16, 64),
        ("ECC_brainpoolP384r1", ec.BrainpoolP384R1, "SHA384", 48, 32, 96),
    ):
        add(Policy(name, "ecdh", curve, h, CBC_HMAC, sig, enc, 16, sig, nonce, "ECDSA", h, False))
    add(Policy("ECC_curve25519", "x25519", None, "SHA256", CHACHA, 32, 32, 12, 16, 32, "Ed25519", None, False))
    add(Policy("ECC_curve448", "x448", None, "SHA256", CHACHA, 32, 32, 12, 16, 56, "Ed448", None, False))

    # The 12 SCE ECC policies and the 2 RSA-DH policies, UA-.NETStandard parameters (§1, §8):
    # no signing key, IV 12, tag 16; AES-GCM key 16 or 32 by curve; ChaCha key 32.
    bases = (
        # base name, agreement, curve, KDF hash, nonce, signature, signature hash, AES-GCM key length
        ("ECC_nistP256", "ecdh", ec.SECP256R1, "SHA256", 64, "ECDSA", "SHA256", 16),
        ("ECC_nistP384", "ecdh", ec.SECP384R1, "SHA384", 96, "ECDSA", "SHA384", 32),
        ("ECC_brainpoolP256r1", "ecdh", ec.BrainpoolP256R1, "SHA256", 64, "ECDSA", "SHA256", 16),
        ("ECC_brainpoolP384r1", "ecdh", ec.BrainpoolP384R1, "SHA384", 96, "ECDSA", "SHA384", 32),
        ("ECC_curve25519", "x25519", None, "SHA256", 32, "Ed25519", None, 16),
        ("ECC_curve448", "x448", None, "SHA256", 56, "Ed448", None, 32),
        ("RSA_DH", "ffdhe3072", None, "SHA256", 384, "RSA-PKCS1v15", "SHA256", 16),
    )
    for base, agreement, curve, h, nonce, asym, asym_hash, gcm_key in bases:
        for suffix, sym, enc in (("AesGcm", AES_GCM, gcm_key), ("ChaChaPoly", CHACHA, 32)):
            add(Policy(f"{base}_{suffix}", agreement, curve, h, sym, 0, enc, 12, 16, nonce, asym, asym_hash, True))
    return table


POLICIES = _policy_table()

HASHES = {"SHA256": (hashes.SHA256, hashlib.sha256), "SHA384": (hashes.SHA384, hashlib.sha384)}


def derived_lengths(policy, mode):
    """§4 (deviation D3): L for non-AEAD ECC in Sign mode counts the signing key only."""
    if not policy.aead and mode == "Sign":
        return (policy.signing_key_len, 0, 0)
    return (policy.signing_key_len, policy.encrypting_key_len, policy.iv_len)


# =================================================================================================
# §8 RFC 7919 ffdhe3072 (RSA-DH)
# =================================================================================================

# RFC 7919 Appendix A.2, the hexadecimal representation of p; g = 2.
FFDHE3072_P = int(
    "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1"
    "D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9"
    "7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD6561"
    "2433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
    "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE735"
    "30ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB"
    "B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB19"
    "0B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
    "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD73"
    "3BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA"
    "886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C0238"
    "61B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C"
    "AEFE130985139270B4130C93BC437944F4FD4452E2D74DD3"
    "64F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D"
    "ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF"
    "3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF",
    16,
)
FFDHE3072_G = 2
FFDHE_LEN = 384


def floor_e_times_power_of_two(k, guard_bits=64):
    """floor(2^k * e) by the series e = sum 1/n!, in integers (each term truncated; the guard bits
    absorb the truncation error, which is below the number of terms)."""
    scale = k + guard_bits
    term, total, n = 1 << scale, 0, 0
    while term:
        total += term
        n += 1
        term //= n
    return total >> guard_bits


def ffdhe3072_matches_rfc7919_formula():
    """RFC 7919 A.2 defines p = 2^3072 - 2^3008 + {[2^2942 * e] + 2625351} * 2^64 - 1."""
    formula = 2**3072 - 2**3008 + (floor_e_times_power_of_two(2942) + 2625351) * 2**64 - 1
    return formula == FFDHE3072_P


# =================================================================================================
# OPC 10000-6 §5.2 binary encoding (only what the OPN, MSG and CLO bodies here need)
# =================================================================================================

DATETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns ticks from 1601-01-01 to 1970-01-01


class Writer:
    def __init__(self):
        self.buf = bytearray()

    def raw(self, data):
        self.buf += data
        return self

    def u8(self, v):
        return self.raw(struct.pack("<B", v))

    def u16(self, v):
        return self.raw(struct.pack("<H", v))

    def u32(self, v):
        return self.raw(struct.pack("<I", v))

    def i32(self, v):
        return self.raw(struct.pack("<i", v))

    def i64(self, v):
        return self.raw(struct.pack("<q", v))

    def f64(self, v):
        return self.raw(struct.pack("<d", v))

    def datetime(self, ticks):
        return self.i64(ticks)

    def bytestring(self, data):
        if data is None:
            return self.i32(-1)
        return self.i32(len(data)).raw(data)

    def string(self, text):
        return self.bytestring(None if text is None else text.encode("utf-8"))

    def nodeid(self, ns, ident):
        """Numeric NodeId in the shortest form: two-byte, four-byte or full numeric."""
        if ns == 0 and ident <= 0xFF:
            return self.u8(0x00).u8(ident)
        if ns <= 0xFF and ident <= 0xFFFF:
            return self.u8(0x01).u8(ns).u16(ident)
        return self.u8(0x02).u16(ns).u32(ident)

    def guid_nodeid(self, ns, guid):
        return self.u8(0x04).u16(ns).raw(guid)

    def null_extension_object(self):
        return self.nodeid(0, 0).u8(0x00)

    def bytes(self):
        return bytes(self.buf)


class Reader:
    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def take(self, n):
        expect(n >= 0 and self.pos + n <= len(self.data), f"truncated at offset {self.pos} (need {n} bytes)")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def _unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def u8(self):
        return self._unpack("<B")

    def u16(self):
        return self._unpack("<H")

    def u32(self):
        return self._unpack("<I")

    def i32(self):
        return self._unpack("<i")

    def i64(self):
        return self._unpack("<q")

    def bytestring(self):
        n = self.i32()
        expect(n >= -1, f"negative ByteString length {n}")
        return None if n == -1 else self.take(n)

    def string(self):
        data = self.bytestring()
        return None if data is None else data.decode("utf-8")

    def nodeid(self):
        """Any NodeId form; returns (namespace, identifier)."""
        flags = self.u8()
        form = flags & 0x3F
        if form == 0x00:
            ns, ident = 0, self.u8()
        elif form == 0x01:
            ns, ident = self.u8(), self.u16()
        elif form == 0x02:
            ns, ident = self.u16(), self.u32()
        elif form == 0x03:
            ns, ident = self.u16(), self.string()
        elif form == 0x04:
            ns, ident = self.u16(), self.take(16)
        elif form == 0x05:
            ns, ident = self.u16(), self.bytestring()
        else:
            raise Mismatch(f"unknown NodeId encoding 0x{flags:02x}")
        if flags & 0x80:  # ExpandedNodeId NamespaceUri
            self.string()
        if flags & 0x40:  # ExpandedNodeId ServerIndex
            self.u32()
        return ns, ident

    def skip_extension_object(self):
        self.nodeid()
        encoding = self.u8()
        if encoding in (0x01, 0x02):
            self.bytestring()
        else:
            expect(encoding == 0x00, f"unknown ExtensionObject encoding {encoding}")

    def skip_diagnostic_info(self):
        mask = self.u8()
        for bit in (0x01, 0x02, 0x08, 0x04):  # SymbolicId, NamespaceUri, Locale, LocalizedText
            if mask & bit:
                self.i32()
        if mask & 0x10:
            self.string()  # AdditionalInfo
        if mask & 0x20:
            self.u32()  # InnerStatusCode
        if mask & 0x40:
            self.skip_diagnostic_info()

    def skip_string_array(self):
        for _ in range(max(self.i32(), 0)):
            self.string()


# Service NodeIds (the DefaultBinary encoding ids).
OPEN_SECURE_CHANNEL_REQUEST, OPEN_SECURE_CHANNEL_RESPONSE = 446, 449
CLOSE_SECURE_CHANNEL_REQUEST, READ_REQUEST, READ_RESPONSE = 452, 631, 634
BODY_TYPE_NAMES = {
    OPEN_SECURE_CHANNEL_REQUEST: "OpenSecureChannelRequest",
    OPEN_SECURE_CHANNEL_RESPONSE: "OpenSecureChannelResponse",
    CLOSE_SECURE_CHANNEL_REQUEST: "CloseSecureChannelRequest",
    READ_REQUEST: "ReadRequest",
    READ_RESPONSE: "ReadResponse",
}
REQUEST_TYPES = {"Issue": 0, "Renew": 1}


def write_request_header(w, auth_token, timestamp, handle, timeout_hint):
    if auth_token is None:
        w.nodeid(0, 0)
    else:
        w.guid_nodeid(1, auth_token)
    w.datetime(timestamp).u32(handle).u32(0)  # Timestamp, RequestHandle, ReturnDiagnostics
    w.string(None).u32(timeout_hint)  # AuditEntryId, TimeoutHint
    w.null_extension_object()  # AdditionalHeader


def write_response_header(w, timestamp, handle):
    w.datetime(timestamp).u32(handle).u32(0)  # Timestamp, RequestHandle, ServiceResult Good
    w.u8(0x00).i32(-1)  # ServiceDiagnostics (empty), StringTable (null)
    w.null_extension_object()


def read_request_header(r):
    r.nodeid()  # AuthenticationToken
    r.i64()  # Timestamp
    handle = r.u32()
    r.u32()  # ReturnDiagnostics
    r.string()  # AuditEntryId
    r.u32()  # TimeoutHint
    r.skip_extension_object()
    return handle


def read_response_header(r):
    r.i64()
    handle = r.u32()
    result = r.u32()
    r.skip_diagnostic_info()
    r.skip_string_array()
    r.skip_extension_object()
    return handle, result


def encode_osc_request(request_type, mode, client_nonce, lifetime_ms, timestamp, handle):
    """OpenSecureChannelRequest (Part 4 §5.5.2.2) preceded by its encoding NodeId i=446."""
    w = Writer().nodeid(0, OPEN_SECURE_CHANNEL_REQUEST)
    write_request_header(w, None, timestamp, handle, 10000)
    w.u32(0).i32(REQUEST_TYPES[request_type]).i32(MODES[mode])  # ClientProtocolVersion, RequestType, SecurityMode
    return w.bytestring(client_nonce).u32(lifetime_ms).bytes()


def encode_osc_response(handle, timestamp, channel_id, token_id, created_at, lifetime_ms, server_nonce):
    """OpenSecureChannelResponse (Part 4 §5.5.2.2) preceded by its encoding NodeId i=449."""
    w = Writer().nodeid(0, OPEN_SECURE_CHANNEL_RESPONSE)
    write_response_header(w, timestamp, handle)
    w.u32(0)  # ServerProtocolVersion
    w.u32(channel_id).u32(token_id).datetime(created_at).u32(lifetime_ms)  # ChannelSecurityToken
    return w.bytestring(server_nonce).bytes()


def decode_osc_request(data):
    """Returns (fields, length of the encoded body)."""
    r = Reader(data)
    expect_eq("OPN request body type", r.nodeid(), (0, OPEN_SECURE_CHANNEL_REQUEST))
    handle = read_request_header(r)
    fields = {"handle": handle, "protocol_version": r.u32(), "request_type": r.i32(), "security_mode": r.i32()}
    fields["client_nonce"] = r.bytestring()
    fields["requested_lifetime"] = r.u32()
    return fields, r.pos


def decode_osc_response(data):
    r = Reader(data)
    expect_eq("OPN response body type", r.nodeid(), (0, OPEN_SECURE_CHANNEL_RESPONSE))
    handle, result = read_response_header(r)
    fields = {"handle": handle, "service_result": result, "protocol_version": r.u32()}
    fields.update(channel_id=r.u32(), token_id=r.u32(), created_at=r.i64(), revised_lifetime=r.u32())
    fields["server_nonce"] = r.bytestring()
    return fields, r.pos


def encode_read_request(auth_token, timestamp, handle, node_ids):
    w = Writer().nodeid(0, READ_REQUEST)
    write_request_header(w, auth_token, timestamp, handle, 10000)
    w.f64(0.0).i32(2).i32(len(node_ids))  # MaxAge, TimestampsToReturn Both, NodesToRead
    for ns, ident in node_ids:
        w.nodeid(ns, ident).u32(13).string(None).u16(0).string(None)  # ReadValueId: Value attribute
    return w.bytes()


def encode_read_response(timestamp, handle, values):
    w = Writer().nodeid(0, READ_RESPONSE)
    write_response_header(w, timestamp, handle)
    w.i32(len(values))
    for value in values:  # DataValue with Value (a ByteString Variant) and SourceTimestamp
        w.u8(0x05).u8(15).bytestring(value).datetime(timestamp)
    return w.i32(-1).bytes()  # DiagnosticInfos


def encode_close_request(auth_token, timestamp, handle):
    w = Writer().nodeid(0, CLOSE_SECURE_CHANNEL_REQUEST)
    write_request_header(w, auth_token, timestamp, handle, 10000)
    return w.bytes()


# =================================================================================================
# §3 Ephemeral keys: nonce = public key; shared secret
# =================================================================================================


def coordinate_len(curve):
    return (curve.key_size + 7) // 8


def random_ec_scalar(curve, rng):
    """A private scalar in [1, n-1]; derive_private_key rejects out-of-range values, so draw again."""
    while True:
        scalar = rng.getrandbits(curve.key_size)
        try:
            return ec.derive_private_key(scalar, curve), scalar
        except ValueError:
            continue


RAW_PRIVATE = (serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def generate_ephemeral_private(policy, rng):
    """Private key bytes in the recording format (vectors-ecc README)."""
    if policy.agreement == "ecdh":
        _, scalar = random_ec_scalar(policy.curve(), rng)
        return scalar.to_bytes(coordinate_len(policy.curve()), "big")
    if policy.agreement in ("x25519", "x448"):
        cls, n = (x25519.X25519PrivateKey, 32) if policy.agreement == "x25519" else (x448.X448PrivateKey, 56)
        return cls.from_private_bytes(rng.randbytes(n)).private_bytes(*RAW_PRIVATE)
    # §8: an exponent of up to 384 bits, as .NET draws (RFC 7919 §5.2 asks for at least 275 bits
    # for ffdhe3072); recorded big-endian, left-padded to 384 bytes.
    x = 2 + rng.randrange(2**384 - 2)
    return x.to_bytes(FFDHE_LEN, "big")


def load_ephemeral_private(policy, data):
    """Private key bytes -> key object (EC, X25519, X448) or exponent (ffdhe3072)."""
    if policy.agreement == "ecdh":
        expect_eq("EC ephemeral private key length", len(data), coordinate_len(policy.curve()))
        try:
            return ec.derive_private_key(int.from_bytes(data, "big"), policy.curve())
        except ValueError as exc:
            raise Mismatch(f"EC ephemeral private key invalid: {exc}") from None
    if policy.agreement == "x25519":
        expect_eq("X25519 private key length", len(data), 32)
        return x25519.X25519PrivateKey.from_private_bytes(data)
    if policy.agreement == "x448":
        expect_eq("X448 private key length", len(data), 56)
        return x448.X448PrivateKey.from_private_bytes(data)
    expect_eq("ffdhe3072 exponent length", len(data), FFDHE_LEN)
    x = int.from_bytes(data, "big")
    expect(1 < x < FFDHE3072_P - 1, "ffdhe3072 exponent out of range")
    return x


def public_nonce(policy, private):
    """§3: X||Y without the 0x04 prefix; raw RFC 7748 keys; g^x mod p big-endian 384 bytes."""
    if policy.agreement == "ecdh":
        point = private.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)
        return point[1:]
    if policy.agreement in ("x25519", "x448"):
        return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return pow(FFDHE3072_G, private, FFDHE3072_P).to_bytes(FFDHE_LEN, "big")


def shared_secret(policy, private, peer_nonce):
    """§3/§4: ECDH x-coordinate (field size), X25519/X448 output, or (peer^x mod p) left-padded to 384.
    The peer's public value is validated first."""
    expect_eq(f"{policy.name} nonce length", len(peer_nonce), policy.nonce_len)
    if policy.agreement == "ecdh":
        try:
            peer = ec.EllipticCurvePublicKey.from_encoded_point(policy.curve(), b"\x04" + peer_nonce)
        except ValueError as exc:
            raise Mismatch(f"peer EC point invalid: {exc}") from None
        return private.exchange(ec.ECDH(), peer)
    if policy.agreement in ("x25519", "x448"):
        cls = x25519.X25519PublicKey if policy.agreement == "x25519" else x448.X448PublicKey
        try:
            secret = private.exchange(cls.from_public_bytes(peer_nonce))
        except ValueError as exc:  # OpenSSL refuses an all-zero output (low-order point)
            raise Mismatch(f"peer {policy.agreement} key rejected: {exc}") from None
        expect(any(secret), "all-zero XDH shared secret")
        return secret
    y = int.from_bytes(peer_nonce, "big")
    expect(1 < y < FFDHE3072_P - 1, "ffdhe3072 public value outside 1 < y < p-1")  # §8
    return pow(y, private, FFDHE3072_P).to_bytes(FFDHE_LEN, "big")


# =================================================================================================
# §4 HKDF key derivation and §5 renewal chaining
# =================================================================================================

SymKeys = namedtuple("SymKeys", "signing encrypting iv")
ChannelKeys = namedtuple("ChannelKeys", "L client_salt server_salt client server")


def hkdf(hash_name, ikm, salt, info, length):
    """RFC 5869: PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i)."""
    digest = HASHES[hash_name][1]
    prk = hmac.new(salt, ikm, digest).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), digest).digest()
        out += block
        counter += 1
    return out[:length]


def hkdf_salt(L, label, first_nonce, second_nonce):
    """§4: L (u16 LE) || label || nonces (raw public keys, no length prefix)."""
    return struct.pack("<H", L) + label + first_nonce + second_nonce


def derive_channel_keys(policy, mode, ikm, client_nonce, server_nonce, lengths=None):
    """§4: ClientKeys/ServerKeys = HKDF(IKM, salt = info = side's salt, L), split sig||enc||iv.
    `lengths` overrides the rule only for the selftest's deviation check."""
    lengths = lengths or derived_lengths(policy, mode)
    L = sum(lengths)
    client_salt = hkdf_salt(L, b"opcua-client", client_nonce, server_nonce)
    server_salt = hkdf_salt(L, b"opcua-server", server_nonce, client_nonce)

    def split(block):
        sig, enc, _ = lengths
        return SymKeys(block[:sig], block[sig : sig + enc], block[sig + enc :])

    client = split(hkdf(policy.kdf_hash, ikm, client_salt, client_salt, L))
    server = split(hkdf(policy.kdf_hash, ikm, server_salt, server_salt, L))
    return ChannelKeys(L, client_salt, server_salt, client, server)


def next_ikm(policy, previous_ikm, shared):
    """§5: IKM_0 = Shared_0; for SCE policies IKM_n = IKM_(n-1) XOR Shared_n, else IKM_n = Shared_n
    (open62541 chains only SCE policies, D4)."""
    if previous_ikm is None or not policy.sce:
        return shared
    return xor_bytes(previous_ikm, shared)


def keys_json(keys):
    return {"signing_key": keys.signing.hex(), "encrypting_key": keys.encrypting.hex(), "iv": keys.iv.hex()}


# =================================================================================================
# Long-term identities and §2 asymmetric OPN signatures
# =================================================================================================

Identity = namedtuple("Identity", "key der pem app_uri")

SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))]


def is_probable_prime(n, rounds=32):
    """Miller-Rabin with bases drawn from a generator seeded by n (so the answer is reproducible)."""
    if n < 2 or n % 2 == 0:
        return n == 2
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    bases = random.Random(n)
    for _ in range(rounds):
        x = pow(bases.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def random_prime(bits, rng):
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(candidate):
            return candidate


def make_rsa_key(rng, bits=2048, e=65537):
    """RSA key from primes drawn with rng, so a --seed reproduces it."""
    while True:
        p, q = random_prime(bits // 2, rng), random_prime(bits // 2, rng)
        if p == q or math.gcd(e, (p - 1) * (q - 1)) != 1 or (p * q).bit_length() != bits:
            continue
        d = pow(e, -1, math.lcm(p - 1, q - 1))
        numbers = rsa.RSAPrivateNumbers(
            p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
            rsa.RSAPublicNumbers(e, p * q),
        )
        return numbers.private_key()


def make_signing_key(policy, rng):
    if policy.asymmetric == "ECDSA":
        return random_ec_scalar(policy.curve(), rng)[0]
    if policy.asymmetric == "Ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    if policy.asymmetric == "Ed448":
        return ed448.Ed448PrivateKey.from_private_bytes(rng.randbytes(57))
    return make_rsa_key(rng)


def ecdsa(hash_name):
    """Deterministic ECDSA (RFC 6979) where OpenSSL offers it, so seeded output is reproducible."""
    try:
        return ec.ECDSA(HASHES[hash_name][0](), deterministic_signing=True)
    except (TypeError, UnsupportedAlgorithm):
        return ec.ECDSA(HASHES[hash_name][0]())


def make_identity(policy, role, rng, not_before):
    """A throwaway self-signed application certificate on the policy's curve (RSA-2048 for RSA-DH)."""
    key = make_signing_key(policy, rng)
    app_uri = f"urn:uasc:independent:{role}"
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "uasc independent check"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{role} {policy.name}"),
        ]
    )
    is_rsa = policy.asymmetric == "RSA-PKCS1v15"
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=is_rsa, data_encipherment=is_rsa,
        key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(62) | (1 << 62))
        .not_valid_before(not_before)
        .not_valid_after(not_before + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(app_uri),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if policy.asymmetric == "ECDSA":
        try:
            cert = builder.sign(key, HASHES[policy.asymmetric_hash][0](), ecdsa_deterministic=True)
        except (TypeError, UnsupportedAlgorithm):
            cert = builder.sign(key, HASHES[policy.asymmetric_hash][0]())
    elif is_rsa:
        cert = builder.sign(key, hashes.SHA256())
    else:
        cert = builder.sign(key, None)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return Identity(key, cert.public_bytes(serialization.Encoding.DER), pem.decode("ascii"), app_uri)


def load_certificate(policy, der):
    """Parses a DER certificate and checks that its key suits the policy (§2)."""
    try:
        cert = x509.load_der_x509_certificate(der)
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise Mismatch(f"certificate does not parse: {exc}") from None
    if policy.asymmetric == "ECDSA":
        ok = isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == policy.curve.name
    elif policy.asymmetric == "Ed25519":
        ok = isinstance(key, ed25519.Ed25519PublicKey)
    elif policy.asymmetric == "Ed448":
        ok = isinstance(key, ed448.Ed448PublicKey)
    else:
        ok = isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048
    expect(ok, f"certificate key {type(key).__name__} does not suit {policy.name}")
    return cert


def first_der_element(blob):
    """The first DER element of a SenderCertificate field (a chain is several DER certificates)."""
    expect(len(blob) >= 2 and blob[0] == 0x30, "SenderCertificate is not a DER SEQUENCE")
    first = blob[1]
    if first < 0x80:
        return blob[: 2 + first]
    n = first & 0x7F
    expect(1 <= n <= 4 and len(blob) >= 2 + n, "bad DER length")
    return blob[: 2 + n + int.from_bytes(blob[2 : 2 + n], "big")]


def asymmetric_signature_len(policy, public_key):
    """§2: ECDSA raw r||s (2 x coordinate), Ed25519 64, Ed448 114, RSA modulus length."""
    if policy.asymmetric == "ECDSA":
        return 2 * coordinate_len(public_key.curve)
    if policy.asymmetric == "Ed25519":
        return 64
    if policy.asymmetric == "Ed448":
        return 114
    return public_key.key_size // 8


def asymmetric_sign(policy, private_key, data):
    if policy.asymmetric == "ECDSA":
        r, s = decode_dss_signature(private_key.sign(data, ecdsa(policy.asymmetric_hash)))
        n = coordinate_len(private_key.curve)
        return r.to_bytes(n, "big") + s.to_bytes(n, "big")
    if policy.asymmetric == "RSA-PKCS1v15":
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return private_key.sign(data)


def asymmetric_verify(policy, public_key, data, signature):
    expect_eq("asymmetric signature length", len(signature), asymmetric_signature_len(policy, public_key))
    try:
        if policy.asymmetric == "ECDSA":
            n = len(signature) // 2
            der = encode_dss_signature(int.from_bytes(signature[:n], "big"), int.from_bytes(signature[n:], "big"))
            public_key.verify(der, data, ec.ECDSA(HASHES[policy.asymmetric_hash][0]()))
        elif policy.asymmetric == "RSA-PKCS1v15":
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(signature, data)
    except InvalidSignature:
        raise Mismatch("OPN signature does not verify") from None


# =================================================================================================
# §2 OPN chunks (signed, never encrypted) and §6 the SCE response signature
# =================================================================================================


@dataclass
class OpnChunk:
    raw: bytes
    channel_id: int
    policy_uri: str
    sender_der: bytes
    receiver_thumbprint: bytes
    asym_header_len: int  # offset of the SequenceHeader
    sequence_number: int
    request_id: int
    body: bytes
    trailer: bytes  # bytes between the decoded body and the signature (open62541: one 00, D2)
    signed_data: bytes
    signature: bytes
    fields: dict  # the decoded OpenSecureChannelRequest/Response


def build_opn_chunk(policy, channel_id, sender, receiver_der, seq, request_id, body,
                    appended=b"", trailer=b"", thumbprint=None):
    """§2: MessageHeader, AsymmetricSecurityHeader, SequenceHeader, body, signature over all bytes
    before it (plus `appended`, the request signature, for the first SCE response, §6).
    No PaddingSize byte is written unless a test asks for open62541's `00` trailer."""
    thumbprint = hashlib.sha1(receiver_der).digest() if thumbprint is None else thumbprint
    asym = Writer().string(policy.uri).bytestring(sender.der).bytestring(thumbprint).bytes()
    sequence = struct.pack("<II", seq, request_id)
    sig_len = asymmetric_signature_len(policy, sender.key.public_key())
    size = 12 + len(asym) + len(sequence) + len(body) + len(trailer) + sig_len
    signed = b"OPNF" + struct.pack("<II", size, channel_id) + asym + sequence + body + trailer
    signature = asymmetric_sign(policy, sender.key, signed + appended)
    parts = {"asym_header_len": 12 + len(asym), "signed_data": signed, "signature": signature, "thumbprint": thumbprint}
    return signed + signature, parts


def parse_opn_chunk(policy, raw, is_request):
    r = Reader(raw)
    expect_eq("OPN MessageType", r.take(3), b"OPN")
    expect_eq("OPN ChunkType", r.take(1), b"F")
    expect_eq("OPN MessageSize", r.u32(), len(raw))
    channel_id = r.u32()
    policy_uri = r.string()
    expect_eq("OPN SecurityPolicyUri", policy_uri, policy.uri)
    sender_field = r.bytestring()
    expect(sender_field is not None, "OPN without SenderCertificate")
    sender_der = first_der_element(sender_field)
    thumbprint = r.bytestring()
    asym_header_len = r.pos
    seq, request_id = r.u32(), r.u32()
    cert = load_certificate(policy, sender_der)
    sig_len = asymmetric_signature_len(policy, cert.public_key())
    end = len(raw) - sig_len
    expect(end > r.pos, "OPN too short for its signature")
    region = raw[r.pos : end]
    fields, body_len = (decode_osc_request if is_request else decode_osc_response)(region)
    trailer = region[body_len:]
    # D2: tolerate open62541's single PaddingSize byte 0, nothing else.
    expect(trailer in (b"", b"\x00"), f"unexpected bytes after the OPN body: {trailer.hex()[:40]}")
    return OpnChunk(raw, channel_id, policy_uri, sender_der, thumbprint, asym_header_len, seq, request_id,
                    region[:body_len], trailer, raw[:end], raw[end:], fields)


def verify_opn_signature(policy, chunk, appended=b""):
    cert = x509.load_der_x509_certificate(chunk.sender_der)
    asymmetric_verify(policy, cert.public_key(), chunk.signed_data + appended, chunk.signature)


SCE_SIGNATURE_COVERS = "opn_response signed_data || opn_request signature (first OPN only)"


def opn_record(chunk, sender_role, covers):
    """The recording entry of a parsed OPN chunk (`opn_request` / `opn_response`)."""
    body_type = OPEN_SECURE_CHANNEL_REQUEST if sender_role == "client" else OPEN_SECURE_CHANNEL_RESPONSE
    record = {
        "raw_chunk_hex": chunk.raw.hex(),
        "message_type": "OPN",
        "chunk_type": "F",
        "message_size": len(chunk.raw),
        "secure_channel_id": chunk.channel_id,
        "sender_certificate_is": sender_role,
        "sender_certificate_der_hex": chunk.sender_der.hex(),
        "receiver_thumbprint_hex": chunk.receiver_thumbprint.hex(),
        "asym_header_len": chunk.asym_header_len,
        "encrypted": False,
        "signed_data_hex": chunk.signed_data.hex(),
        "signature_hex": chunk.signature.hex(),
        "signature_len": len(chunk.signature),
        "sequence_number": chunk.sequence_number,
        "request_id": chunk.request_id,
        "body_hex": chunk.body.hex(),
        "body_type": BODY_TYPE_NAMES[body_type],
        "body_type_id": body_type,
        "trailing_bytes_before_signature_hex": chunk.trailer.hex(),
    }
    if covers:
        record["signature_covers"] = SCE_SIGNATURE_COVERS
    return record


def exchange_record(request_type, req, resp, private_keys, shared, ikm, keys, covers):
    """The fields of one exchange (top level for the Issue, an entry of `renewals` for a Renew),
    from its two parsed OPN chunks, the two ephemeral private keys (bytes) and what they gave."""
    c_priv, s_priv = private_keys
    return {
        "request_type": request_type,
        "opn_request": opn_record(req, "client", False),
        "opn_response": opn_record(resp, "server", covers),
        "client_nonce_hex": req.fields["client_nonce"].hex(),
        "server_nonce_hex": resp.fields["server_nonce"].hex(),
        "client_ephemeral_private_key_hex": c_priv.hex(),
        "server_ephemeral_private_key_hex": s_priv.hex(),
        "ecdh_shared_secret_hex": shared.hex(),
        "hkdf_ikm_hex": ikm.hex(),
        "hkdf_L": keys.L,
        "client_salt_hex": keys.client_salt.hex(),
        "server_salt_hex": keys.server_salt.hex(),
        "client_keys": keys_json(keys.client),
        "server_keys": keys_json(keys.server),
        "token_id": resp.fields["token_id"],
        "secure_channel_id": resp.fields["channel_id"],
        "revised_lifetime_ms": resp.fields["revised_lifetime"],
        "requested_lifetime_ms": req.fields["requested_lifetime"],
    }


# =================================================================================================
# §7 Symmetric MSG/CLO chunks
# =================================================================================================

ChunkInfo = namedtuple(
    "ChunkInfo",
    "message_type chunk_type channel_id token_id sequence_number request_id plaintext body signature "
    "padding_size aead_nonce aad tag",
)


def aead_nonce(iv, token_id, previous_seq):
    """§7.2: N = IV XOR (TokenId u32 LE || PrevSeq u32 LE || 00000000)."""
    return xor_bytes(iv, struct.pack("<II", token_id, previous_seq) + bytes(4))


def aead_cipher(policy, key):
    if policy.symmetric == AES_GCM:
        expect(len(key) in (16, 32), f"AES-GCM key length {len(key)}")
        return AESGCM(key)
    expect_eq("ChaCha20-Poly1305 key length", len(key), 32)
    return ChaCha20Poly1305(key)


def cbc(key, iv):
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def chunk_header(msg_type, chunk_type, size, channel_id, token_id):
    return msg_type + chunk_type + struct.pack("<III", size, channel_id, token_id)


def cbc_padding_size(n, sig_len):
    """§7.1 padding so that SequenceHeader..Signature fills whole AES blocks; the smallest value
    (0..15) is used (the notes' form 16 - ((n+sig+1) % 16) gives 16 instead of 0)."""
    return (16 - (n + sig_len + 1) % 16) % 16


def seal_chunk(policy, mode, keys, msg_type, chunk_type, channel_id, token_id, seq, request_id, body, previous_seq):
    """Builds one protected MSG/CLO chunk. Returns (raw, ChunkInfo)."""
    plain = struct.pack("<II", seq, request_id) + body
    sig_len = policy.symmetric_signature_len
    if not policy.aead:  # §7.1 HMAC, then AES-CBC with the token's fixed IV (S&E only)
        pad = b""
        if mode == "SignAndEncrypt":
            ps = cbc_padding_size(len(plain), sig_len)
            pad = bytes([ps]) * (ps + 1)
        head = chunk_header(msg_type, chunk_type, 16 + len(plain) + len(pad) + sig_len, channel_id, token_id)
        mac = hmac.new(keys.signing, head + plain + pad, HASHES[policy.kdf_hash][1]).digest()
        inner = plain + pad + mac
        if mode == "SignAndEncrypt":
            encryptor = cbc(keys.encrypting, keys.iv).encryptor()
            wire = encryptor.update(inner) + encryptor.finalize()
        else:
            wire = inner
        info = ChunkInfo(msg_type, chunk_type, channel_id, token_id, seq, request_id, inner, body, mac,
                         pad[-1] if pad else None, None, None, None)
        return head + wire, info
    # §7.2 AEAD
    head = chunk_header(msg_type, chunk_type, 16 + len(plain) + 16, channel_id, token_id)
    nonce = aead_nonce(keys.iv, token_id, previous_seq)
    if mode == "SignAndEncrypt":
        sealed = aead_cipher(policy, keys.encrypting).encrypt(nonce, plain, head)
        raw, aad, recorded_plain = head + sealed, head, plain
    else:
        key = keys.signing if policy.sign_mode_key == "signing" else keys.encrypting
        aad = head + plain
        tag = aead_cipher(policy, key).encrypt(nonce, b"", aad)
        raw = aad + tag
        recorded_plain = plain + tag  # as in the captures: every byte after the 16-byte header
    tag = raw[-16:]
    info = ChunkInfo(msg_type, chunk_type, channel_id, token_id, seq, request_id, recorded_plain, body, tag,
                     None, nonce, aad, tag)
    return raw, info


def open_chunk(policy, mode, keys_by_token, channel_id, raw, previous_seq):
    """Checks and opens one MSG/CLO chunk; the keys are those of the TokenId in its header (§7.2)."""
    expect(len(raw) >= 16 + 8, "symmetric chunk too short")
    msg_type, chunk_type = raw[:3], raw[3:4]
    size, chunk_channel, token_id = struct.unpack("<III", raw[4:16])
    expect(msg_type in (b"MSG", b"CLO"), f"not a symmetric chunk: {msg_type!r}")
    expect(chunk_type in (b"F", b"C", b"A") and (msg_type == b"MSG" or chunk_type == b"F"),
           f"bad ChunkType {chunk_type!r}")
    expect_eq("MessageSize", size, len(raw))
    expect_eq("SecureChannelId", chunk_channel, channel_id)
    expect(token_id in keys_by_token, f"unknown TokenId {token_id}")
    keys = keys_by_token[token_id]
    head, rest = raw[:16], raw[16:]
    sig_len = policy.symmetric_signature_len
    padding_size = nonce = aad = tag = None
    if not policy.aead:  # §7.1
        if mode == "SignAndEncrypt":
            expect(len(rest) % 16 == 0, "ciphertext is not whole AES blocks")
            decryptor = cbc(keys.encrypting, keys.iv).decryptor()
            inner = decryptor.update(rest) + decryptor.finalize()
        else:
            inner = rest
        expect(len(inner) >= 8 + sig_len, "chunk too short for its HMAC")
        signed, mac = inner[:-sig_len], inner[-sig_len:]
        want = hmac.new(keys.signing, head + signed, HASHES[policy.kdf_hash][1]).digest()
        expect(hmac.compare_digest(mac, want), "HMAC does not verify")
        body_end = len(signed)
        if mode == "SignAndEncrypt":
            padding_size = signed[-1]
            body_end = len(signed) - padding_size - 1
            expect(body_end >= 8, "PaddingSize larger than the chunk")
            expect(signed[body_end:] == bytes([padding_size]) * (padding_size + 1),
                   "padding bytes differ from PaddingSize")
        plain, body, signature = inner, inner[8:body_end], mac
    else:  # §7.2
        expect(len(rest) >= 8 + 16, "chunk too short for its tag")
        nonce = aead_nonce(keys.iv, token_id, previous_seq)
        tag = raw[-16:]
        try:
            if mode == "SignAndEncrypt":
                aad = head
                inner = aead_cipher(policy, keys.encrypting).decrypt(nonce, rest, aad)
                plain = inner
            else:
                key = keys.signing if policy.sign_mode_key == "signing" else keys.encrypting
                aad = raw[:-16]
                expect_eq("Sign-mode AEAD plaintext", aead_cipher(policy, key).decrypt(nonce, tag, aad), b"")
                inner, plain = raw[16:-16], rest
        except InvalidTag:
            raise Mismatch("AEAD tag does not verify") from None
        body, signature = inner[8:], tag
    seq, request_id = struct.unpack("<II", plain[:8])
    return ChunkInfo(msg_type, chunk_type, chunk_channel, token_id, seq, request_id, plain, body, signature,
                     padding_size, nonce, aad, tag)


def chunk_record(raw, info, previous_seq, index_in_stream, body_type):
    record = {
        "message_type": info.message_type.decode(),
        "chunk_type": info.chunk_type.decode(),
        "secure_channel_id": info.channel_id,
        "token_id": info.token_id,
        "sequence_number": info.sequence_number,
        "request_id": info.request_id,
        "plaintext_hex": info.plaintext.hex(),
        "signature_hex": info.signature.hex(),
        "body_hex": info.body.hex(),
        "body_type_id": body_type,
        "body_type": BODY_TYPE_NAMES.get(body_type),
        "raw_chunk_hex": raw.hex(),
        "index_in_stream": index_in_stream,
    }
    if info.padding_size is not None:
        record["padding_size_byte"] = info.padding_size
    if info.aead_nonce is not None:
        record.update(
            aead_nonce_hex=info.aead_nonce.hex(), previous_sequence_number=previous_seq,
            aad_hex=info.aad.hex(), tag_hex=info.tag.hex(),
        )
    return record


def split_chunks(field):
    """all_chunks_*_hex: a list of hex strings (or one string); each may hold several chunks."""
    pieces = [field] if isinstance(field, str) else field
    expect(isinstance(pieces, list), "all_chunks_*_hex is neither a list nor a string")
    chunks = []
    for piece in pieces:
        data = unhex(piece, "all_chunks entry")
        while data:
            expect(len(data) >= 8, "trailing bytes in the chunk stream")
            size = struct.unpack("<I", data[4:8])[0]
            expect(8 <= size <= len(data), "chunk stream MessageSize out of range")
            chunks.append(data[:size])
            data = data[size:]
    return chunks


# =================================================================================================
# synthesize: this script plays client and server
# =================================================================================================


def make_rng(seed):
    return random.SystemRandom() if seed is None else random.Random(seed)


class Clock:
    """OPC UA DateTime ticks, advancing a few milliseconds per call."""

    def __init__(self, start, rng):
        self.start, self.rng = start, rng
        self.ticks = int(start.timestamp()) * 10**7 + DATETIME_EPOCH_OFFSET

    def now(self):
        self.ticks += self.rng.randint(1, 40) * 10**4
        return self.ticks


class Direction:
    """One direction of the channel: the chunk stream and its sequence numbers (first = 0, §1)."""

    def __init__(self, name):
        self.name, self.last_seq, self.stream, self.opened = name, None, [], []

    def next_seq(self):
        return 0 if self.last_seq is None else (self.last_seq + 1) & 0xFFFFFFFF

    def add(self, raw, seq):
        self.stream.append(raw)
        self.last_seq = seq


# Deviations that the selftest injects to prove that verify notices them.
DEVIATIONS = (
    "sce_plain_first_signature",  # first SCE response signed without the request signature (§6)
    "unchained_renewal",  # SCE renewal keyed with Shared_1 only (§5)
    "chained_non_sce",  # non-SCE renewal chained (open62541 does not, §5 D4)
    "nonce_own_seq",  # AEAD nonce built with the chunk's own sequence number instead of PrevSeq (§7.2)
    "thumbprint_of_sender",  # ReceiverCertificateThumbprint of the wrong certificate (§2)
    "sign_l_full",  # non-AEAD Sign mode with L = sig+enc+iv (.NET's rule, D3)
    "opn_padding_byte",  # open62541's 00 PaddingSize byte in every OPN: must still verify (D2)
)


def synthesize(policy_name, mode, seed=None, deviation=None):
    """A whole recorded channel: Issue, 3 MSGs each way, Renew, a single and a two-chunk message each
    way, CLO. Returns the recording as a dict in the vectors-ecc format."""
    policy = POLICIES[policy_name]
    expect(mode in MODES, f"unknown mode {mode}")
    expect(deviation in (None,) + DEVIATIONS, f"unknown deviation {deviation}")
    rng = make_rng(seed)
    if seed is None:
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    else:
        start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seed % 10**8)
    clock = Clock(start, rng)
    client = make_identity(policy, "client", rng, start - datetime.timedelta(days=1))
    server = make_identity(policy, "server", rng, start - datetime.timedelta(days=1))
    channel_id = rng.randint(1, 0x7FFFFFFF)
    first_token = rng.randint(1, 0xFFFF)
    session_token = rng.randbytes(16)  # a GUID AuthenticationToken for the MSG request headers
    lifetime = 600000
    c2s, s2c = Direction("c2s"), Direction("s2c")
    keys_by_token = {}
    request_ids = iter(range(rng.randint(1, 1000), 1 << 32))
    trailer = b"\x00" if deviation == "opn_padding_byte" else b""
    lengths = None  # .NET's L = sig + enc + iv even in non-AEAD Sign mode (D3), for the deviation check only
    if deviation == "sign_l_full":
        lengths = (policy.signing_key_len, policy.encrypting_key_len, policy.iv_len)

    def exchange(request_type, token_id, previous_ikm):
        issue = request_type == "Issue"
        c_priv_bytes = generate_ephemeral_private(policy, rng)
        c_priv = load_ephemeral_private(policy, c_priv_bytes)
        c_nonce = public_nonce(policy, c_priv)
        rid = next(request_ids)
        req_body = encode_osc_request(request_type, mode, c_nonce, lifetime, clock.now(), rid)
        thumb = hashlib.sha1(client.der).digest() if deviation == "thumbprint_of_sender" else None
        req_seq = c2s.next_seq()
        req_raw, req_parts = build_opn_chunk(policy, 0 if issue else channel_id, client, server.der, req_seq, rid,
                                             req_body, trailer=trailer, thumbprint=thumb)
        c2s.add(req_raw, req_seq)

        s_priv_bytes = generate_ephemeral_private(policy, rng)
        s_priv = load_ephemeral_private(policy, s_priv_bytes)
        s_nonce = public_nonce(policy, s_priv)
        shared = shared_secret(policy, s_priv, c_nonce)
        expect_eq("client and server shared secret", shared_secret(policy, c_priv, s_nonce), shared)
        if deviation == "unchained_renewal":
            ikm = shared
        elif deviation == "chained_non_sce" and previous_ikm is not None:
            ikm = xor_bytes(previous_ikm, shared)
        else:
            ikm = next_ikm(policy, previous_ikm, shared)
        keys = derive_channel_keys(policy, mode, ikm, c_nonce, s_nonce, lengths)
        created = clock.now()
        resp_body = encode_osc_response(rid, created, channel_id, token_id, created, lifetime, s_nonce)
        sce_first = policy.sce and issue and deviation != "sce_plain_first_signature"
        appended = req_parts["signature"] if sce_first else b""
        resp_seq = s2c.next_seq()
        resp_raw, resp_parts = build_opn_chunk(policy, channel_id, server, client.der, resp_seq, rid, resp_body,
                                               appended=appended, trailer=trailer)
        s2c.add(resp_raw, resp_seq)
        keys_by_token[token_id] = keys
        record = exchange_record(request_type, parse_opn_chunk(policy, req_raw, True),
                                 parse_opn_chunk(policy, resp_raw, False), (c_priv_bytes, s_priv_bytes), shared, ikm,
                                 keys, sce_first)
        return ikm, record, resp_parts["signature"]

    def send(direction, token_id, msg_type, chunk_type, rid, body, body_type):
        keys = keys_by_token[token_id]
        side = keys.client if direction is c2s else keys.server
        previous = direction.last_seq
        seq = direction.next_seq()
        nonce_seq = seq if deviation == "nonce_own_seq" else previous
        raw, info = seal_chunk(policy, mode, side, msg_type, chunk_type, channel_id, token_id, seq, rid, body,
                               nonce_seq)
        direction.opened.append(chunk_record(raw, info, previous, len(direction.stream), body_type))
        direction.add(raw, seq)

    def read_request(count):
        # Server-object variables in namespace 0 and application nodes in namespace 2.
        return [(0, rng.randint(2250, 2300)) if rng.random() < 0.5 else (2, rng.randint(1, 100000))
                for _ in range(count)]

    def read_values(count, longest):
        return [rng.randbytes(rng.randint(0, longest)) for _ in range(count)]

    def round_trip(token_id, nodes, values):
        rid = next(request_ids)
        request = encode_read_request(session_token, clock.now(), rid, read_request(nodes))
        send(c2s, token_id, b"MSG", b"F", rid, request, READ_REQUEST)
        response = encode_read_response(clock.now(), rid, read_values(values, 64))
        send(s2c, token_id, b"MSG", b"F", rid, response, READ_RESPONSE)

    def two_chunk_message(direction, token_id, rid, body, body_type):
        cut = rng.randint(len(body) // 3, 2 * len(body) // 3)
        send(direction, token_id, b"MSG", b"C", rid, body[:cut], body_type)
        send(direction, token_id, b"MSG", b"F", rid, body[cut:], None)

    # Issue, then three request/response pairs under the first token.
    ikm, first, thumbprint = exchange("Issue", first_token, None)
    for _ in range(3):
        round_trip(first_token, rng.randint(3, 20), rng.randint(2, 6))
    # Renew with fresh ephemeral keys and a new TokenId (§5); both sides switch to it at once.
    second_token = first_token + 1
    ikm, renewal, _ = exchange("Renew", second_token, ikm)
    round_trip(second_token, rng.randint(3, 20), rng.randint(2, 6))
    rid = next(request_ids)
    request = encode_read_request(session_token, clock.now(), rid, read_request(60))
    two_chunk_message(c2s, second_token, rid, request, READ_REQUEST)
    response = encode_read_response(clock.now(), rid, read_values(3, 600))
    two_chunk_message(s2c, second_token, rid, response, READ_RESPONSE)
    rid = next(request_ids)
    close = encode_close_request(session_token, clock.now(), rid)
    send(c2s, second_token, b"CLO", b"F", rid, close, CLOSE_SECURE_CHANNEL_REQUEST)

    header = {
        "description": f"synthesized by uasc_independent.py: {policy.name} {mode}, both ends played by the script"
        + (f" (deviation {deviation})" if deviation else ""),
        "client_stack": "uasc_independent.py synthesize",
        "server_stack": "uasc_independent.py synthesize",
        "seed": seed,
    }
    return build_recording(policy, mode, header, [first, renewal], thumbprint if policy.sce else None,
                           (client.der, client.pem), (server.der, server.pem), (c2s.stream, s2c.stream),
                           (c2s.opened, s2c.opened))


DERIVATION_RULE = (
    "L = len(signing|encrypting|iv) (non-AEAD Sign: signing only); ClientSalt = L(u16 LE)|"
    "'opcua-client'|ClientNonce|ServerNonce; ServerSalt = L|'opcua-server'|ServerNonce|ClientNonce; "
    "keys = HKDF(IKM, salt=info=Salt, L) split signing|encrypting|iv; IKM = shared secret; "
    "SecureChannelEnhancements: IKM_n = IKM_(n-1) XOR shared_n on renew."
)
AEAD_NONCE_RULE = (
    "nonce = iv XOR (TokenId u32 LE | PrevSeq u32 LE | 00000000); "
    "S&E: AAD = 16 header bytes; Sign: tag over all bytes before it with empty plaintext"
)


def application_uri(der):
    """The first URI of the certificate's subjectAltName (the ApplicationUri), or None."""
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    return uris[0] if uris else None


def pick(opened, body_type):
    """The first chunk after the direction's first one whose body starts with `body_type`; without
    one, the second chunk (the first if there is only one)."""
    for record in opened[1:]:
        if record.get("body_type_id") == body_type:
            return record
    return opened[1] if len(opened) > 1 else opened[0]


def build_recording(policy, mode, header, exchanges, thumbprint, client, server, streams, opened):
    """The whole recording in the vectors-ecc format, from what `synthesize` or `complete` has made:
    `header` (description, stacks, ...), the exchange records (Issue first, then the renewals), the
    ChannelThumbprint (None without SCE), (DER, PEM) of each end, the two chunk streams (raw chunks in
    order) and the two lists of `symmetric_chunks_opened` entries."""
    (client_der, client_pem), (server_der, server_pem) = client, server
    c2s_opened, s2c_opened = opened
    expect(len(exchanges) >= 2, "a recording needs the Issue and at least one Renew")
    expect(c2s_opened and s2c_opened, "a recording needs MSG chunks in both directions")
    renewed = exchanges[1]["token_id"]

    def first_under(records, name):
        for record in records:
            if record["token_id"] == renewed:
                return record
        raise Mismatch(f"{name}: no chunk under the renewed TokenId {renewed}")

    client_key = x509.load_der_x509_certificate(client_der).public_key()
    recording = dict(header)
    recording.update(
        security_policy=policy.name,
        security_policy_uri=policy.uri,
        security_mode=mode,
        algorithms=algorithms_block(policy, mode, client_key),
        derivation_rule=DERIVATION_RULE,
        aead_nonce_rule=AEAD_NONCE_RULE if policy.aead else None,
    )
    recording.update(exchanges[0])
    recording["channel_thumbprint_hex"] = thumbprint.hex() if thumbprint is not None else None
    recording["renewals"] = list(exchanges[1:])
    recording.update(
        client_certificate_der_hex=client_der.hex(), server_certificate_der_hex=server_der.hex(),
        client_private_key_pem=client_pem, server_private_key_pem=server_pem,
        client_application_uri=application_uri(client_der), server_application_uri=application_uri(server_der),
        all_chunks_client_to_server_hex=[c.hex() for c in streams[0]],
        all_chunks_server_to_client_hex=[c.hex() for c in streams[1]],
        symmetric_chunks_opened={"c2s": c2s_opened, "s2c": s2c_opened},
        msg_client_to_server_first=c2s_opened[0], msg_server_to_client_first=s2c_opened[0],
        msg_read_request=pick(c2s_opened, READ_REQUEST), msg_read_response=pick(s2c_opened, READ_RESPONSE),
        msg_client_to_server_first_after_renewal=first_under(c2s_opened, "c2s"),
        msg_server_to_client_first_after_renewal=first_under(s2c_opened, "s2c"),
    )
    return recording


def algorithms_block(policy, mode, client_key):
    if policy.agreement == "ecdh":
        agreement = "ECDH " + {"secp256r1": "P-256", "secp384r1": "P-384"}.get(policy.curve.name, policy.curve.name)
    else:
        names = {"x25519": "ECDH X25519", "x448": "ECDH X448", "ffdhe3072": "DH ffdhe3072 (RFC 7919)"}
        agreement = names[policy.agreement]
    if policy.symmetric == CBC_HMAC:
        symmetric = f"HMAC-{policy.kdf_hash}/AES-{policy.encrypting_key_len * 8}-CBC"
    elif policy.symmetric == AES_GCM:
        symmetric = f"AES-{policy.encrypting_key_len * 8}-GCM"
    else:
        symmetric = CHACHA
    asym = {"ECDSA": f"ECDSA-{policy.asymmetric_hash} raw r||s", "RSA-PKCS1v15": "RSA-PKCS1v15-SHA256"}.get(
        policy.asymmetric, policy.asymmetric)
    return {
        "key_derivation": f"HKDF-{policy.kdf_hash}",
        "ephemeral_key_agreement": agreement,
        "symmetric": symmetric,
        "aead": policy.aead,
        "asymmetric_signature": asym,
        "asymmetric_signature_len": asymmetric_signature_len(policy, client_key),
        "symmetric_signature_len": policy.symmetric_signature_len,
        "key_sizes_signing_encrypting_iv": list(derived_lengths(policy, mode)),
        "policy_key_sizes_signing_encrypting_iv": [policy.signing_key_len, policy.encrypting_key_len, policy.iv_len],
        "nonce_len": policy.nonce_len,
        "secure_channel_enhancements": policy.sce,
        "aead_sign_mode_key": policy.sign_mode_key,
    }


# =================================================================================================
# verify
# =================================================================================================

Summary = namedtuple("Summary", "policy mode exchanges opened flips")
RECORDER_FORMAT = "uasc-recorder-1"  # the minimal recordings that `complete` reads


def field(record, name, where):
    expect(name in record, f"{where}: field {name} missing")
    return record[name]


def check_algorithms(policy, mode, block, client_cert):
    """The recording's own description must agree with this script's policy table (§1)."""
    if block is None:
        return
    expect_eq("algorithms.key_sizes_signing_encrypting_iv", block.get("key_sizes_signing_encrypting_iv"),
              list(derived_lengths(policy, mode)))
    expect_eq("algorithms.policy_key_sizes_signing_encrypting_iv", block.get("policy_key_sizes_signing_encrypting_iv"),
              [policy.signing_key_len, policy.encrypting_key_len, policy.iv_len])
    expect_eq("algorithms.nonce_len", block.get("nonce_len"), policy.nonce_len)
    expect_eq("algorithms.secure_channel_enhancements", block.get("secure_channel_enhancements"), policy.sce)
    expect_eq("algorithms.aead", block.get("aead"), policy.aead)
    expect_eq("algorithms.symmetric_signature_len", block.get("symmetric_signature_len"),
              policy.symmetric_signature_len)
    expect_eq("algorithms.asymmetric_signature_len", block.get("asymmetric_signature_len"),
              asymmetric_signature_len(policy, client_cert.public_key()))
    expect_eq("algorithms.key_derivation", block.get("key_derivation"), f"HKDF-{policy.kdf_hash}")
    if policy.aead:
        expect_eq("algorithms.aead_sign_mode_key", block.get("aead_sign_mode_key"), policy.sign_mode_key)


def check_private_key_pem(pem, cert, role):
    if pem is None:
        return
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    form = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    expect_eq(f"{role} private key matches its certificate", key.public_key().public_bytes(*form),
              cert.public_key().public_bytes(*form))


def agree(policy, mode, private_keys, nonces, previous_ikm, where):
    """§3, §4, §5: the two ephemeral private keys (bytes) must give the two nonces, both sides must
    compute the same shared secret; returns (shared secret, IKM, ChannelKeys)."""
    c_priv = load_ephemeral_private(policy, private_keys[0])
    s_priv = load_ephemeral_private(policy, private_keys[1])
    c_nonce, s_nonce = nonces
    expect(c_nonce is not None and s_nonce is not None, f"{where}: a null nonce")
    expect_eq(f"{where} client public key == ClientNonce", public_nonce(policy, c_priv), c_nonce)
    expect_eq(f"{where} server public key == ServerNonce", public_nonce(policy, s_priv), s_nonce)
    shared = shared_secret(policy, c_priv, s_nonce)
    expect_eq(f"{where} shared secret computed by both sides", shared_secret(policy, s_priv, c_nonce), shared)
    ikm = next_ikm(policy, previous_ikm, shared)
    return shared, ikm, derive_channel_keys(policy, mode, ikm, c_nonce, s_nonce)


def verify_key_agreement(policy, mode, ex, previous_ikm, where):
    """§3, §4, §5: from the two ephemeral private keys to the recorded keys."""
    private_keys = (unhex(field(ex, "client_ephemeral_private_key_hex", where)),
                    unhex(field(ex, "server_ephemeral_private_key_hex", where)))
    c_nonce = unhex(field(ex, "client_nonce_hex", where))
    s_nonce = unhex(field(ex, "server_nonce_hex", where))
    shared, ikm, keys = agree(policy, mode, private_keys, (c_nonce, s_nonce), previous_ikm, where)
    expect_eq(f"{where} ecdh_shared_secret_hex", unhex(field(ex, "ecdh_shared_secret_hex", where)), shared)
    expect_eq(f"{where} hkdf_ikm_hex", unhex(field(ex, "hkdf_ikm_hex", where)), ikm)
    expect_eq(f"{where} hkdf_L", field(ex, "hkdf_L", where), keys.L)
    expect_eq(f"{where} client_salt_hex", unhex(field(ex, "client_salt_hex", where)), keys.client_salt)
    expect_eq(f"{where} server_salt_hex", unhex(field(ex, "server_salt_hex", where)), keys.server_salt)
    expect_eq(f"{where} client_keys", field(ex, "client_keys", where), keys_json(keys.client))
    expect_eq(f"{where} server_keys", field(ex, "server_keys", where), keys_json(keys.server))
    return ikm, keys, c_nonce, s_nonce


def check_opn_against_record(chunk, rec, sender_der, receiver_der, header_channel, where):
    expect_eq(f"{where} header SecureChannelId", chunk.channel_id, header_channel)
    expect_eq(f"{where} SenderCertificate", chunk.sender_der, sender_der)
    expect_eq(f"{where} ReceiverCertificateThumbprint = SHA-1(receiver DER)", chunk.receiver_thumbprint,
              hashlib.sha1(receiver_der).digest())
    expected = {
        "sender_certificate_der_hex": chunk.sender_der.hex(),
        "receiver_thumbprint_hex": chunk.receiver_thumbprint.hex(),
        "asym_header_len": chunk.asym_header_len,
        "signed_data_hex": chunk.signed_data.hex(),
        "signature_hex": chunk.signature.hex(),
        "sequence_number": chunk.sequence_number,
        "request_id": chunk.request_id,
        "body_hex": chunk.body.hex(),
    }
    for name, value in expected.items():
        expect_eq(f"{where} {name}", field(rec, name, where), value)
    optional = {
        "trailing_bytes_before_signature_hex": chunk.trailer.hex(),
        "signature_len": len(chunk.signature),
        "message_size": len(chunk.raw),
        "secure_channel_id": chunk.channel_id,
        "encrypted": False,  # §2: OPN chunks of these policies are signed, not encrypted
    }
    for name, value in optional.items():
        if name in rec:
            expect_eq(f"{where} {name}", rec[name], value)


def verify_opn_exchange(policy, mode, ex, issue, channel_id, client_der, server_der, nonces, where):
    """§2 and §6 for one OPN request/response pair."""
    c_nonce, s_nonce = nonces
    req_rec, resp_rec = field(ex, "opn_request", where), field(ex, "opn_response", where)
    req = parse_opn_chunk(policy, unhex(field(req_rec, "raw_chunk_hex", where)), True)
    resp = parse_opn_chunk(policy, unhex(field(resp_rec, "raw_chunk_hex", where)), False)
    check_opn_against_record(req, req_rec, client_der, server_der, 0 if issue else channel_id, f"{where} request")
    check_opn_against_record(resp, resp_rec, server_der, client_der, channel_id, f"{where} response")
    expect_eq(f"{where} response RequestId", resp.request_id, req.request_id)
    q, a = req.fields, resp.fields
    expect_eq(f"{where} ClientProtocolVersion", q["protocol_version"], 0)
    expect_eq(f"{where} RequestType", q["request_type"], REQUEST_TYPES["Issue" if issue else "Renew"])
    expect_eq(f"{where} SecurityMode", q["security_mode"], MODES[mode])
    expect_eq(f"{where} ClientNonce in the body", q["client_nonce"], c_nonce)
    expect_eq(f"{where} ServerNonce in the body", a["server_nonce"], s_nonce)
    expect_eq(f"{where} ServiceResult", a["service_result"], 0)
    expect_eq(f"{where} response RequestHandle", a["handle"], q["handle"])
    expect_eq(f"{where} SecurityToken.ChannelId", a["channel_id"], channel_id)
    expect_eq(f"{where} SecurityToken.TokenId", a["token_id"], field(ex, "token_id", where))
    verify_opn_signature(policy, req)
    appended = req.signature if (policy.sce and issue) else b""  # §6, first exchange only
    verify_opn_signature(policy, resp, appended)
    return req, resp, appended


def opn_flips_rejected(policy, chunk, is_request, appended):
    """Flipping sampled bytes of an OPN (every header byte, then every 13th byte) must break it."""
    positions = sorted(set(range(min(len(chunk.raw), 24))) | set(range(0, len(chunk.raw), 13)) | {len(chunk.raw) - 1})
    for i in positions:
        mutated = bytearray(chunk.raw)
        mutated[i] ^= 0x01
        try:
            flipped = parse_opn_chunk(policy, bytes(mutated), is_request)
            verify_opn_signature(policy, flipped, appended)
        except (Mismatch, ValueError, UnicodeDecodeError):
            continue
        raise Mismatch(f"OPN with byte {i} flipped still verifies")
    return len(positions)


def check_chunk_against_record(policy, info, raw, previous_seq, rec, index, where):
    required = {
        "raw_chunk_hex": raw.hex(),
        "token_id": info.token_id,
        "sequence_number": info.sequence_number,
        "request_id": info.request_id,
        "plaintext_hex": info.plaintext.hex(),
        "body_hex": info.body.hex(),
    }
    if policy.aead:
        required.update(aead_nonce_hex=info.aead_nonce.hex(), previous_sequence_number=previous_seq,
                        aad_hex=info.aad.hex(), tag_hex=info.tag.hex())
    for name, value in required.items():
        expect_eq(f"{where} {name}", field(rec, name, where), value)
    optional = {
        "message_type": info.message_type.decode(),
        "chunk_type": info.chunk_type.decode(),
        "secure_channel_id": info.channel_id,
        "signature_hex": info.signature.hex(),
        "padding_size_byte": info.padding_size,
        "index_in_stream": index,
    }
    for name, value in optional.items():
        if name in rec:
            expect_eq(f"{where} {name}", rec[name], value)


def walk_direction(policy, mode, stream, name, keys_by_token, channel_id, opn_chunks):
    """Walks one direction's chunk stream in order and yields every MSG/CLO chunk opened, as
    (stream index, raw, ChunkInfo, previous sequence number, starts a message, label).

    HEL/ACK/ERR/RHE are passed over. The OPNs must be `opn_chunks`, in order; `keys_by_token` holds
    the keys of this direction by TokenId in exchange order, so that the n-th OPN issues the n-th
    TokenId, and a chunk may use a TokenId only after that OPN. Every MSG/CLO chunk opens with
    PrevSeq = the previous chunk's number (§7.2); sequence numbers start at 0 and go up by one,
    OPNs included (§1, LegacySequenceNumbers = FALSE); a 'C' chunk is continued by chunks of the same
    RequestId."""
    tokens = list(keys_by_token)
    last_seq, n_opn, n_sym, pending_multi = None, 0, 0, None
    for index, raw in enumerate(stream):
        kind = raw[:3]
        if kind in (b"HEL", b"ACK", b"ERR", b"RHE"):
            continue
        if kind == b"OPN":
            expect(n_opn < len(opn_chunks) and raw == opn_chunks[n_opn].raw,
                   f"{name}: OPN #{n_opn} in the stream differs from the verified exchange")
            seq = opn_chunks[n_opn].sequence_number
            n_opn += 1
        else:
            where = f"{name} chunk #{n_sym} (stream index {index})"
            expect(last_seq is not None, f"{where}: symmetric chunk before any OPN")
            info = open_chunk(policy, mode, keys_by_token, channel_id, raw, last_seq)
            expect(info.token_id in tokens[:n_opn],
                   f"{where}: TokenId {info.token_id} used before the OPN that issued it in this direction")
            starts_message = pending_multi is None
            if not starts_message:
                expect_eq(f"{where} RequestId of a continued message", info.request_id, pending_multi)
            pending_multi = info.request_id if info.chunk_type == b"C" else None
            yield index, raw, info, last_seq, starts_message, where
            seq = info.sequence_number
            n_sym += 1
        expect_eq(f"{name} sequence number", seq, 0 if last_seq is None else (last_seq + 1) & 0xFFFFFFFF)
        last_seq = seq
    expect_eq(f"{name}: OPN chunks found in the stream", n_opn, len(opn_chunks))
    expect(pending_multi is None, f"{name}: a multi-chunk message never ends")


def verify_direction(policy, mode, recording, name, keys_by_token, channel_id, opn_chunks):
    """Every MSG/CLO chunk of one direction (walk_direction) must match its recorded entry."""
    stream_field = "all_chunks_client_to_server_hex" if name == "c2s" else "all_chunks_server_to_client_hex"
    stream = split_chunks(field(recording, stream_field, "recording"))
    opened = field(field(recording, "symmetric_chunks_opened", "recording"), name, "symmetric_chunks_opened")
    n_sym, first = 0, None
    for index, raw, info, previous, starts_message, where in walk_direction(
        policy, mode, stream, name, keys_by_token, channel_id, opn_chunks
    ):
        expect(n_sym < len(opened), f"{where}: not listed in symmetric_chunks_opened")
        check_chunk_against_record(policy, info, raw, previous, opened[n_sym], index, where)
        type_id = opened[n_sym].get("body_type_id")
        if starts_message and type_id is not None:
            expect_eq(f"{where} body type", Reader(info.body).nodeid(), (0, type_id))
        if first is None:
            first = (raw, previous)
        n_sym += 1
    expect_eq(f"{name}: symmetric chunks in the stream", n_sym, len(opened))
    expect(first is not None, f"{name}: no symmetric chunk")
    return first, n_sym


def symmetric_flips_rejected(policy, mode, keys_by_token, channel_id, raw, previous_seq, name):
    """Every single-byte flip (XOR 0x01) of the chunk must make it fail to open."""
    for i in range(len(raw)):
        mutated = bytearray(raw)
        mutated[i] ^= 0x01
        try:
            open_chunk(policy, mode, keys_by_token, channel_id, bytes(mutated), previous_seq)
        except (Mismatch, ValueError):
            continue
        raise Mismatch(f"{name}: first chunk with byte {i} flipped still opens")
    return len(raw)


def verify_recording(recording):
    expect(isinstance(recording, dict), "the recording is not a JSON object")
    expect(recording.get("format") != RECORDER_FORMAT, f"a minimal {RECORDER_FORMAT} recording: `complete` reads it")
    name = field(recording, "security_policy", "recording")
    expect(name in POLICIES, f"unknown security_policy {name}")
    policy = POLICIES[name]
    expect_eq("security_policy_uri", field(recording, "security_policy_uri", "recording"), policy.uri)
    mode = field(recording, "security_mode", "recording")
    expect(mode in MODES, f"unknown security_mode {mode}")
    client_der = unhex(field(recording, "client_certificate_der_hex", "recording"))
    server_der = unhex(field(recording, "server_certificate_der_hex", "recording"))
    client_cert, server_cert = load_certificate(policy, client_der), load_certificate(policy, server_der)
    check_private_key_pem(recording.get("client_private_key_pem"), client_cert, "client")
    check_private_key_pem(recording.get("server_private_key_pem"), server_cert, "server")
    check_algorithms(policy, mode, recording.get("algorithms"), client_cert)
    channel_id = field(recording, "secure_channel_id", "recording")

    exchanges = [recording] + list(recording.get("renewals") or [])
    ikm, first_response_signature, flips = None, None, 0
    keys_by_token = {"c2s": {}, "s2c": {}}
    opn_chunks = {"c2s": [], "s2c": []}
    for i, ex in enumerate(exchanges):
        where = "Issue" if i == 0 else f"Renew #{i}"
        issue = i == 0
        if "request_type" in ex:
            expect_eq(f"{where} request_type", ex["request_type"], "Issue" if issue else "Renew")
        if "secure_channel_id" in ex:
            expect_eq(f"{where} secure_channel_id", ex["secure_channel_id"], channel_id)
        ikm, keys, c_nonce, s_nonce = verify_key_agreement(policy, mode, ex, ikm, where)
        req, resp, appended = verify_opn_exchange(policy, mode, ex, issue, channel_id, client_der, server_der,
                                                  (c_nonce, s_nonce), where)
        token = resp.fields["token_id"]
        expect(token not in keys_by_token["c2s"], f"{where}: TokenId {token} issued twice")
        keys_by_token["c2s"][token], keys_by_token["s2c"][token] = keys.client, keys.server
        opn_chunks["c2s"].append(req)
        opn_chunks["s2c"].append(resp)
        if issue:
            first_response_signature = resp.signature
            flips += opn_flips_rejected(policy, req, True, b"") + opn_flips_rejected(policy, resp, False, appended)

    # §6: ChannelThumbprint = the signature of the first OPN response (SCE only).
    thumbprint = recording.get("channel_thumbprint_hex")
    if policy.sce:
        expect_eq("channel_thumbprint_hex", unhex(thumbprint, "channel_thumbprint_hex"), first_response_signature)
    else:
        expect(thumbprint is None, "channel_thumbprint_hex present for a policy without SecureChannelEnhancements")

    opened = 0
    for name_dir in ("c2s", "s2c"):
        (raw, previous), count = verify_direction(policy, mode, recording, name_dir, keys_by_token[name_dir],
                                                  channel_id, opn_chunks[name_dir])
        opened += count
        flips += symmetric_flips_rejected(policy, mode, keys_by_token[name_dir], channel_id, raw, previous, name_dir)
    return Summary(policy.name, mode, len(exchanges), opened, flips)


def collect_files(paths):
    files = []
    for path in paths:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".json"))
        else:
            files.append(path)
    return files


def verify_file(path):
    """Returns (ok, one-line description)."""
    try:
        with open(path, encoding="utf-8") as handle:
            recording = json.load(handle)
        s = verify_recording(recording)
        return True, (f"OK    {os.path.basename(path)}: {s.policy} {s.mode}, {s.exchanges} exchanges, "
                      f"{s.opened} MSG/CLO chunks opened, {s.flips} byte flips rejected")
    except (Mismatch, ValueError, KeyError, TypeError, OSError, UnsupportedAlgorithm) as exc:
        return False, f"FAIL  {os.path.basename(path)}: {type(exc).__name__}: {exc}"


def run_verify(paths):
    files = collect_files(paths)
    failed = 0
    for path in files:
        ok, line = verify_file(path)
        failed += not ok
        print(line)
    print(f"independent: {len(files) - failed} files verified, {failed} failed")
    return 0 if files and failed == 0 else 1


def write_recording(recording, path):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(recording, handle, indent=1)
        handle.write("\n")


# =================================================================================================
# complete: a minimal recording (what the two channel ends knew) -> the full recording
# =================================================================================================

Hello = namedtuple("Hello", "receive_buffer send_buffer max_message max_chunks")
Message = namedtuple("Message", "request_id body chunks")


def uint32_field(record, name, where):
    value = field(record, name, where)
    expect(isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFFFF,
           f"{where}: {name} is not a UInt32")
    return value


def string_field(record, name, where, default=None):
    value = record.get(name, default)
    expect(isinstance(value, str), f"{where}: {name} is missing or not a string")
    return value


def hex_list_field(record, name):
    value = field(record, name, "recording")
    expect(isinstance(value, list) and all(isinstance(v, str) for v in value), f"{name} is not a list of hex strings")
    return value


def parse_hello(raw, kind):
    """HEL / ACK (OPC 10000-6 §7.1.2.3, §7.1.2.4): buffer sizes of at least 1024 (ECC), EndpointUrl < 4096."""
    label = kind.decode()
    r = Reader(raw)
    expect_eq(f"{label} MessageType", r.take(3), kind)
    expect_eq(f"{label} ChunkType", r.take(1), b"F")
    expect_eq(f"{label} MessageSize", r.u32(), len(raw))
    expect_eq(f"{label} ProtocolVersion", r.u32(), 0)
    hello = Hello(r.u32(), r.u32(), r.u32(), r.u32())
    if kind == b"HEL":
        url = r.string()
        expect(url is None or len(url.encode("utf-8")) < 4096, "HEL EndpointUrl of 4096 bytes or more")
    expect_eq(f"{label} length", r.pos, len(raw))
    expect(hello.receive_buffer >= 1024 and hello.send_buffer >= 1024, f"{label} buffer size below 1024")
    return hello


def connection_messages(c2s, s2c):
    """HEL and ACK are optional, recorded together, each first in its direction. Otherwise the
    client sends only OPN, MSG and a final CLO, the server only OPN and MSG. Returns (HEL, ACK)."""
    for name, stream, allowed, first in (("c2s", c2s, (b"OPN", b"MSG", b"CLO"), b"HEL"),
                                         ("s2c", s2c, (b"OPN", b"MSG"), b"ACK")):
        for i, raw in enumerate(stream):
            kind = raw[:3]
            if kind == first:
                expect(i == 0, f"{name}: {first.decode()} at stream index {i}, not first")
            else:
                expect(kind in allowed, f"{name}: unexpected {kind!r} at stream index {i}")
            if kind == b"CLO":
                expect(i == len(stream) - 1, f"{name}: CLO at stream index {i} is not the last chunk")
    hel = parse_hello(c2s[0], b"HEL") if c2s and c2s[0][:3] == b"HEL" else None
    ack = parse_hello(s2c[0], b"ACK") if s2c and s2c[0][:3] == b"ACK" else None
    expect((hel is None) == (ack is None), "only one of HEL and ACK recorded")
    if hel is not None:
        expect(ack.receive_buffer <= hel.send_buffer, "ACK ReceiveBufferSize above the HEL SendBufferSize")
        expect(ack.send_buffer <= hel.receive_buffer, "ACK SendBufferSize above the HEL ReceiveBufferSize")
    return hel, ack


def known_body_type(body):
    """The NodeId at the start of a message body if it is one of the encoding ids named here."""
    try:
        ns, ident = Reader(body).nodeid()
    except (Mismatch, ValueError):
        return None
    return ident if ns == 0 and isinstance(ident, int) and ident in BODY_TYPE_NAMES else None


def reassemble(records):
    """The MSG messages of one direction in the order of their final chunks; an 'A' chunk drops its
    message (walk_direction has checked that the chunks of a message are not interleaved)."""
    messages, parts = [], []
    for record in records:
        if record["message_type"] != "MSG":
            continue
        parts.append(record)
        if record["chunk_type"] == "F":
            body = b"".join(bytes.fromhex(p["body_hex"]) for p in parts)
            messages.append(Message(record["request_id"], body, len(parts)))
        if record["chunk_type"] != "C":
            parts = []
    return messages


def check_close(records):
    """A CLO body is a CloseSecureChannelRequest: its NodeId (i=452) and a RequestHeader, nothing more."""
    for record in records:
        if record["message_type"] == "CLO":
            body = bytes.fromhex(record["body_hex"])
            r = Reader(body)
            expect_eq("CLO body type", r.nodeid(), (0, CLOSE_SECURE_CHANNEL_REQUEST))
            read_request_header(r)
            expect_eq("CLO CloseSecureChannelRequest length", r.pos, len(body))


def check_limits(name, stream, messages, buffer_size, max_message, max_chunks):
    """The receiver's negotiated limits: every chunk fits its buffer; MaxMessageSize bounds the
    reassembled body and MaxChunkCount the chunks of a message (0 = no limit)."""
    for i, raw in enumerate(stream):
        if raw[:3] in (b"HEL", b"ACK"):
            continue
        expect(len(raw) <= buffer_size, f"{name}: stream index {i} is {len(raw)} bytes, above the buffer size "
                                        f"{buffer_size}")
    for k, message in enumerate(messages):
        expect(not max_message or len(message.body) <= max_message,
               f"{name}: message #{k} of {len(message.body)} bytes above MaxMessageSize {max_message}")
        expect(not max_chunks or message.chunks <= max_chunks,
               f"{name}: message #{k} of {message.chunks} chunks above MaxChunkCount {max_chunks}")


def complete_recording(minimal):
    """Verifies a minimal recording and builds the full one. Everything derived (nonces, shared
    secrets, IKM, salts, keys, OPN fields, opened chunks) is computed here from the ephemeral private
    keys, the certificates and the chunk streams. Returns (recording, Summary, messages matched)."""
    expect(isinstance(minimal, dict), "the recording is not a JSON object")
    expect_eq("format", minimal.get("format"), RECORDER_FORMAT)
    name = field(minimal, "security_policy", "recording")
    expect(name in POLICIES, f"unknown security_policy {name}")
    policy = POLICIES[name]
    if "security_policy_uri" in minimal:
        expect_eq("security_policy_uri", minimal["security_policy_uri"], policy.uri)
    mode = field(minimal, "security_mode", "recording")
    expect(mode in MODES, f"unknown security_mode {mode}")
    channel_id = uint32_field(minimal, "secure_channel_id", "recording")
    expect(channel_id != 0, "secure_channel_id is 0")
    client_der = unhex(field(minimal, "client_certificate_der_hex", "recording"))
    server_der = unhex(field(minimal, "server_certificate_der_hex", "recording"))
    client_pem = string_field(minimal, "client_private_key_pem", "recording")
    server_pem = string_field(minimal, "server_private_key_pem", "recording")
    check_private_key_pem(client_pem, load_certificate(policy, client_der), "client")
    check_private_key_pem(server_pem, load_certificate(policy, server_der), "server")
    header = {
        "description": string_field(minimal, "description", "recording", ""),
        "client_stack": string_field(minimal, "client_stack", "recording", "uasc"),
        "server_stack": string_field(minimal, "server_stack", "recording", "uasc"),
    }
    exchanges = field(minimal, "exchanges", "recording")
    expect(isinstance(exchanges, list) and len(exchanges) >= 2, "exchanges: the Issue and at least one Renew needed")
    # TCP may have cut the bytes anywhere: the entries are joined, then split at MessageSize.
    c2s = split_chunks("".join(hex_list_field(minimal, "all_chunks_client_to_server_hex")))
    s2c = split_chunks("".join(hex_list_field(minimal, "all_chunks_server_to_client_hex")))
    hel, ack = connection_messages(c2s, s2c)
    opns = {"c2s": [raw for raw in c2s if raw[:3] == b"OPN"], "s2c": [raw for raw in s2c if raw[:3] == b"OPN"]}
    for name_dir, found in opns.items():
        expect_eq(f"{name_dir}: OPN chunks (one per exchange)", len(found), len(exchanges))

    # §2-§6: the n-th OPN of each direction belongs to exchange n.
    ikm, thumbprint, records = None, None, []
    keys_by_token = {"c2s": {}, "s2c": {}}
    opn_chunks = {"c2s": [], "s2c": []}
    for i, ex in enumerate(exchanges):
        issue = i == 0
        where = "Issue" if issue else f"Renew #{i}"
        request_type = "Issue" if issue else "Renew"
        expect(isinstance(ex, dict), f"{where}: not a JSON object")
        expect_eq(f"{where} request_type", field(ex, "request_type", where), request_type)
        token_id = uint32_field(ex, "token_id", where)
        private_keys = (unhex(field(ex, "client_ephemeral_private_key_hex", where)),
                        unhex(field(ex, "server_ephemeral_private_key_hex", where)))
        req = parse_opn_chunk(policy, opns["c2s"][i], True)
        resp = parse_opn_chunk(policy, opns["s2c"][i], False)
        expect_eq(f"{where} TokenId of the OPN response", resp.fields["token_id"], token_id)
        expect(token_id not in keys_by_token["c2s"], f"{where}: TokenId {token_id} issued twice")
        nonces = (req.fields["client_nonce"], resp.fields["server_nonce"])
        shared, ikm, keys = agree(policy, mode, private_keys, nonces, ikm, where)
        record = exchange_record(request_type, req, resp, private_keys, shared, ikm, keys, policy.sce and issue)
        verify_opn_exchange(policy, mode, record, issue, channel_id, client_der, server_der, nonces, where)
        keys_by_token["c2s"][token_id], keys_by_token["s2c"][token_id] = keys.client, keys.server
        opn_chunks["c2s"].append(req)
        opn_chunks["s2c"].append(resp)
        records.append(record)
        if issue and policy.sce:
            thumbprint = resp.signature  # §6: the ChannelThumbprint

    # §7: every MSG/CLO chunk opened with the keys derived here; the messages as the ends gave them.
    first_tokens = [ex["token_id"] for ex in records[:2]]
    opened, matched = {}, 0
    for name_dir, stream, messages_field in (("c2s", c2s, "messages_client_to_server_hex"),
                                             ("s2c", s2c, "messages_server_to_client_hex")):
        opened[name_dir] = [
            chunk_record(raw, info, previous, index, known_body_type(info.body) if starts else None)
            for index, raw, info, previous, starts, _ in walk_direction(
                policy, mode, stream, name_dir, keys_by_token[name_dir], channel_id, opn_chunks[name_dir])
        ]
        used = {record["token_id"] for record in opened[name_dir]}
        for token in first_tokens:
            expect(token in used, f"{name_dir}: no MSG/CLO chunk under TokenId {token}")
        messages = reassemble(opened[name_dir])
        wanted = [unhex(m, messages_field) for m in hex_list_field(minimal, messages_field)]
        expect_eq(f"{name_dir}: message count against {messages_field}", len(messages), len(wanted))
        for k, (message, want) in enumerate(zip(messages, wanted)):
            expect_eq(f"{name_dir}: message #{k} (RequestId {message.request_id}) against {messages_field}[{k}]",
                      message.body, want)
        matched += len(messages)
        if hel is not None:
            limits = (ack.receive_buffer, ack.max_message, ack.max_chunks) if name_dir == "c2s" else \
                (ack.send_buffer, hel.max_message, hel.max_chunks)
            check_limits(name_dir, stream, messages, *limits)
    check_close(opened["c2s"])

    recording = build_recording(policy, mode, header, records, thumbprint, (client_der, client_pem),
                                (server_der, server_pem), (c2s, s2c), (opened["c2s"], opened["s2c"]))
    return recording, verify_recording(recording), matched


def complete_file(path, out_dir, written):
    """Returns (ok, one-line description); writes OUT_DIR/<basename> only when everything passed."""
    base = os.path.basename(path)
    out = os.path.join(out_dir, base)
    try:
        expect(base not in written, f"a second input named {base}")
        expect(not (os.path.exists(out) and os.path.samefile(path, out)), "the output would overwrite the input")
        with open(path, encoding="utf-8") as handle:
            minimal = json.load(handle)
        recording, s, matched = complete_recording(minimal)
        write_recording(recording, out)
        written.add(base)
        return True, (f"OK    {base}: {s.policy} {s.mode}, {s.exchanges} exchanges, {s.opened} MSG/CLO chunks "
                      f"opened, {matched} messages matched, {s.flips} byte flips rejected -> {out}")
    except (Mismatch, ValueError, KeyError, TypeError, OSError, UnsupportedAlgorithm) as exc:
        return False, f"FAIL  {base}: {type(exc).__name__}: {exc}"


def run_complete(out_dir, paths):
    files = collect_files(paths)
    os.makedirs(out_dir, exist_ok=True)
    failed, written = 0, set()
    for path in files:
        ok, line = complete_file(path, out_dir, written)
        failed += not ok
        print(line)
    print(f"independent: {len(files) - failed} recordings completed and verified, {failed} failed")
    return 0 if files and failed == 0 else 1


# =================================================================================================
# selftest
# =================================================================================================


def minimal_recording(recording):
    """The selftest's view of a full recording as the recorder would have made it: what the two ends
    knew, with every derived field stripped and the application's MSG messages reassembled."""

    def messages(opened):
        out, body = [], b""
        for record in opened:
            if record["message_type"] != "MSG":
                continue
            body += bytes.fromhex(record["body_hex"])
            if record["chunk_type"] != "C":
                if record["chunk_type"] == "F":
                    out.append(body.hex())
                body = b""
        return out

    keep = ("description", "client_stack", "server_stack", "security_policy", "security_policy_uri",
            "security_mode", "secure_channel_id", "client_certificate_der_hex", "server_certificate_der_hex",
            "client_private_key_pem", "server_private_key_pem", "all_chunks_client_to_server_hex",
            "all_chunks_server_to_client_hex")
    minimal = {"format": RECORDER_FORMAT}
    minimal.update({name: copy.deepcopy(recording[name]) for name in keep})
    minimal["exchanges"] = [
        {name: ex[name] for name in ("request_type", "token_id", "client_ephemeral_private_key_hex",
                                     "server_ephemeral_private_key_hex")}
        for ex in [recording] + recording["renewals"]
    ]
    minimal["messages_client_to_server_hex"] = messages(recording["symmetric_chunks_opened"]["c2s"])
    minimal["messages_server_to_client_hex"] = messages(recording["symmetric_chunks_opened"]["s2c"])
    return minimal


def hello_chunk(kind, receive_buffer, send_buffer, max_message, max_chunks, url=None):
    w = Writer().u32(0).u32(receive_buffer).u32(send_buffer).u32(max_message).u32(max_chunks)
    if kind == b"HEL":
        w.string(url)
    body = w.bytes()
    return kind + b"F" + struct.pack("<I", 8 + len(body)) + body


def differing_fields(completed, synthesized):
    """Top-level fields in which a completed recording differs from the synthesized one it came
    from (the seed is synthesize's own)."""
    want = {k: v for k, v in synthesized.items() if k != "seed"}
    names = sorted(set(want) | set(completed))
    return [n for n in names if json.dumps(completed.get(n), sort_keys=True) != json.dumps(want.get(n), sort_keys=True)]


def selftest(captures, keep):
    started = time.monotonic()
    problems = []

    def check(label, condition):
        print(f"{'ok  ' if condition else 'FAIL'}  {label}")
        if not condition:
            problems.append(label)

    def rejects(fn):
        try:
            fn()
        except Mismatch:
            return True
        return False

    # §8: the prime is RFC 7919's, and it is a safe prime.
    check("ffdhe3072 p equals RFC 7919's formula 2^3072 - 2^3008 + {[2^2942 e] + 2625351} 2^64 - 1",
          ffdhe3072_matches_rfc7919_formula())
    check("ffdhe3072 p and (p-1)/2 are (probable) primes",
          is_probable_prime(FFDHE3072_P, 8) and is_probable_prime((FFDHE3072_P - 1) // 2, 8))
    rsa_dh = POLICIES["RSA_DH_AesGcm"]
    x = load_ephemeral_private(rsa_dh, generate_ephemeral_private(rsa_dh, random.Random(1)))
    for label, y in (("0", 0), ("1", 1), ("p-1", FFDHE3072_P - 1), ("p", FFDHE3072_P)):
        check(f"ffdhe3072 public value {label} rejected",
              rejects(lambda y=y: shared_secret(rsa_dh, x, y.to_bytes(FFDHE_LEN, "big"))))
    check("ffdhe3072 public value 2 accepted",
          not rejects(lambda: shared_secret(rsa_dh, x, (2).to_bytes(FFDHE_LEN, "big"))))
    p256 = POLICIES["ECC_nistP256"]
    k = load_ephemeral_private(p256, generate_ephemeral_private(p256, random.Random(2)))
    off_curve = bytearray(public_nonce(p256, k))
    off_curve[-1] ^= 1
    check("P-256 point off the curve rejected", rejects(lambda: shared_secret(p256, k, bytes(off_curve))))
    c25519 = POLICIES["ECC_curve25519"]
    k = load_ephemeral_private(c25519, generate_ephemeral_private(c25519, random.Random(3)))
    check("X25519 low-order point (all-zero secret) rejected", rejects(lambda: shared_secret(c25519, k, bytes(32))))

    # §4: HKDF written here = RFC 5869 A.1 = cryptography's HKDF.
    okm = hkdf("SHA256", b"\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42)
    check("HKDF-SHA256 reproduces RFC 5869 test case 1",
          okm.hex() == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    ref = HKDF(hashes.SHA384(), 76, b"salt", b"info").derive(b"ikm")
    check("HKDF-SHA384 equals cryptography's HKDF", hkdf("SHA384", b"ikm", b"salt", b"info", 76) == ref)

    # All 20 policies x 2 modes, synthesized and verified.
    directory = keep or tempfile.mkdtemp(prefix="uasc-independent-")
    os.makedirs(directory, exist_ok=True)
    passed, synthesized_paths = 0, []
    for i, name in enumerate(POLICIES):
        for mode in MODES:
            path = os.path.join(directory, f"independent_{name}_{mode}.json")
            synthesized_paths.append(path)
            write_recording(synthesize(name, mode, seed=1000 + i * 2 + (mode == "Sign")), path)
            ok, line = verify_file(path)
            print(line)
            passed += ok
            if not ok:
                problems.append(line)
    total = 2 * len(POLICIES)
    print(f"independent: {passed} files verified, {total - passed} failed")

    # complete: each synthesized recording, stripped to the minimal format and completed, gives the
    # synthesized recording back, field for field.
    if keep:
        for sub in ("minimal", "completed"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
    round_trips = 0
    for path in synthesized_paths:
        f = os.path.basename(path)
        with open(path, encoding="utf-8") as handle:
            synthesized = json.load(handle)
        minimal = minimal_recording(synthesized)
        try:
            completed, _, _ = complete_recording(minimal)
            differs = differing_fields(completed, synthesized)
        except Mismatch as exc:
            differs = [f"complete failed: {exc}"]
        if keep:
            write_recording(minimal, os.path.join(directory, "minimal", f))
            if not differs:
                write_recording(completed, os.path.join(directory, "completed", f))
        round_trips += not differs
        if differs:
            problems.append(f"complete {f}: {differs[:5]}")
            print(f"FAIL  complete {f}: differs in {differs[:5]}")
    check(f"complete: {round_trips} of {total} minimal recordings give the synthesized recording back",
          round_trips == total)

    # --seed reproduces a recording byte for byte.
    for name in ("ECC_brainpoolP384r1_AesGcm", "RSA_DH_ChaChaPoly"):
        same = json.dumps(synthesize(name, "Sign", seed=7)) == json.dumps(synthesize(name, "Sign", seed=7))
        check(f"synthesize --seed is reproducible ({name})", same)

    # Negative checks: tampered recordings and deliberately wrong protocol variants must fail.
    base = synthesize("ECC_nistP256_AesGcm", "SignAndEncrypt", seed=11)

    def tampered(edit):
        rec = copy.deepcopy(base)
        edit(rec)
        try:
            verify_recording(rec)
        except (Mismatch, ValueError, KeyError, TypeError):
            return True
        return False

    def flip_hex(text, index):
        data = bytearray.fromhex(text)
        data[index] ^= 0x01
        return data.hex()

    def flip_chunk_everywhere(rec):
        entry = rec["symmetric_chunks_opened"]["s2c"][2]
        flipped = flip_hex(entry["raw_chunk_hex"], 40)
        stream = rec["all_chunks_server_to_client_hex"]
        stream[stream.index(entry["raw_chunk_hex"])] = flipped
        entry["raw_chunk_hex"] = flipped

    edits = {
        "a byte of a MSG chunk (stream and record)": flip_chunk_everywhere,
        "a recorded body_hex": lambda r: r["symmetric_chunks_opened"]["c2s"][1].update(
            body_hex=flip_hex(r["symmetric_chunks_opened"]["c2s"][1]["body_hex"], 5)),
        "the server IV": lambda r: r["server_keys"].update(iv=flip_hex(r["server_keys"]["iv"], 0)),
        "the renewal's shared secret": lambda r: r["renewals"][0].update(
            ecdh_shared_secret_hex=flip_hex(r["renewals"][0]["ecdh_shared_secret_hex"], 3)),
        "the OPN request signature": lambda r: r["opn_request"].update(
            raw_chunk_hex=flip_hex(r["opn_request"]["raw_chunk_hex"], -1)),
        "the channel thumbprint": lambda r: r.update(channel_thumbprint_hex=flip_hex(r["channel_thumbprint_hex"], 0)),
        "the security mode": lambda r: r.update(security_mode="Sign"),
        "two chunks swapped in the stream": lambda r: r["all_chunks_client_to_server_hex"].__setitem__(
            slice(1, 3), r["all_chunks_client_to_server_hex"][2:0:-1]),
        "a MSG chunk dropped": lambda r: (r["all_chunks_client_to_server_hex"].pop(2),
                                          r["symmetric_chunks_opened"]["c2s"].pop(1)),
    }
    for label, edit in edits.items():
        check(f"tampered recording fails: {label}", tampered(edit))

    for deviation, name, mode in (
        ("sce_plain_first_signature", "ECC_curve448_ChaChaPoly", "Sign"),
        ("unchained_renewal", "RSA_DH_AesGcm", "SignAndEncrypt"),
        ("chained_non_sce", "ECC_nistP384", "SignAndEncrypt"),
        ("nonce_own_seq", "ECC_curve25519", "Sign"),
        ("thumbprint_of_sender", "ECC_brainpoolP256r1_ChaChaPoly", "Sign"),
        ("sign_l_full", "ECC_nistP256", "Sign"),
    ):
        try:
            verify_recording(synthesize(name, mode, seed=5, deviation=deviation))
            rejected = False
        except Mismatch:
            rejected = True
        check(f"deviation {deviation} ({name} {mode}) fails", rejected)
    try:
        verify_recording(synthesize("ECC_nistP256_ChaChaPoly", "Sign", seed=6, deviation="opn_padding_byte"))
        tolerated = True
    except Mismatch:
        tolerated = False
    check("open62541's 00 byte before the OPN signature is tolerated (D2)", tolerated)

    # complete: HEL/ACK and chunks cut anywhere are accepted; what does not follow the rules fails.
    def completes(minimal):
        try:
            return complete_recording(minimal)[0], None
        except (Mismatch, ValueError, KeyError, TypeError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    small = minimal_recording(base)
    whole = [bytes.fromhex(c) for c in small["all_chunks_client_to_server_hex"]]
    whole_s2c = [bytes.fromhex(c) for c in small["all_chunks_server_to_client_hex"]]
    framed = copy.deepcopy(small)
    c2s_bytes = (hello_chunk(b"HEL", 65536, 65536, 0, 0, "opc.tcp://localhost:4840") + b"".join(whole)).hex()
    framed["all_chunks_client_to_server_hex"] = [c2s_bytes[i : i + 202] for i in range(0, len(c2s_bytes), 202)]
    framed["all_chunks_server_to_client_hex"] = [(hello_chunk(b"ACK", 65536, 65536, 0, 0)
                                                  + b"".join(whole_s2c)).hex()]
    completed, reason = completes(framed)
    check("complete accepts HEL/ACK and a stream cut at arbitrary points",
          completed is not None
          and completed["all_chunks_client_to_server_hex"][1:] == base["all_chunks_client_to_server_hex"]
          and completed["symmetric_chunks_opened"]["c2s"][0]["index_in_stream"] == 2)
    if reason:
        print(f"      {reason}")

    def flip_ciphertext(m):
        stream = m["all_chunks_client_to_server_hex"]
        index = [i for i, c in enumerate(stream) if c.startswith(b"MSG".hex())][1]
        stream[index] = flip_hex(stream[index], 30)

    def other_ephemeral_key(m):
        policy = POLICIES[m["security_policy"]]
        m["exchanges"][1]["server_ephemeral_private_key_hex"] = generate_ephemeral_private(
            policy, random.Random(99)).hex()

    def chunk_limit(m):
        m["all_chunks_client_to_server_hex"].insert(0, hello_chunk(b"HEL", 65536, 65536, 0, 0).hex())
        m["all_chunks_server_to_client_hex"].insert(0, hello_chunk(b"ACK", 65536, 65536, 0, 1).hex())

    sce_plain = minimal_recording(synthesize("ECC_nistP256_AesGcm", "SignAndEncrypt", seed=12,
                                             deviation="sce_plain_first_signature"))
    negatives = (
        ("a flipped ciphertext byte", small, flip_ciphertext, "AEAD tag does not verify"),
        ("a wrong ephemeral private key", small, other_ephemeral_key, "server public key == ServerNonce"),
        ("a wrong message", small, lambda m: m["messages_server_to_client_hex"].__setitem__(
            1, flip_hex(m["messages_server_to_client_hex"][1], 7)), "against messages_server_to_client_hex[1]"),
        ("a missing message", small, lambda m: m["messages_client_to_server_hex"].pop(), "message count"),
        ("a wrong TokenId", small, lambda m: m["exchanges"][1].update(token_id=m["exchanges"][1]["token_id"] + 1),
         "TokenId of the OPN response"),
        ("a message above the server's MaxChunkCount", small, chunk_limit, "MaxChunkCount 1"),
        ("a first SCE response signed without the request signature", sce_plain, lambda m: None,
         "OPN signature does not verify"),
    )
    for label, start, edit, want in negatives:
        minimal = copy.deepcopy(start)
        edit(minimal)
        completed, reason = completes(minimal)
        check(f"complete fails: {label} ({(reason or 'accepted')[:100]})", completed is None and want in (reason or ""))

    # The open62541 captures, when present.
    if captures and os.path.isdir(captures):
        files = collect_files([captures])
        good = 0
        for path in files:
            ok, line = verify_file(path)
            print(line)
            good += ok
        check(f"captures in {captures}: {good} of {len(files)} verified", files and good == len(files))
    else:
        print(f"note  no capture directory ({captures}); captures not checked")

    if not keep:
        for f in os.listdir(directory):
            os.remove(os.path.join(directory, f))
        os.rmdir(directory)
    elapsed = time.monotonic() - started
    print(f"selftest: {'passed' if not problems else f'{len(problems)} problem(s)'} in {elapsed:.1f} s")
    return 0 if not problems else 1


# =================================================================================================
# CLI
# =================================================================================================


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify", help="verify recordings (files or directories of *.json)")
    p.add_argument("paths", nargs="+")
    p = sub.add_parser("complete", help=f"verify minimal {RECORDER_FORMAT} recordings and write them in full")
    p.add_argument("--out", required=True, help="directory for the full recordings (same file names)")
    p.add_argument("paths", nargs="+")
    p = sub.add_parser("synthesize", help="write a recording made by this script")
    p.add_argument("--policy", required=True, choices=sorted(POLICIES))
    p.add_argument("--mode", required=True, choices=list(MODES))
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, help="reproducible keys, nonces and bodies (default: fresh randomness)")
    p = sub.add_parser("selftest", help="synthesize and verify all 40 (policy, mode) recordings, plus negative checks")
    default_captures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "vectors-ecc")
    p.add_argument("--captures", default=os.path.normpath(default_captures), help="capture directory to verify too")
    p.add_argument("--keep", help="write the synthesized files to this directory and keep them")
    sub.add_parser("policies", help="print the policy table")
    args = parser.parse_args(argv)

    if args.command == "verify":
        return run_verify(args.paths)
    if args.command == "complete":
        return run_complete(args.out, args.paths)
    if args.command == "synthesize":
        write_recording(synthesize(args.policy, args.mode, args.seed), args.out)
        ok, line = verify_file(args.out)
        print(line)
        return 0 if ok else 1
    if args.command == "selftest":
        return selftest(args.captures, args.keep)
    for policy in POLICIES.values():
        print(f"{policy.name:32} {policy.agreement:9} HKDF-{policy.kdf_hash} {policy.symmetric:18} "
              f"{policy.signing_key_len}/{policy.encrypting_key_len}/{policy.iv_len} "
              f"tag {policy.symmetric_signature_len} "
              f"nonce {policy.nonce_len} {policy.asymmetric} SCE={policy.sce}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
