"""python -m part8_recursive: part 4's flags but --upstream, the trace, part 4's cache in front."""

import dns.asyncquery
import dns.message
import dns.rcode
import pytest

from lab.tree import ZONE_FILES
from part8_recursive import RecursiveSettings, build_recursive_resolver
from part8_recursive.cli import main


def test_a_missing_root_hints_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(SystemExit) as raised:
        main(["--root-hints", str(tmp_path / "root.hints")])
    assert raised.value.code.startswith(f"error: {tmp_path / 'root.hints'}: cannot read")
    assert "\n" not in raised.value.code


def test_a_malformed_root_hints_file_names_the_line(tmp_path):
    hints = tmp_path / "root.hints"
    hints.write_text(". NS a.root.\na.root. A not-an-address\n")
    with pytest.raises(SystemExit) as raised:
        main(["--root-hints", str(hints)])
    assert raised.value.code.startswith(f"error: {hints}:2: bad record")


@pytest.mark.parametrize("argv", [
    ["--upstream", "127.0.0.1"],  # part 8 has no upstream
    [],  # and needs the root hints
])
def test_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert "usage: python -m part8_recursive" in capsys.readouterr().err


def test_trace_shows_each_referral(world, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["--root-hints", str(world.root_hints), "--authority-port", str(world.port),
              "--trace", "www.example.test"])
    assert raised.value.code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert ";; . -> 127.0.0.2: test. A" in lines
    assert any(line.startswith(";; referral to test., glue for 1 server, from 127.0.0.2")
               for line in lines)
    assert any(line.startswith(";; referral to example.test., glue for 2 servers")
               for line in lines)
    assert ";; the answer: NOERROR, 3 queries sent" in lines
    assert out.rstrip().endswith("192.0.2.10")


async def test_part_4s_cache_in_front_answers_the_second_time(world, tmp_path):
    settings = RecursiveSettings(root_hints=str(world.root_hints), authority_port=world.port,
                                 port=0, zones=[str(ZONE_FILES / "home.lan.zone")])
    caching = build_recursive_resolver(settings)
    assert "resolving from the root hints in" in str(caching.resolver.outward)
    server = caching.server()
    await server.start("127.0.0.1", 0)
    try:
        query = dns.message.make_query("www.glueless.test.", "A")
        first = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=3)
        before = world.total()
        second = await dns.asyncquery.udp(query, "127.0.0.1", port=server.port, timeout=3)
        local = await dns.asyncquery.udp(dns.message.make_query("nas.home.lan.", "A"),
                                         "127.0.0.1", port=server.port, timeout=3)
    finally:
        await server.stop()
    assert first.rcode() == second.rcode() == dns.rcode.NOERROR
    assert first.answer == second.answer and "192.0.2.91" in str(second.answer[0])
    assert world.total() == before  # a hit, and a local name: nothing sent
    assert local.answer
