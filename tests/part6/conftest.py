"""Certificates and encrypted servers for part 6's tests, all made at start-up.

One private CA signs the good certificates; a second CA, which nobody trusts,
plays the man in the middle. No key is ever written outside a temporary
directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from part2_server import Processor, ZoneProcessor, load_zones
from part6_encrypted import EncryptedServer, server_context
from part6_encrypted.certs import make_ca, make_server_certificate

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
NAME = "dns.example.test"  # the name on the upstream's certificate
HOST = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class Pki:
    """The files of the test PKI: a trusted CA and what it signed, and a rogue."""

    ca: Path  # the CA clients are told to trust
    cert: Path  # server certificate for NAME and 127.0.0.1, signed by `ca`
    key: Path
    expired_cert: Path  # signed by `ca` for NAME, but expired yesterday
    expired_key: Path
    rogue_cert: Path  # for NAME, signed by a CA nobody trusts
    rogue_key: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca("part 6 test CA")
    ca.write(directory / "ca.pem", directory / "ca.key")
    make_server_certificate(ca, [NAME], [HOST]).write(directory / "server.pem",
                                                     directory / "server.key")
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    make_server_certificate(ca, [NAME], [HOST], days=29, not_before=long_ago).write(
        directory / "expired.pem", directory / "expired.key")
    rogue_ca = make_ca("not your CA")
    make_server_certificate(rogue_ca, [NAME], [HOST]).write(directory / "rogue.pem",
                                                           directory / "rogue.key")
    return Pki(directory / "ca.pem", directory / "server.pem", directory / "server.key",
               directory / "expired.pem", directory / "expired.key",
               directory / "rogue.pem", directory / "rogue.key")


def zone_processor() -> Processor:
    return ZoneProcessor(load_zones([ZONE]))


@contextlib.asynccontextmanager
async def tls_server(cert: Path, key: Path, processor: Processor | None = None,
                     tls_port: int = 0) -> AsyncIterator[EncryptedServer]:
    """Part 6's server answering example.test. over UDP, TCP and TLS, in this event loop."""
    server = EncryptedServer(processor or zone_processor(), tls=server_context(cert, key),
                             tls_port=tls_port)
    await server.start(HOST, 0)
    try:
        yield server
    finally:
        await server.stop()
