"""The TLS settings, in one place: what a client trusts and what a server shows.

Python's `ssl` does the cryptography; these functions only choose. Both sides
insist on TLS 1.2 or later (RFC 8310 s8.1: older versions are not to be used
for DNS). A client checks the certificate chain against the system's CAs
(plus a private CA when given one) and checks that the certificate names the
server (RFC 8310 s8.1, "strict privacy profile").
"""

from __future__ import annotations

import ssl
from pathlib import Path


class CertificateError(ValueError):
    """A certificate or key file cannot be used; the message names the file and why."""


# --8<-- [start:client]
def client_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """Verify the server: the system's CAs, plus `ca_file` (a private CA) if given."""
    context = ssl.create_default_context()  # CERT_REQUIRED and check_hostname are on
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as error:
            raise CertificateError(f"{ca_file}: cannot read a CA certificate from it "
                                   f"({_reason(error)})") from None
    return context
# --8<-- [end:client]


# --8<-- [start:server]
def server_context(cert_file: str | Path, key_file: str | Path) -> ssl.SSLContext:
    """Show `cert_file` (the chain, server first) and prove it with `key_file`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for path in (cert_file, key_file):
        if not Path(path).is_file():
            raise CertificateError(f"{path}: no such file")
    try:
        # load_cert_chain also checks that the key belongs to the certificate.
        context.load_cert_chain(certfile=str(cert_file), keyfile=str(key_file))
    except (OSError, ssl.SSLError) as error:
        raise CertificateError(f"{cert_file} with {key_file}: {_reason(error)}") from None
    return context
# --8<-- [end:server]


def _reason(error: Exception) -> str:
    if isinstance(error, ssl.SSLError) and "KEY_VALUES_MISMATCH" in str(error):
        return "the key does not match the certificate"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, ssl.SSLError):
        return f"not a usable PEM certificate or key ({error.reason or error})"
    return getattr(error, "strerror", None) or str(error)
