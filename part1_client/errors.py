"""The errors the client raises: one base class, so a caller can catch them all."""


class DnsClientError(Exception):
    """Anything that kept the client from getting an answer."""


class BadQuery(DnsClientError, ValueError):
    """The question cannot be asked: malformed name, unknown type or class."""


class ResolveTimeout(DnsClientError, TimeoutError):
    """No matching reply arrived in time, after every try."""


class TransportError(DnsClientError):
    """The server could not be talked to: TCP refused, reset or closed early."""


class NegativeAnswer(DnsClientError):
    """The server answered, but with an error rcode (NXDOMAIN, SERVFAIL, ...)."""

    def __init__(self, message: str, rcode: int) -> None:
        super().__init__(message)
        self.rcode = rcode
