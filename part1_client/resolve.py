"""Ask a server a question: the whole reply (resolve) or just the addresses (gethostbyname).

The functions are async at the core, because part 3's forwarder calls them
from inside its event loop; the plain versions run them to completion for
scripts, the CLI and notebooks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype

from .errors import NegativeAnswer
from .query import make_query
from .transport import exchange

T = TypeVar("T")

# More aliases than this in one answer is a loop or an abuse, not a real chain.
MAX_CNAME_CHAIN = 16


async def resolve_async(name: str | dns.name.Name, rdtype: str | int = "A",
                        rdclass: str | int = "IN", *, server: str, port: int = 53,
                        timeout: float = 2.0, tries: int = 2, tcp: bool = False,
                        use_edns: bool = True, dnssec: bool = False) -> dns.message.Message:
    """Ask `server` for (name, rdtype, rdclass) and return the whole reply."""
    query = make_query(name, rdtype, rdclass, use_edns=use_edns, dnssec=dnssec)
    return await exchange(query, server, port, timeout=timeout, tries=tries, tcp=tcp)


def resolve(name: str | dns.name.Name, rdtype: str | int = "A", rdclass: str | int = "IN",
            *, server: str, port: int = 53, timeout: float = 2.0, tries: int = 2,
            tcp: bool = False, use_edns: bool = True,
            dnssec: bool = False) -> dns.message.Message:
    """The blocking form of :func:`resolve_async`."""
    return run_sync(resolve_async(name, rdtype, rdclass, server=server, port=port,
                                  timeout=timeout, tries=tries, tcp=tcp, use_edns=use_edns,
                                  dnssec=dnssec))


# --8<-- [start:follow_chain]
def addresses_in(reply: dns.message.Message, name: str | dns.name.Name,
                 rdtype: str | int = "A") -> list[str]:
    """The rdata of type `rdtype` for `name` in the answer, following CNAMEs.

    A resolver puts the whole chain in the answer section (RFC 1034 s4.3.2,
    step 3a): "www CNAME web", "web CNAME host", "host A 192.0.2.1". We walk it
    from the name we asked about, so records for unrelated names are ignored.
    """
    wanted = dns.rdatatype.RdataType.make(rdtype)
    current = dns.name.from_text(name) if isinstance(name, str) else name
    for _ in range(MAX_CNAME_CHAIN + 1):
        # Name comparison is case-insensitive (RFC 4343), as dns.name does it.
        owned = {rrset.rdtype: rrset for rrset in reply.answer if rrset.name == current}
        if wanted in owned:
            return [rdata.to_text() for rdata in owned[wanted]]
        if dns.rdatatype.CNAME not in owned:
            return []
        current = owned[dns.rdatatype.CNAME][0].target
    return []
# --8<-- [end:follow_chain]


async def gethostbyname_async(name: str | dns.name.Name, *, server: str, port: int = 53,
                              rdtype: str | int = "A", timeout: float = 2.0, tries: int = 2,
                              tcp: bool = False) -> list[str]:
    """The addresses of `name` (A, or AAAA with rdtype="AAAA"), as strings.

    An empty list means the name exists but has no such address; NXDOMAIN,
    SERVFAIL and other error rcodes raise NegativeAnswer.
    """
    reply = await resolve_async(name, rdtype, server=server, port=port, timeout=timeout,
                                tries=tries, tcp=tcp)
    if reply.rcode() != dns.rcode.NOERROR:
        raise NegativeAnswer(f"{name}: {dns.rcode.to_text(reply.rcode())}", reply.rcode())
    return addresses_in(reply, name, rdtype)


def gethostbyname(name: str | dns.name.Name, *, server: str, port: int = 53,
                  rdtype: str | int = "A", timeout: float = 2.0, tries: int = 2,
                  tcp: bool = False) -> list[str]:
    """The blocking form of :func:`gethostbyname_async`."""
    return run_sync(gethostbyname_async(name, server=server, port=port, rdtype=rdtype,
                                        timeout=timeout, tries=tries, tcp=tcp))


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to completion from synchronous code.

    Inside a running event loop (a Jupyter notebook has one) asyncio.run() is
    not allowed, so the coroutine then gets a private loop in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
