#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the captured connections.

  python3 fuzz/make_corpus.py [VECTORS_DIR]    (default: tests/data/vectors in the crate)

codec:  a selector byte + the cleartext OPN request/response bodies
uacp:   every HEL and ACK frame
framer: a piece-size byte + each direction's whole byte stream
"""
import glob
import hashlib
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
vectors = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "vectors")


def put(target, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


for path in sorted(glob.glob(os.path.join(vectors, "*.json"))):
    v = json.load(open(path))
    put("codec", b"\x00" + bytes.fromhex(v["opn_request"]["body_hex"]))
    put("codec", b"\x01" + bytes.fromhex(v["opn_response"]["body_hex"]))
    put("codec", b"\x06" + bytes.fromhex(v["msg_read_request"]["body_hex"])[4:])
    put("codec", b"\x07" + bytes.fromhex(v["msg_read_response"]["body_hex"])[4:])
    asym = bytes.fromhex(v["opn_request"]["raw_chunk_hex"])[12:v["opn_request"]["asym_header_len"]]
    put("codec", b"\x0d" + asym)
    for side, piece in (("all_chunks_client_to_server_hex", 255), ("all_chunks_server_to_client_hex", 7)):
        chunks = [bytes.fromhex(c) for c in v[side]]
        for c in chunks:
            if c[:3] in (b"HEL", b"ACK"):
                put("uacp", c)
        put("framer", bytes([piece]) + b"".join(chunks))
