"""Part 2: an authoritative DNS server for zone files, over UDP and TCP.

Its one idea, which parts 3 and 4 are built on, is the processor: something
that answers a parsed query, or says None when the name is none of its
business. The server loop owns sockets, parsing and the protocol's rules.

    >>> from part2_server import serve_with_zonefile
    >>> asyncio.run(serve_with_zonefile("zones/example.test.zone"))  # doctest: +SKIP
"""

from . import wire
from .authority import ZoneProcessor
from .processor import Busy, Endpoint, Processor, reply_with_rcode
from .server import DnsServer, serve_with_processor, serve_with_zonefile
from .zones import ZoneError, load_zones

__all__ = [
    "Busy",
    "DnsServer",
    "Endpoint",
    "Processor",
    "ZoneError",
    "ZoneProcessor",
    "load_zones",
    "reply_with_rcode",
    "serve_with_processor",
    "serve_with_zonefile",
    "wire",
]
