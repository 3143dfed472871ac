"""Encrypted upstreams: DNS over TLS (RFC 7858) and DNS over HTTPS (RFC 8484).

Written on the command line beside part 3's plain ones:

    tls://ADDRESS[:PORT][#NAME]          port 853; the certificate must name NAME
                                         (or ADDRESS, when no NAME is given)
    https://NAME[:PORT]/PATH[#ADDRESS]   port 443; ADDRESS is where NAME is
                                         (the "bootstrap" address)
    ADDRESS[:PORT]                       plain DNS, as in part 3

Each kind is a part 3 `Upstream` that brings its own `exchange_detailed`, so part 3's
forwarder asks them all the same way, with the same failover between them.
Why an address, and a bootstrap address for DoH: a resolver cannot count on
the DNS to find its own upstream.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import ssl
import time
import urllib.parse

import dns.asyncbackend
import dns.asyncquery
import dns.exception
import dns.message
import dns.query

from part1_client import ExchangeResult, ResolveTimeout, TransportError
from part3_forwarder import Upstream, parse_upstream

from .connection import TlsConnection

DOT_PORT = 853  # RFC 7858 s3.1
DOH_PORT = 443


# --8<-- [start:tls_upstream]
@dataclasses.dataclass(frozen=True)
class TlsUpstream(Upstream):
    """An upstream resolver reached over TLS, its certificate checked for `name`."""

    port: int = DOT_PORT
    name: str = ""  # the name its certificate must show; empty: its address
    connection: TlsConnection | None = dataclasses.field(default=None, compare=False,
                                                         repr=False)

    def __str__(self) -> str:
        return f"tls://{super().__str__()}#{self.name or self.host}"

    def connected(self, context: ssl.SSLContext, **options) -> TlsUpstream:
        """This upstream with its (reused) connection, trusting what `context` trusts."""
        connection = TlsConnection(self.host, self.port, self.name or self.host, context,
                                   **options)
        return dataclasses.replace(self, connection=connection)

    async def exchange_detailed(self, query: dns.message.Message, *, timeout: float
                                ) -> ExchangeResult:
        if self.connection is None:
            raise TransportError(f"{self}: no TLS settings (call connected() first)")
        start = time.monotonic()
        reply = await self.connection.exchange(query, timeout=timeout)
        return ExchangeResult(query, reply, self.host, self.port, "TLS",
                              time.monotonic() - start)

    async def exchange_wire(self, query: bytes, *, timeout: float) -> bytes:
        """The reply to `query` as bytes, unchecked: what part 4's miss path asks."""
        if self.connection is None:
            raise TransportError(f"{self}: no TLS settings (call connected() first)")
        return await self.connection.exchange_wire(query, timeout=timeout)
# --8<-- [end:tls_upstream]


# --8<-- [start:https_upstream]
@dataclasses.dataclass(frozen=True)
class HttpsUpstream(Upstream):
    """An upstream resolver reached over HTTPS, through dnspython's DoH client."""

    port: int = DOH_PORT
    url: str = ""
    session: DohSession | None = dataclasses.field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.url}#{self.host}"

    def connected(self, context: ssl.SSLContext, **options) -> HttpsUpstream:
        return dataclasses.replace(self, session=DohSession(self.host, context))

    async def exchange_detailed(self, query: dns.message.Message, *, timeout: float
                                ) -> ExchangeResult:
        if self.session is None:
            raise TransportError(f"{self}: no TLS settings (call connected() first)")
        start = time.monotonic()
        try:
            reply = await dns.asyncquery.https(
                query, self.url, timeout=timeout, client=self.session.client(),
                http_version=dns.asyncquery.HTTPVersion.H2,
            )
        except dns.exception.Timeout:
            raise ResolveTimeout(f"no reply from {self} in {timeout:g}s") from None
        except (dns.exception.DNSException, ValueError, OSError) as error:
            raise TransportError(f"{self}: {error}") from None
        except Exception as error:  # httpx2's errors share no base with the above
            if type(error).__module__.startswith(("httpx", "httpcore", "h2", "anyio")):
                raise TransportError(f"{self}: {type(error).__name__}: {error}") from None
            raise
        return ExchangeResult(query, reply, self.host, self.port, "HTTPS",
                              time.monotonic() - start)
# --8<-- [end:https_upstream]


class DohSession:
    """One HTTP/2 client per DoH upstream, so its connection is reused (RFC 8484 s5.2).

    dnspython opens a new client (a new TLS handshake) for every query unless
    it is given one; this one goes to the bootstrap address for the URL's name.
    """

    def __init__(self, address: str, context: ssl.SSLContext) -> None:
        self.address = address
        self.context = context
        self._client = None

    def client(self):
        require_doh()
        if self._client is None:
            import httpx2  # only here: the doh extra is optional

            transport = dns.asyncbackend.get_default_backend().get_transport_class()(
                http1=False, http2=True, verify=self.context, bootstrap_address=self.address)
            self._client = httpx2.AsyncClient(http1=False, http2=True, verify=self.context,
                                              transport=transport)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def require_doh() -> None:
    """Fail clearly when DoH's HTTP library is missing.

    Without it dnspython falls back to HTTP/3 and says "HTTP/3 not available",
    which sends people looking in the wrong place.
    """
    if not dns.query.have_doh:
        raise TransportError(
            "DNS over HTTPS needs dnspython's doh extra (httpx2 and h2): "
            "pip install 'running-your-own-dns-resolver[encrypted]'")


# --8<-- [start:parse]
def parse_any_upstream(text: str) -> Upstream:
    """tls://..., https://... or part 3's plain ADDRESS[:PORT]."""
    text = text.strip()
    if text.startswith("tls://"):
        return parse_tls_upstream(text)
    if text.startswith("https://"):
        return parse_https_upstream(text)
    if "://" in text:
        raise ValueError(f"{text!r}: use ADDRESS[:PORT], tls://ADDRESS[:PORT]#NAME "
                         "or https://NAME/dns-query#ADDRESS")
    return parse_upstream(text)


def parse_tls_upstream(text: str) -> TlsUpstream:
    """tls://ADDRESS[:PORT][#NAME]: "tls://192.0.2.1#dns.example", "tls://[::1]:8853"."""
    where, _, name = text.removeprefix("tls://").partition("#")
    plain = parse_upstream(where if _has_port(where) else _with_port(where, DOT_PORT))
    return TlsUpstream(plain.host, plain.port, name.rstrip("."))


def parse_https_upstream(text: str) -> HttpsUpstream:
    """https://NAME[:PORT]/PATH[#ADDRESS]: the URL, then where NAME is, if NAME is no address."""
    url, _, bootstrap = text.partition("#")
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"{text!r}: no server name in the URL")
    if not parts.path or parts.path == "/":
        raise ValueError(f"{text!r}: give the path too, usually /dns-query")
    address = bootstrap or parts.hostname
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise ValueError(f"{text!r}: give the server's address after the URL, "
                         f"as in {url}#192.0.2.1 (a resolver cannot look up its upstream)"
                         ) from None
    return HttpsUpstream(address, parts.port or DOH_PORT, url)
# --8<-- [end:parse]


def _has_port(where: str) -> bool:
    return (where.startswith("[") and "]:" in where) or where.count(":") == 1


def _with_port(where: str, port: int) -> str:
    host = where.strip("[]")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
