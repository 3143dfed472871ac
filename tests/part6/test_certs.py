"""python -m part6_encrypted.certs: a private CA and a server certificate for a board."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest
from cryptography import x509

from part6_encrypted import client_context, server_context
from part6_encrypted.certs import main


def test_the_script_makes_a_ca_and_a_server_certificate(tmp_path, capsys):
    main([str(tmp_path / "pki"), "--name", "resolver.home.arpa", "--address", "192.168.1.2"])
    files = {path.name: path for path in (tmp_path / "pki").iterdir()}
    assert set(files) == {"ca.pem", "ca.key", "server.pem", "server.key"}
    for key in ("ca.key", "server.key"):  # readable by their owner only
        assert stat.S_IMODE(files[key].stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(files["server.pem"].read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["resolver.home.arpa"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["192.168.1.2"]
    # The pair loads as the listener's, and the CA as a client's trust.
    server_context(files["server.pem"], files["server.key"])
    client_context(files["ca.pem"])
    assert "server.pem" in capsys.readouterr().out


def test_a_second_certificate_is_signed_by_the_same_ca(tmp_path):
    main([str(tmp_path), "--name", "one.home.arpa"])
    ca = (tmp_path / "ca.pem").read_bytes()
    main([str(tmp_path), "--name", "two.home.arpa"])
    assert (tmp_path / "ca.pem").read_bytes() == ca
    issuer = x509.load_pem_x509_certificate((tmp_path / "server.pem").read_bytes()).issuer
    assert issuer == x509.load_pem_x509_certificate(ca).subject


def test_bad_input_gets_a_usage_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "part6_encrypted.certs", str(tmp_path), "--address", "nope"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "does not appear to be an IPv4 or IPv6 address" in result.stderr
    with pytest.raises(SystemExit):
        main([str(tmp_path)])  # neither a name nor an address
