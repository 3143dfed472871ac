"""Lab.start() and stop(): everything it opened is closed again."""

import os
import socket
import threading

import dns.exception
import pytest
from asking import ask
from dnstest.peers import free_port

from lab import SERVERS, UPSTREAM_ADDRESS, Lab


def open_files() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def can_bind(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((address, port))
        except OSError:
            return False
    return True


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_stop_leaves_no_thread_socket_or_file_behind():
    threads, files = set(threading.enumerate()), open_files()
    net = Lab.start()
    assert len(threading.enumerate()) == len(threads) + 1
    assert len(open_files()) > len(files)
    hints = net.root_hints
    assert ask(*net.zones["test."], "test.", "SOA").answer
    net.stop()
    assert set(threading.enumerate()) == threads
    assert open_files() == files
    assert not hints.exists()
    for addresses in SERVERS.values():
        for address in addresses:
            assert can_bind(address, net.authority_port)
    with pytest.raises((dns.exception.Timeout, OSError)):
        ask(*net.zones["test."], "test.", "SOA", timeout=0.3)
    net.stop()  # a second stop does nothing


def test_port_53_when_it_can_be_bound_else_an_unprivileged_one():
    bindable = all(can_bind(address, 53) for addresses in SERVERS.values()
                   for address in addresses)
    with Lab.start() as net:
        if bindable:
            assert net.authority_port == 53
        else:
            assert net.authority_port > 1023
        assert net.upstream == (UPSTREAM_ADDRESS, net.authority_port)
        assert set(net.zones.values()) == {(addresses[0], net.authority_port)
                                           for addresses in SERVERS.values()}


def test_a_port_asked_for_is_the_port_used():
    port = free_port("127.0.0.2")
    with Lab.start(port) as net:
        assert net.authority_port == port
        assert ask(*net.zones["."], ".", "SOA").answer


def test_a_taken_port_is_an_error_and_leaves_nothing_running():
    threads = set(threading.enumerate())
    with Lab.start() as first:
        with pytest.raises(OSError, match=f"port {first.authority_port}"):
            Lab.start(first.authority_port)
        assert len(threading.enumerate()) == len(threads) + 1   # the first lab's only
        # The default finds another port instead.
        with Lab.start() as second:
            assert second.authority_port != first.authority_port
            assert ask(*second.zones["example.test."], "www.example.test.").answer
    assert set(threading.enumerate()) == threads
