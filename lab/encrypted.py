"""The lab's encrypted upstream: a real unbound with DoT and DoH, and a CA made now.

    with Lab.start() as net, encrypted_upstream(net.upstream) as dot:
        dot.tls_upstream     # "tls://127.0.0.11:PORT#dot.upstream.test", for --upstream
        dot.https_upstream   # "https://dot.upstream.test:PORT/dns-query#127.0.0.11"
        dot.ca_file          # the CA that signed its certificate, for --ca-file

unbound, not code of this project, is the server on the far side of part
6's TLS: it listens for DNS over TLS (`tls-port`) and over HTTPS
(`https-port`, HTTP/2 only in unbound), and forwards every question under
test. to the lab's stand-in upstream, so the answers are the lab's. It
never reaches for the real Internet: every other name is refused
(`local-zone: "." refuse`). The CA and the certificate are made when it
starts, in a temporary directory that goes away when it stops: no key is
ever written anywhere else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from part2_server import Endpoint
from part6_encrypted.certs import make_ca, make_server_certificate

from .processes import stop_process

ENCRYPTED_ADDRESS = "127.0.0.11"  # the lab's encrypted upstream (after the tree's addresses)
ENCRYPTED_NAME = "dot.upstream.test"  # the name on its certificate
START_TIMEOUT = 10.0


class UnboundMissing(RuntimeError):
    """unbound is not installed (Debian: apt-get install unbound)."""


@dataclasses.dataclass(frozen=True)
class EncryptedUpstream:
    """A running unbound with plain, TLS and HTTPS ports."""

    address: str
    port: int  # plain DNS, UDP and TCP
    tls_port: int  # DNS over TLS (RFC 7858)
    https_port: int  # DNS over HTTPS (RFC 8484), HTTP/2 only
    name: str  # the name its certificate shows
    ca_file: Path  # the CA that signed it: trust this one
    process: subprocess.Popen = dataclasses.field(repr=False)

    @property
    def tls_upstream(self) -> str:
        return f"tls://{self.address}:{self.tls_port}#{self.name}"

    @property
    def https_upstream(self) -> str:
        return f"https://{self.name}:{self.https_port}/dns-query#{self.address}"


# --8<-- [start:config]
def unbound_config(directory: Path, address: str, ports: tuple[int, int, int],
                   forward_to: Endpoint, cert: Path, key: Path,
                   zone: str = "test.") -> str:
    """unbound with plain, TLS and HTTPS ports, forwarding `zone` to `forward_to`."""
    port, tls_port, https_port = ports
    return f"""server:
    interface: {address}@{port}
    interface: {address}@{tls_port}
    interface: {address}@{https_port}
    outgoing-interface: {address}
    port: {port}
    tls-port: {tls_port}
    https-port: {https_port}
    tls-service-pem: "{cert}"
    tls-service-key: "{key}"
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{directory}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    module-config: "iterator"
    # The lab is on loopback, under test., which unbound would otherwise
    # refuse to ask (localhost) and answer itself (RFC 6761).
    do-not-query-localhost: no
    # Never the real Internet: {zone} goes to the lab, everything else is refused.
    local-zone: "." refuse
    local-zone: "{zone}" transparent
    # A lab server that fails once must not be set aside for minutes.
    infra-host-ttl: 1
remote-control:
    control-enable: no
forward-zone:
    name: "{zone}"
    forward-addr: {forward_to[0]}@{forward_to[1]}
"""
# --8<-- [end:config]


def _free_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def _wait_for(address: str, port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"unbound exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"unbound did not listen in {START_TIMEOUT}s: {log.read_text()[-2000:]}")


@contextlib.contextmanager
def encrypted_upstream(forward_to: Endpoint, *, address: str = ENCRYPTED_ADDRESS,
                       name: str = ENCRYPTED_NAME, tls_port: int | None = None,
                       zone: str = "test.") -> Iterator[EncryptedUpstream]:
    """Run unbound for DoT and DoH in front of `forward_to` (the lab's upstream)."""
    binary = shutil.which("unbound") or shutil.which("unbound", path="/usr/sbin:/sbin")
    if binary is None:
        raise UnboundMissing("unbound is not installed (apt-get install unbound)")
    with tempfile.TemporaryDirectory(prefix="lab-dot-") as temporary:
        directory = Path(temporary)
        ca = make_ca("lab CA")
        ca.write(directory / "ca.pem", directory / "ca.key")
        make_server_certificate(ca, [name], [address]).write(directory / "server.pem",
                                                            directory / "server.key")
        ports = (_free_port(address), tls_port or _free_port(address), _free_port(address))
        config = directory / "unbound.conf"
        config.write_text(unbound_config(directory, address, ports, forward_to,
                                         directory / "server.pem", directory / "server.key",
                                         zone))
        log = directory / "unbound.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([binary, "-d", "-c", str(config)], stdout=out,
                                       stderr=subprocess.STDOUT, cwd=directory)
        try:
            _wait_for(address, ports[1], process, log)
            _wait_for(address, ports[2], process, log)
            yield EncryptedUpstream(address, *ports, name, directory / "ca.pem", process)
        finally:
            stop_process(process)
