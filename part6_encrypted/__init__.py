"""Part 6: nobody in between. DNS over TLS and HTTPS to the upstream, and a DoT listener.

    resolver = build_encrypted_resolver(EncryptedSettings(
        upstreams=["tls://192.0.2.1#dns.example"], ca_file="ca.pem"))
    await resolver.server().start("127.0.0.1", 8053)

The certificate script (`python -m part6_encrypted.certs`, module `certs`)
needs the `cryptography` package, which the rest does not: import it from
there. DoH upstreams need dnspython's `doh` extra.
"""

from .connection import ConnectionClosed, TlsConnection
from .contexts import CertificateError, client_context, server_context
from .listener import EncryptedServer
from .resolver import (
    EncryptedResolver,
    EncryptedSettings,
    build_encrypted_resolver,
    encrypted_upstreams,
)
from .upstreams import (
    HttpsUpstream,
    TlsUpstream,
    parse_any_upstream,
    parse_https_upstream,
    parse_tls_upstream,
    require_doh,
)

__all__ = [
    "CertificateError",
    "ConnectionClosed",
    "EncryptedResolver",
    "EncryptedServer",
    "EncryptedSettings",
    "HttpsUpstream",
    "TlsConnection",
    "TlsUpstream",
    "build_encrypted_resolver",
    "client_context",
    "encrypted_upstreams",
    "parse_any_upstream",
    "parse_https_upstream",
    "parse_tls_upstream",
    "require_doh",
    "server_context",
]
