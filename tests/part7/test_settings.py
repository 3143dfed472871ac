"""--trust-anchor: a file, the built-in root keys, or nothing (no validation)."""

import argparse

import dns.name
import pytest

from part3_forwarder import FileError
from part7_dnssec import load_anchors
from part7_dnssec.cli import add_validation_arguments


def test_root_means_the_real_roots_keys():
    assert sorted(ds.key_tag for ds in load_anchors("root")[dns.name.root]) == [20326, 38696]


@pytest.mark.parametrize("setting", [None, "", "off"])
def test_no_anchor_means_no_validation(setting):
    assert load_anchors(setting) is None


def test_an_unreadable_anchor_is_a_file_error(tmp_path):
    with pytest.raises(FileError, match="cannot read"):
        load_anchors(str(tmp_path / "missing"))


def test_the_flag_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("DNS_TRUST_ANCHOR", "root")
    parser = argparse.ArgumentParser()
    add_validation_arguments(parser)
    assert parser.parse_args([]).trust_anchor == "root"
    assert parser.parse_args(["--trust-anchor", "off"]).trust_anchor == "off"

