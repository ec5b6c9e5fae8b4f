#!/usr/bin/env python3
"""asyncua client for the interop run: for each policy and mode, opens a secure channel to
--url and calls GetEndpoints on it (no session), then closes it.

  python asyncua_client.py --url URL --policies A,B --modes Sign,SignAndEncrypt \
      --cert C.der --key K.pem --uri URI [--renew]

Prints "OK <policy> <mode> <n> endpoints" or "FAIL <policy> <mode> <error>" per combination
(None once) and exits 0 only if all succeeded. The server certificate comes from the endpoints
asyncua reads over a None channel first. With --renew the client renews its token (an OPN
Renew request) and calls GetEndpoints again on the renewed channel.
"""
import argparse
import asyncio
import logging
import sys

from asyncua import Client, ua
from asyncua.crypto import security_policies as sp

ALIAS = {"Aes128_Sha256_RsaOaep": "Aes128Sha256RsaOaep", "Aes256_Sha256_RsaPss": "Aes256Sha256RsaPss"}


async def one(a, policy, mode):
    c = Client(a.url, timeout=a.timeout)
    c.application_uri = a.uri
    c.name = "uasc interop asyncua client"
    if policy != "None":
        cls = getattr(sp, "SecurityPolicy" + ALIAS.get(policy, policy))
        await c.set_security(cls, a.cert, a.key, mode=getattr(ua.MessageSecurityMode, mode))
    await c.connect_socket()
    try:
        await c.send_hello()
        await c.open_secure_channel()
        got = c.uaclient.security_policy.URI
        if policy != "None" and not got.endswith("#" + policy):
            raise RuntimeError(f"channel opened with {got}")
        eps = await c.get_endpoints()
        detail = f"{len(eps)} endpoints"
        if a.renew:
            await c.open_secure_channel(renew=True)
            eps = await c.get_endpoints()
            detail += ", renewed"
        await c.close_secure_channel()
        return detail
    finally:
        c.disconnect_socket()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--policies", required=True)
    ap.add_argument("--modes", default="Sign,SignAndEncrypt")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--uri", required=True)
    ap.add_argument("--renew", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    ok = True
    for p in a.policies.split(","):
        for m in (["None"] if p == "None" else a.modes.split(",")):
            try:
                detail = await asyncio.wait_for(one(a, p, m), a.timeout * 2)
                print(f"OK {p} {m} {detail}", flush=True)
            except Exception as e:  # report every failure, go on with the next
                ok = False
                msg = f"{type(e).__name__}: {e}".replace("\n", " ")[:300]
                print(f"FAIL {p} {m} {msg}", flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    asyncio.run(main())
