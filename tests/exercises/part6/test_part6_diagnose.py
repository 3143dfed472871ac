"""Grading: part 6, exercise 3 (exercises/part6/diagnose.py)."""

import asyncio
import contextlib
import socket

import pytest
from part6_exercise_support import HOST, NAME, dot_server

from part6_encrypted import server_context


@pytest.fixture
def diagnose(exercise):
    return exercise("part6/diagnose")


@contextlib.asynccontextmanager
async def stream_server(handler, context=None):
    server = await asyncio.start_server(handler, HOST, 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def test_a_good_server_is_ok(diagnose, pki):
    async with dot_server(pki.cert, pki.key) as server:
        assert await diagnose.diagnose(HOST, server.tls_port, NAME, str(pki.ca)) == "OK"
        assert await diagnose.diagnose(HOST, server.tls_port, HOST, str(pki.ca)) == "OK"


async def test_certificate_problems(diagnose, pki):
    async with dot_server(pki.cert, pki.key) as server:
        assert await diagnose.diagnose(HOST, server.tls_port, "elsewhere.test",
                                       str(pki.ca)) == "WRONG_NAME"
        assert await diagnose.diagnose(HOST, server.tls_port, NAME) == "UNTRUSTED"
    async with dot_server(pki.expired_cert, pki.expired_key) as server:
        assert await diagnose.diagnose(HOST, server.tls_port, NAME, str(pki.ca)) == "EXPIRED"
    async with dot_server(pki.rogue_cert, pki.rogue_key) as server:
        assert await diagnose.diagnose(HOST, server.tls_port, NAME, str(pki.ca)) == "UNTRUSTED"


async def test_nothing_listening(diagnose, pki):
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        assert await diagnose.diagnose(HOST, port, NAME, str(pki.ca)) == "REFUSED"


async def test_plain_dns_on_the_port(diagnose, pki):
    async with dot_server(pki.cert, pki.key) as server:  # its TCP port speaks plain DNS
        assert await diagnose.diagnose(HOST, server.port, NAME, str(pki.ca),
                                       timeout=0.5) == "NO_HANDSHAKE"


async def test_not_tls_at_all(diagnose, pki):
    async def http(reader, writer):
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    async with stream_server(http) as port:
        assert await diagnose.diagnose(HOST, port, NAME, str(pki.ca)) == "NOT_TLS"


@pytest.mark.parametrize("behaviour", ["stall", "hang up"])
async def test_no_answer_after_the_handshake(diagnose, pki, behaviour):
    async def misbehave(reader, writer):
        if behaviour == "stall":
            await reader.read()
        else:
            await reader.readexactly(2)
            writer.close()

    context = server_context(pki.cert, pki.key)
    async with stream_server(misbehave, context) as port:
        assert await diagnose.diagnose(HOST, port, NAME, str(pki.ca),
                                       timeout=0.5) == "NO_ANSWER"


