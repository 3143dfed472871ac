"""python -m part3_forwarder: flags, environment defaults, start-up refusals, a real run."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest
from dnstest.peers import free_port

from part2_server.options import settings_from
from part3_forwarder import ResolverSettings, SetupError, build_resolver
from part3_forwarder.access import DEFAULT_ALLOW
from part3_forwarder.cli import add_forwarder_arguments, main
from part3_forwarder.upstream import Upstream

REPO = Path(__file__).parents[2]
OVERRIDE_ZONE = REPO / "docs" / "examples" / "override.example.test.zone"
HOSTS = REPO / "docs" / "examples" / "home.hosts"
ENV_VARS = ("DNS_UPSTREAMS", "DNS_LOCAL_POLICY", "DNS_HOSTS_FILE", "DNS_ALLOW", "DNS_TIMEOUT",
            "DNS_ZONES", "DNS_HOST", "DNS_PORT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def parse(*flags):
    parser = argparse.ArgumentParser()
    add_forwarder_arguments(parser)
    return parser.parse_args(list(flags))


def built(args):
    """What main() builds from the parsed flags."""
    return build_resolver(settings_from(args, ResolverSettings))


def test_defaults():
    args = parse("--upstream", "127.0.0.1:5353")
    assert args.upstreams == [Upstream("127.0.0.1", 5353)]
    assert args.local_policy == "static"
    assert args.hosts is None
    assert args.allow == list(DEFAULT_ALLOW)
    assert args.timeout == 4.0
    assert (args.host, args.port) == ("127.0.0.1", 8053)  # part 2's flags are there too


def test_repeated_flags_add_up():
    args = parse("--upstream", "127.0.0.1", "--upstream", "[::1]:5353",
                 "--allow", "127.0.0.1/32", "--allow", "::1")
    assert args.upstreams == [Upstream("127.0.0.1", 53), Upstream("::1", 5353)]
    assert [str(n) for n in args.allow] == ["127.0.0.1/32", "::1/128"]
    resolver = built(args)
    assert resolver.forwarder.upstreams == args.upstreams
    assert resolver.access.allows("127.0.0.1") and not resolver.access.allows("127.0.0.2")


def test_environment_defaults(monkeypatch):
    monkeypatch.setenv("DNS_UPSTREAMS", "127.0.0.1:5301 [::1]:5302")
    monkeypatch.setenv("DNS_LOCAL_POLICY", "transparent")
    monkeypatch.setenv("DNS_HOSTS_FILE", str(HOSTS))
    monkeypatch.setenv("DNS_ALLOW", "10.0.0.0/8 127.0.0.1")
    monkeypatch.setenv("DNS_TIMEOUT", "2.5")
    args = parse()
    assert (args.local_policy, args.hosts, args.timeout) == ("transparent", str(HOSTS), 2.5)
    resolver = built(args)
    assert resolver.forwarder.upstreams == [Upstream("127.0.0.1", 5301), Upstream("::1", 5302)]
    assert resolver.forwarder.timeout == 2.5
    assert resolver.hosts is not None
    assert resolver.access.allows("10.1.1.1") and not resolver.access.allows("192.168.1.1")


def test_a_flag_replaces_the_environment(monkeypatch):
    monkeypatch.setenv("DNS_UPSTREAMS", "127.0.0.1:5301 127.0.0.1:5302")
    monkeypatch.setenv("DNS_ALLOW", "10.0.0.0/8")
    args = parse("--upstream", "127.0.0.1:5303", "--allow", "192.168.0.0/16")
    resolver = built(args)
    assert resolver.forwarder.upstreams == [Upstream("127.0.0.1", 5303)]
    assert not resolver.access.allows("10.1.1.1")


def test_build_resolver_raises_setup_error_for_the_command_line_to_report():
    with pytest.raises(SetupError, match="no upstream to forward to"):
        build_resolver(ResolverSettings())


def test_the_resolver_is_built_from_plain_settings_without_argparse():
    settings = ResolverSettings(upstreams=["127.0.0.1:5301"], zones=[str(OVERRIDE_ZONE)],
                                allow=["127.0.0.1/32"], timeout=2.0)
    resolver = build_resolver(settings)
    assert resolver.forwarder.upstreams == [Upstream("127.0.0.1", 5301)]
    assert resolver.forwarder.timeout == 2.0
    assert [str(zone.origin) for zone in resolver.zones.zones] == ["example.test."]
    assert resolver.access.allows("127.0.0.1") and not resolver.access.allows("127.0.0.2")


def refusal(capsys, *flags):
    """Run main(flags); it must stop with a usage error. Returns what it said."""
    with pytest.raises(SystemExit) as stopped:
        main(list(flags))
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_no_upstream_is_refused_with_the_reason(capsys):
    said = refusal(capsys, "--zone", str(OVERRIDE_ZONE))
    assert "usage:" in said
    assert "no upstream to forward to: give --upstream HOST[:PORT] (or set DNS_UPSTREAMS)" in said


def test_forwarding_to_ourselves_is_refused(capsys):
    said = refusal(capsys, "--upstream", "127.0.0.1:8053", "--port", "8053")
    assert "upstream 127.0.0.1:8053 is this server's own address" in said


@pytest.mark.parametrize(
    ("flags", "complaint"),
    [
        (["--upstream", "dns.example"], "argument --upstream: 'dns.example': the upstream must"),
        (["--upstream", "127.0.0.1:99999"], "port must be a number from 1 to 65535"),
        (["--upstream", "::1", "--allow", "10.0.0.0/33"], "argument --allow: '10.0.0.0/33'"),
        (["--upstream", "::1", "--local-policy", "deny"], "argument --local-policy: invalid"),
        (["--upstream", "::1", "--timeout", "0"], "argument --timeout: must be above zero"),
    ],
)
def test_bad_flags_get_a_usage_error(capsys, flags, complaint):
    assert complaint in refusal(capsys, *flags)


def file_refusal(*flags):
    """Run main(flags); a file it cannot load stops it with one line, no usage message."""
    with pytest.raises(SystemExit) as stopped:
        main(list(flags))
    assert isinstance(stopped.value.code, str)  # sys.exit(message): printed, exit status 1
    assert "\n" not in stopped.value.code
    return stopped.value.code


def test_a_missing_hosts_file_is_one_line():
    assert "/nonexistent/hosts" in file_refusal("--upstream", "::1", "--hosts",
                                                "/nonexistent/hosts")


def test_bad_environment_values_get_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("DNS_UPSTREAMS", "127.0.0.1 resolver.example")
    assert "'resolver.example': the upstream must be an IP address" in refusal(capsys)
    monkeypatch.setenv("DNS_UPSTREAMS", "127.0.0.1")
    monkeypatch.setenv("DNS_LOCAL_POLICY", "deny")
    assert "unknown local-zone policy 'deny'" in refusal(capsys)  # even without a zone


def test_a_bad_hosts_file_is_refused_with_file_and_line(capsys, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n10.0.0.300 nas\n")
    said = file_refusal("--upstream", "::1", "--hosts", str(hosts))
    assert f"{hosts}:2: '10.0.0.300' is not an IP address" in said


# -- the real program --------------------------------------------------------------


def ask(port, name, rdtype="A"):
    return dns.query.udp(dns.message.make_query(name, rdtype), "127.0.0.1", port=port, timeout=1)


def wait_until_answering(port, process, within=10.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited early: {process.communicate()[1]}")
        try:
            return ask(port, "nas.example.test.")
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise AssertionError("the forwarder did not answer")


def test_the_program_serves_local_names_and_forwards_the_rest(fake_upstream_thread):
    fake_upstream_thread.answer("www.example.com.", "A", "www.example.com. 60 IN A 127.0.0.5")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "part3_forwarder", "--port", str(port),
         "--upstream", f"{fake_upstream_thread.host}:{fake_upstream_thread.port}",
         "--zone", str(OVERRIDE_ZONE), "--hosts", str(HOSTS), "--event-loop", "asyncio"],
        cwd=REPO, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k not in ENV_VARS},
    )
    try:
        local = wait_until_answering(port, process)
        assert [r.to_text() for r in local.answer] == ["nas.example.test. 300 IN A 10.0.0.30"]
        forwarded = ask(port, "www.example.com.")
        assert [r.to_text() for r in forwarded.answer] == ["www.example.com. 60 IN A 127.0.0.5"]
        assert ask(port, "router.home.arpa.").answer[0][0].address == "10.0.0.1"
        assert ask(port, "printer.example.test.").rcode() == dns.rcode.NXDOMAIN  # static
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "then forwarding to 127.0.0.1:" in err  # the start-up line says who answers what
