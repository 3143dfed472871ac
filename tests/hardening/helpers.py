"""What the hostile-client and hostile-upstream tests share: part 4 built for a
fake upstream, and plain-socket questions to a server running in a thread."""

from __future__ import annotations

import logging
from pathlib import Path

import dns.message
import dns.query
import dns.rrset

from part2_server import DnsServer
from part4_cache import CacheSettings, build_caching_resolver

ZONE = Path(__file__).resolve().parents[2] / "zones" / "example.test.zone"
LOCAL_NAME, LOCAL_ADDRESS = "mail.example.test.", "192.0.2.25"


def caching_server(upstream_port: int, **server_options) -> DnsServer:
    """Part 4 with the example zone, forwarding to a fake upstream on 127.0.0.1."""
    settings = CacheSettings(zones=[str(ZONE)], upstreams=[f"127.0.0.1:{upstream_port}"])
    server = build_caching_resolver(settings).server()
    for option, value in server_options.items():
        setattr(server, option, value)
    return server


def ask(server, name, rdtype="A", timeout=2.0, **query_options):
    query = dns.message.make_query(name, rdtype, **query_options)
    return dns.query.udp(query, server.host, port=server.port, timeout=timeout)


def addresses(reply) -> list[str]:
    return sorted(rdata.address for rrset in reply.answer for rdata in rrset
                  if hasattr(rdata, "address"))


class Records(logging.Handler):
    """Collects the log records of one logger at `level` and above, from any thread."""

    def __init__(self, name: str, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.logger = logging.getLogger(name)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Records:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        self.logger.removeHandler(self)


def answer_every_name(fake, address: str, ttl: int = 300) -> None:
    """Script `fake` to answer any A question with `address`, for the name asked."""

    def handler(query: dns.message.Message) -> dns.message.Message:
        reply = dns.message.make_response(query)
        reply.answer = [dns.rrset.from_text(query.question[0].name, ttl, "IN", "A", address)]
        return reply

    fake.script(None, "A", handler=handler)
