"""One question to one lab server, for the tests in this folder."""

import dns.message
import dns.query


def ask(address: str, port: int, name: str, rdtype: str = "A", *, tcp: bool = False,
        timeout: float = 2, **make_query) -> dns.message.Message:
    """One question to one server, over UDP (or TCP), as a client would ask it."""
    query = dns.message.make_query(name, rdtype, **make_query)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, address, port=port, timeout=timeout)
