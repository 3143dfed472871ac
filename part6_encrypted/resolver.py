"""The assembly: part 4's caching resolver, with encrypted upstreams and a DoT listener.

Nothing of parts 3 and 4 changes: a TLS or HTTPS upstream is an `Upstream`
that brings its own transport, so the forwarder's failover policy covers
every kind alike; the DoT listener is part 2's server with one more port.

    resolver = build_encrypted_resolver(EncryptedSettings(
        upstreams=["tls://192.0.2.1#dns.example"], tls_port=853,
        tls_cert="server.pem", tls_key="server.key"))
    await resolver.server().start("127.0.0.1", 8053)
"""

from __future__ import annotations

import dataclasses
import ssl
import time
from collections.abc import Sequence

from part2_server.ratelimit import client_rate_limit
from part3_forwarder import FileError, SetupError, Upstream
from part4_cache import CacheSettings, CachingResolver, build_caching_resolver
from part4_cache.cache import Clock

from .contexts import CertificateError, client_context, server_context
from .listener import EncryptedServer
from .upstreams import HttpsUpstream, TlsUpstream, parse_any_upstream

DOT_PORT = 853


# --8<-- [start:settings]
@dataclasses.dataclass
class EncryptedSettings(CacheSettings):
    """Part 4's settings, and what TLS needs."""

    ca_file: str | None = None  # a private CA to trust, beside the system's
    tls_port: int | None = None  # the DoT listener's port; None: no listener
    tls_cert: str | None = None  # its certificate chain (PEM)
    tls_key: str | None = None  # its private key (PEM)
# --8<-- [end:settings]


# --8<-- [start:build]
@dataclasses.dataclass
class EncryptedResolver(CachingResolver):
    """Part 4's resolver, served over UDP, TCP and (when configured) TLS."""

    tls: ssl.SSLContext | None = None
    tls_port: int = DOT_PORT

    def server(self) -> EncryptedServer:
        return EncryptedServer(
            self.processor, fast_path=self.cached.fast_path, miss_path=self.miss_path(),
            rate_limit=client_rate_limit(self.resolver.settings.rate_limit),
            tls=self.tls, tls_port=self.tls_port)


def encrypted_upstreams(upstreams: Sequence[Upstream | str], ca_file: str | None
                        ) -> list[Upstream]:
    """Each upstream parsed, and the encrypted ones given what they trust."""
    context = client_context(ca_file)
    parsed = [u if isinstance(u, Upstream) else parse_any_upstream(u) for u in upstreams]
    return [u.connected(context) if isinstance(u, (TlsUpstream, HttpsUpstream)) else u
            for u in parsed]


def build_encrypted_resolver(settings: EncryptedSettings,
                             clock: Clock = time.monotonic) -> EncryptedResolver:
    """Part 4's resolver, with encrypted upstreams and (if asked for) the DoT listener."""
    try:
        upstreams = encrypted_upstreams(settings.upstreams, settings.ca_file)
        tls = None
        if settings.tls_port is not None:
            if not (settings.tls_cert and settings.tls_key):
                raise SetupError("--tls-port needs --tls-cert FILE and --tls-key FILE")
            tls = server_context(settings.tls_cert, settings.tls_key)
    except CertificateError as error:
        raise FileError(str(error)) from error
    except ValueError as error:
        raise SetupError(str(error)) from error
    caching = build_caching_resolver(dataclasses.replace(settings, upstreams=upstreams), clock)
    fields = {field.name: getattr(caching, field.name)
              for field in dataclasses.fields(CachingResolver)}
    port = settings.tls_port if settings.tls_port is not None else DOT_PORT
    return EncryptedResolver(**fields, tls=tls, tls_port=port)
# --8<-- [end:build]
