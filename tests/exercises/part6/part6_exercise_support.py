"""What part 6's grading tests share: the test PKI and a DoT server in this loop."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
from collections.abc import AsyncIterator
from pathlib import Path

from part2_server import ZoneProcessor, load_zones
from part6_encrypted import EncryptedServer, server_context
from part6_encrypted.certs import make_ca, make_server_certificate

ZONE = Path(__file__).resolve().parents[3] / "zones" / "example.test.zone"
NAME = "dns.example.test"
HOST = "127.0.0.1"


@dataclasses.dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path
    key: Path
    expired_cert: Path
    expired_key: Path
    rogue_cert: Path
    rogue_key: Path


def make_pki(directory: Path) -> Pki:
    ca = make_ca("exercise CA")
    ca.write(directory / "ca.pem", directory / "ca.key")
    make_server_certificate(ca, [NAME], [HOST]).write(directory / "server.pem",
                                                     directory / "server.key")
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
    make_server_certificate(ca, [NAME], [HOST], days=29, not_before=long_ago).write(
        directory / "expired.pem", directory / "expired.key")
    rogue = make_ca("not your CA")
    make_server_certificate(rogue, [NAME], [HOST]).write(directory / "rogue.pem",
                                                        directory / "rogue.key")
    return Pki(*(directory / name for name in (
        "ca.pem", "server.pem", "server.key", "expired.pem", "expired.key",
        "rogue.pem", "rogue.key")))


@contextlib.asynccontextmanager
async def dot_server(cert: Path, key: Path, processor=None) -> AsyncIterator[EncryptedServer]:
    server = EncryptedServer(processor or ZoneProcessor(load_zones([ZONE])),
                             tls=server_context(cert, key), tls_port=0)
    await server.start(HOST, 0)
    try:
        yield server
    finally:
        await server.stop()
