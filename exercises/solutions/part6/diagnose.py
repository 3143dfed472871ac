"""Part 6, exercise 3: why does my DoT upstream fail?  (hard, about 45 minutes)

Part 6's forwarder answers SERVFAIL when a TLS upstream fails, and logs the
error. Someone setting up a board wants more: one word that says what is
wrong. Write the diagnosis: connect to host:port over TLS, checking the
certificate for `server_name` against the system's CAs plus `ca_file`, then
ask one question (example.test. SOA is fine; any reply counts) and return:

    OK            a reply came back over a verified connection
    REFUSED       nothing listens on the port (the TCP connection is refused)
    NO_HANDSHAKE  TCP connects, but the TLS handshake does not finish in time
                  (a plain DNS server on the port: it waits for 5,635 bytes)
    NOT_TLS       the server answers the handshake with something else
    EXPIRED       the certificate has expired (or is not valid yet)
    WRONG_NAME    the certificate is valid but names another server
    UNTRUSTED     the certificate does not chain to a CA we trust
    NO_ANSWER     the handshake is fine but the question gets no reply in time
                  (or the server hangs up instead)

Hints: ssl.SSLCertVerificationError has a `verify_code`, OpenSSL's
X509_V_ERR_* number (10: expired, 9: not yet valid, 62 and 64: host name or
IP address mismatch); other ssl.SSLError are a broken handshake. Each step
gets `timeout` seconds.

    python exercises/part6/diagnose.py 127.0.0.1 853 dns.example.test --ca-file ca.pem

Grade your work with:  pytest --exercise part6
"""

from __future__ import annotations

import argparse
import asyncio
import ssl

import dns.message

from part6_encrypted import client_context

OK, REFUSED, NO_HANDSHAKE, NOT_TLS = "OK", "REFUSED", "NO_HANDSHAKE", "NOT_TLS"
EXPIRED, WRONG_NAME, UNTRUSTED, NO_ANSWER = "EXPIRED", "WRONG_NAME", "UNTRUSTED", "NO_ANSWER"

# OpenSSL's verify codes (X509_V_ERR_*) for the failures that have their own word.
VERIFY_CODES = {9: EXPIRED, 10: EXPIRED, 62: WRONG_NAME, 64: WRONG_NAME}


async def diagnose(host: str, port: int, server_name: str, ca_file: str | None = None,
                   timeout: float = 2.0) -> str:
    """One word for what happens when we ask host:port over TLS."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=client_context(ca_file), server_hostname=server_name)
    except ConnectionRefusedError:
        return REFUSED
    except TimeoutError:
        return NO_HANDSHAKE
    except ssl.SSLCertVerificationError as error:
        return VERIFY_CODES.get(error.verify_code, UNTRUSTED)
    except (ssl.SSLError, ConnectionError):
        return NOT_TLS
    try:
        wire = dns.message.make_query("example.test.", "SOA").to_wire()
        writer.write(len(wire).to_bytes(2, "big") + wire)
        async with asyncio.timeout(timeout):
            length = int.from_bytes(await reader.readexactly(2), "big")
            await reader.readexactly(length)
        return OK
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        return NO_ANSWER
    finally:
        writer.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Say why a DNS-over-TLS server fails.")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("server_name")
    parser.add_argument("--ca-file")
    args = parser.parse_args(argv)
    print(asyncio.run(diagnose(args.host, args.port, args.server_name, args.ca_file)))


if __name__ == "__main__":
    main()
