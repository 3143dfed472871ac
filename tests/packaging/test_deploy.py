"""The systemd unit and its settings file (deploy/), as a board would use them."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dnstest.tools import require_tool

from part2_server.options import settings_from
from part4_cache import CacheSettings, build_caching_resolver
from part4_cache.cli import add_cache_arguments

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "dns-resolver.service"
SETTINGS = REPO / "deploy" / "dns-resolver.env"
INSTALLED_PYTHON = "/opt/dns-resolver/bin/python"   # where docs/board.md installs it


def unit_with_real_python(tmp_path: Path) -> Path:
    """The unit, with ExecStart's interpreter swapped for one that exists here.

    `systemd-analyze verify` insists that the program in ExecStart exists;
    on this machine nothing is installed under /opt. Only that path changes.
    """
    text = UNIT.read_text()
    assert f"ExecStart={INSTALLED_PYTHON} -m part4_cache" in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(INSTALLED_PYTHON, sys.executable))
    return copy


def settings() -> dict[str, str]:
    """The settings file read the way systemd reads an EnvironmentFile."""
    values = {}
    for line in SETTINGS.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        assert equals and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), line
        values[key] = value
    return values


def test_the_unit_file_verifies(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze")
    result = subprocess.run([analyze, "verify", str(unit_with_real_python(tmp_path))],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # verify exits 0 even for an unknown or misspelt directive; it only warns.
    assert result.stderr.strip() == "" and result.stdout.strip() == ""


def test_the_unit_is_locked_down(tmp_path: Path) -> None:
    """systemd's own rating of the sandbox: 0 is a locked box, 10 is root with
    everything. 2.0 or less is what systemd calls OK."""
    analyze = require_tool("systemd-analyze")
    result = subprocess.run(
        [analyze, "security", "--offline=yes", "--threshold=20",
         str(unit_with_real_python(tmp_path))],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr


def test_the_unit_binds_port_53_without_root() -> None:
    directives = dict(line.split("=", 1) for line in UNIT.read_text().splitlines()
                      if "=" in line and not line.startswith("#"))
    assert directives["AmbientCapabilities"] == "CAP_NET_BIND_SERVICE"
    assert directives["CapabilityBoundingSet"] == "CAP_NET_BIND_SERVICE"
    assert directives["DynamicUser"] == "yes"
    assert directives["NoNewPrivileges"] == "yes"
    assert directives["ProtectSystem"] == "strict"
    assert directives["EnvironmentFile"] == "/etc/default/dns-resolver"


def environment_variables_read_by_the_cli() -> set[str]:
    names = set()
    for source in ("part2_server/cli.py", "part3_forwarder/cli.py", "part4_cache/cli.py"):
        text = (REPO / source).read_text()
        names |= set(re.findall(r'env(?:_list|_flag)?\("(DNS_[A-Z0-9_]+)"', text))
    return names


def test_the_settings_file_sets_only_real_settings() -> None:
    known = environment_variables_read_by_the_cli()
    assert "DNS_UPSTREAMS" in known and "DNS_CACHE_SIZE" in known   # the regexp works
    assert set(settings()) - known == set()


def test_the_settings_file_documents_every_setting_part4_reads() -> None:
    # DNS_ORIGIN only matters for a zone file without $ORIGIN: not for a board.
    assert environment_variables_read_by_the_cli() - set(settings()) - {"DNS_ORIGIN"} == set()


def test_the_settings_make_a_resolver_on_port_53(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in settings().items():
        monkeypatch.setenv(key, value)
    # The zone file lives in /etc on the board; use the repository's copy here.
    monkeypatch.setenv("DNS_ZONES", str(REPO / "zones" / "home.lan.zone"))
    parser = argparse.ArgumentParser()
    add_cache_arguments(parser)     # defaults are read from the environment now
    args = parser.parse_args([])
    assert args.port == 53
    caching = build_caching_resolver(settings_from(args, CacheSettings))
    assert [str(upstream) for upstream in caching.resolver.forwarder.upstreams] == [
        "192.0.2.53:53", "198.51.100.53:53"]
    assert caching.resolver.zones is not None
    assert args.cache_size == 10000 and args.serve_stale is False
