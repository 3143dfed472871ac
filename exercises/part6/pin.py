"""Part 6, exercise 1: pin the upstream's key.        (easy, about 20 minutes)

RFC 7858 s4.2 describes a second way to know you reach the right server, for
when no CA vouches for it: pin its public key. The pin is the SHA-256 of the
certificate's SubjectPublicKeyInfo (the public key with its algorithm),
base64-encoded, as in RFC 7469 and in Unbound's and Stubby's configuration:

    tls_pubkey_pinset: {digest: "sha256", value: "B6Wh...="}

A pin survives a renewed certificate as long as the key stays the same, and
it does not care which CA signed it, or whether one did.

* spki_pin(certificate_der) returns the pin of a DER-encoded certificate;
* fetch_pin(host, port, server_name, context) connects over TLS and returns
  the pin of the certificate the server shows (context decides what is
  trusted; the test gives one that trusts the lab's CA);
* pinned(host, port, server_name, context, pins) is True when that pin is
  one of `pins`, False when the server shows another key.

    python exercises/part6/pin.py 127.0.0.1 8853 dns.example.test --ca-file ca.pem

Grade your work with:  pytest --exercise part6
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
from collections.abc import Iterable

from part6_encrypted import client_context


def spki_pin(certificate_der: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a DER certificate."""
    raise NotImplementedError("exercise: write spki_pin")


async def fetch_pin(host: str, port: int, server_name: str, context: ssl.SSLContext) -> str:
    """The pin of the certificate the server at host:port shows."""
    raise NotImplementedError("exercise: write fetch_pin")


async def pinned(host: str, port: int, server_name: str, context: ssl.SSLContext,
                 pins: Iterable[str]) -> bool:
    """Does the server show one of the keys in `pins`?"""
    raise NotImplementedError("exercise: write pinned")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print the SPKI pin of a DoT server.")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("server_name")
    parser.add_argument("--ca-file")
    args = parser.parse_args(argv)
    context = client_context(args.ca_file)
    print(asyncio.run(fetch_pin(args.host, args.port, args.server_name, context)))


if __name__ == "__main__":
    main()
