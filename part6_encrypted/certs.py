"""A private certificate authority, and certificates it signs.

    python -m part6_encrypted.certs DIR --name resolver.home.arpa --address 192.168.1.2

writes into DIR (made if missing, private files readable by their owner only):

    ca.pem          the CA's certificate: give it to clients (--ca-file, kdig +tls-ca)
    ca.key          the CA's private key: keep it off the board, offline if you can
    server.pem      the server's certificate, signed by the CA, for NAME and ADDRESS
    server.key      the server's private key (--tls-key)

A CA already in DIR is reused, so a second server certificate
can be signed by the same CA. Nothing here is ever committed: the lab and the
tests make theirs at start-up, in a temporary directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = ec.EllipticCurvePrivateKey
DAY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: Key

    def write(self, pem: Path, key: Path) -> None:
        pem.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        _write_private(key, self.key)


def _write_private(path: Path, key: Key) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


# --8<-- [start:make_ca]
def make_ca(common_name: str = "Home resolver private CA", *, days: int = 3650) -> Issued:
    """A self-signed CA certificate that may sign server certificates (and nothing above)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - DAY)
        .not_valid_after(now + days * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)
# --8<-- [end:make_ca]


# --8<-- [start:make_server]
def make_server_certificate(
    ca: Issued,
    names: Sequence[str] = (),
    addresses: Sequence[str] = (),
    *,
    days: int = 825,
    not_before: datetime.datetime | None = None,
) -> Issued:
    """A server certificate for DNS `names` and IP `addresses`, signed by `ca`.

    Clients check the subjectAltName, not the common name (RFC 6125 s6.4.4),
    so every name and address the clients will use must be listed there.
    """
    if not names and not addresses:
        raise ValueError("a server certificate needs at least one name or address")
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.datetime.now(datetime.UTC) - DAY
    alt_names = [x509.DNSName(name.rstrip(".")) for name in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in addresses]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name((list(names) or list(addresses))[0].rstrip(".")))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + days * DAY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(certificate, key)
# --8<-- [end:make_server]


def load_ca(pem: Path, key: Path) -> Issued:
    certificate = x509.load_pem_x509_certificate(pem.read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{key}: not an elliptic-curve key made by this script")
    return Issued(certificate, private)


def write_ca_and_server(directory: Path, names: Sequence[str], addresses: Sequence[str],
                        *, days: int = 825) -> dict[str, Path]:
    """Make (or reuse) the CA in `directory` and sign a server certificate there."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {part: directory / part for part in ("ca.pem", "ca.key", "server.pem", "server.key")}
    if files["ca.pem"].exists() and files["ca.key"].exists():
        ca = load_ca(files["ca.pem"], files["ca.key"])
    else:
        ca = make_ca()
        ca.write(files["ca.pem"], files["ca.key"])
    server = make_server_certificate(ca, names, addresses, days=days)
    server.write(files["server.pem"], files["server.key"])
    return files


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m part6_encrypted.certs",
        description="Make a private CA (or reuse the one in DIR) and a server certificate "
        "it signs, for the resolver's DNS-over-TLS listener.",
    )
    parser.add_argument("directory", metavar="DIR", type=Path, help="where to write the files")
    parser.add_argument("--name", action="append", default=[],
                        help="a DNS name clients use for the server, repeatable")
    parser.add_argument("--address", action="append", default=[],
                        help="an IP address clients use for the server, repeatable")
    parser.add_argument("--days", type=int, default=825,
                        help="how long the server certificate is valid (default 825)")
    args = parser.parse_args(argv)
    try:
        for address in args.address:
            ipaddress.ip_address(address)
        files = write_ca_and_server(args.directory, args.name, args.address, days=args.days)
    except ValueError as error:
        parser.error(str(error))
    except OSError as error:
        sys.exit(f"error: {error}")
    for part, path in files.items():
        print(f"{part:11} {path}")


if __name__ == "__main__":
    main()
