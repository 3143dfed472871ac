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
import base64
import hashlib
import ssl
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from part6_encrypted import client_context


def spki_pin(certificate_der: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a DER certificate."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


async def fetch_pin(host: str, port: int, server_name: str, context: ssl.SSLContext) -> str:
    """The pin of the certificate the server at host:port shows."""
    _, writer = await asyncio.open_connection(host, port, ssl=context,
                                              server_hostname=server_name)
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return spki_pin(der)


async def pinned(host: str, port: int, server_name: str, context: ssl.SSLContext,
                 pins: Iterable[str]) -> bool:
    """Does the server show one of the keys in `pins`?"""
    return await fetch_pin(host, port, server_name, context) in set(pins)


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
