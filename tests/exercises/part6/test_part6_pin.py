"""Grading: part 6, exercise 1 (exercises/part6/pin.py)."""

import base64
import hashlib
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from part6_exercise_support import HOST, NAME, dot_server

from part6_encrypted import client_context


def expected_pin(pem_path) -> str:
    """The pin as RFC 7858 s4.2 computes it with openssl: base64(sha256(SPKI))."""
    certificate = x509.load_pem_x509_certificate(pem_path.read_bytes())
    spki = certificate.public_key().public_bytes(Encoding.DER,
                                                 PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture
def pin(exercise):
    return exercise("part6/pin")


def test_spki_pin_of_a_certificate(pin, pki):
    der = ssl.PEM_cert_to_DER_cert(pki.cert.read_text())
    assert pin.spki_pin(der) == expected_pin(pki.cert)
    other = ssl.PEM_cert_to_DER_cert(pki.rogue_cert.read_text())
    assert pin.spki_pin(other) == expected_pin(pki.rogue_cert) != pin.spki_pin(der)


async def test_fetch_pin_from_a_server(pin, pki):
    async with dot_server(pki.cert, pki.key) as server:
        got = await pin.fetch_pin(HOST, server.tls_port, NAME, client_context(pki.ca))
    assert got == expected_pin(pki.cert)


async def test_pinned_accepts_the_key_and_refuses_another(pin, pki):
    good = expected_pin(pki.cert)
    async with dot_server(pki.cert, pki.key) as server:
        context = client_context(pki.ca)
        assert await pin.pinned(HOST, server.tls_port, NAME, context, ["x", good]) is True
        assert await pin.pinned(HOST, server.tls_port, NAME, context,
                                [expected_pin(pki.rogue_cert)]) is False
