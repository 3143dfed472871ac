import pytest

pytest.importorskip("cryptography", reason="part 7 needs the dnssec extra")

from lab import Lab


@pytest.fixture(scope="package")
def signed_lab():
    """The lab, signed: one per test package, since signing takes a moment."""
    with Lab.start(signed=True) as net:
        yield net
