"""The same question over TLS (RFC 7858) or HTTPS (RFC 8484), as kdig asks it.

dnspython moves the bytes (`dns.asyncquery.tls` and `.https`); this module
decides what to trust. Unlike kdig, whose bare +tls encrypts without
checking who answers ("opportunistic"), this client always checks: the
certificate must chain to a CA we trust (the system's, plus +tls-ca=FILE)
and must name the server (+tls-hostname=NAME, else the server's address).
Encryption to an unchecked server keeps out only the eavesdroppers who do
not bother to intercept.
"""

from __future__ import annotations

import asyncio
import ssl

import dns.asyncquery
import dns.exception
import dns.message
import dns.query

from .errors import ResolveTimeout, TransportError
from .transport import ExchangeResult

DOT_PORT, DOH_PORT = 853, 443


def trusting(ca_file: str | None) -> ssl.SSLContext:
    """Check certificates against the system's CAs, plus `ca_file` if given."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise TransportError(f"cannot read a CA from {ca_file}: {error}") from None
    return context


# --8<-- [start:exchange_encrypted]
async def exchange_encrypted(query: dns.message.Message, server: str, port: int, *,
                             https: str | None = None, timeout: float = 2.0,
                             ca_file: str | None = None,
                             hostname: str | None = None) -> ExchangeResult:
    """One query over TLS, or over HTTPS to path `https` (such as "/dns-query")."""
    context = trusting(ca_file)
    name = hostname or server
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        if https is None:
            reply = await dns.asyncquery.tls(query, server, timeout=timeout, port=port,
                                             ssl_context=context, server_hostname=name)
        else:
            if not dns.query.have_doh:
                raise TransportError("+https needs dnspython's doh extra (httpx2 and h2)")
            host = f"[{name}]" if ":" in name else name
            reply = await dns.asyncquery.https(
                query, f"https://{host}:{port}{https}", timeout=timeout, verify=context,
                bootstrap_address=server, http_version=dns.asyncquery.HTTPVersion.H2)
    except (dns.exception.Timeout, TimeoutError):
        raise ResolveTimeout(f"no reply from {server} port {port} in {timeout:g}s") from None
    except (OSError, EOFError, ValueError, dns.exception.DNSException) as error:
        raise TransportError(f"{'HTTPS' if https else 'TLS'} to {server} port {port} "
                             f"failed: {error}") from None
    except Exception as error:  # httpx2's errors share no base class with the above
        if not type(error).__module__.startswith(("httpx", "httpcore", "h2", "anyio")):
            raise
        raise TransportError(f"HTTPS to {server} port {port} failed: "
                             f"{type(error).__name__}: {error}") from None
    return ExchangeResult(query, reply, server, port, "HTTPS" if https else "TLS",
                          loop.time() - start)
# --8<-- [end:exchange_encrypted]
