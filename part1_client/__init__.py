"""Part 1: a dig-like DNS client.

Build a query, send it over UDP (TCP when the reply is truncated), accept only
the reply that matches it, and print it like dig or as a list of addresses.

    >>> from part1_client import gethostbyname
    >>> gethostbyname("www.example.", server="127.0.0.1", port=8053)  # doctest: +SKIP
    ['127.0.0.5']
"""

from .errors import BadQuery, DnsClientError, NegativeAnswer, ResolveTimeout, TransportError
from .query import make_query
from .resolve import gethostbyname, gethostbyname_async, resolve, resolve_async
from .transport import ExchangeResult, exchange, exchange_detailed, socket_on_a_random_port

__all__ = [
    "BadQuery",
    "DnsClientError",
    "ExchangeResult",
    "NegativeAnswer",
    "ResolveTimeout",
    "TransportError",
    "exchange",
    "exchange_detailed",
    "gethostbyname",
    "gethostbyname_async",
    "make_query",
    "resolve",
    "resolve_async",
    "socket_on_a_random_port",
]
