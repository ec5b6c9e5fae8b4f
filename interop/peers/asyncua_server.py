#!/usr/bin/env python3
"""asyncua server on 127.0.0.1 for the interop run; stops after --duration seconds.

  python asyncua_server.py --port P --cert C.der --key K.pem --uri URI [--duration S]

Offers None and Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss in Sign and
SignAndEncrypt. asyncua sets no certificate validator, so every client certificate is accepted.
Prints "READY opc.tcp://127.0.0.1:P" when listening.
"""
import argparse
import asyncio
import logging

from asyncua import Server, ua

POLICIES = ["Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss"]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--uri", required=True)
    ap.add_argument("--duration", type=float, default=300.0)
    a = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    server = Server()
    await server.init()
    url = f"opc.tcp://127.0.0.1:{a.port}"
    server.set_endpoint(url)
    server.set_server_name("uasc interop asyncua server")
    await server.set_application_uri(a.uri)
    types = [ua.SecurityPolicyType.NoSecurity]
    for p in POLICIES:
        for m in ("Sign", "SignAndEncrypt"):
            types.append(getattr(ua.SecurityPolicyType, f"{p}_{m}"))
    server.set_security_policy(types)
    await server.load_certificate(a.cert)
    await server.load_private_key(a.key)
    async with server:
        print(f"READY {url}", flush=True)
        await asyncio.sleep(a.duration)


if __name__ == "__main__":
    asyncio.run(main())
