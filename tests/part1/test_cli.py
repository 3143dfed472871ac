"""python -m part1_client: dig's arguments, dig's output, clear errors and exit codes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dnstest.fake_server import FakeDnsServer

from part1_client.cli import default_server, main

REPO = Path(__file__).resolve().parents[2]
CHAIN = ("alias.example. 300 IN CNAME www.example.", "www.example. 300 IN A 127.0.0.5")


@pytest.fixture
def fake(fake_upstream_thread):
    fake_upstream_thread.answer("alias.example.", "A", *CHAIN)
    fake_upstream_thread.answer("www.example.", "MX", "www.example. 300 IN MX 10 mx.example.")
    fake_upstream_thread.nxdomain("nope.example.")
    return fake_upstream_thread


def run(fake, *words):
    return main([*words, f"@{fake.host}", "-p", str(fake.port)])


def test_full_output(fake, capsys):
    assert run(fake, "alias.example.") == 0
    out = capsys.readouterr().out
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR" in out
    assert ";alias.example.\t\t\tIN\tA" in out
    assert "alias.example.\t\t300\tIN\tCNAME\twww.example.\n" in out
    assert "www.example.\t\t300\tIN\tA\t127.0.0.5\n" in out
    assert f";; SERVER: 127.0.0.1#{fake.port}(127.0.0.1) (UDP)" in out


def test_short_prints_the_chain_like_dig(fake, capsys):
    assert run(fake, "alias.example.", "+short") == 0
    assert capsys.readouterr().out == "www.example.\n127.0.0.5\n"


def test_type_and_options_in_any_order(fake, capsys):
    assert main(["+short", f"@{fake.host}", "www.example.", "-p", str(fake.port), "mx"]) == 0
    assert capsys.readouterr().out == "10 mx.example.\n"


def test_nxdomain_is_an_answer(fake, capsys):
    assert run(fake, "nope.example.") == 0
    out = capsys.readouterr().out
    assert "status: NXDOMAIN" in out
    assert ";; AUTHORITY SECTION:\nexample.\t\t300\tIN\tSOA\t" in out


def test_nxdomain_short_prints_nothing(fake, capsys):
    assert run(fake, "nope.example.", "+short") == 0
    assert capsys.readouterr().out == ""


def test_tcp_flag(fake, capsys):
    assert run(fake, "alias.example.", "+tcp") == 0
    assert "(TCP)" in capsys.readouterr().out
    assert [q.transport for q in fake.queries] == ["tcp"]


def test_truncation_is_reported_like_dig(fake, capsys):
    fake.answer("big.example.", "A", "big.example. 1 IN A 127.0.0.9", truncate=True)
    assert run(fake, "big.example.") == 0
    out = capsys.readouterr().out
    assert out.startswith(";; Truncated, retrying in TCP mode.\n")
    assert "big.example.\t\t1\tIN\tA\t127.0.0.9" in out


def test_dnssec_and_noedns_flags_reach_the_server(fake, capsys):
    assert run(fake, "alias.example.", "+dnssec", "+short") == 0
    assert run(fake, "alias.example.", "+noedns", "+short") == 0
    with_do, without_edns = fake.queries
    assert with_do.do
    assert without_edns.message.edns == -1


def test_hex_shows_labelled_query_and_reply(fake, capsys):
    assert run(fake, "alias.example.", "+hex", "+short") == 0
    out = capsys.readouterr().out
    query_part, reply_part = out.split(";; REPLY over UDP")
    assert query_part.startswith(";; QUERY, 42 bytes, sent over UDP:\n0000  ")
    assert "flags QR=0 OPCODE=QUERY AA=0 TC=0 RD=1" in query_part
    assert "question name alias.example." in query_part
    assert "flags QR=1" in reply_part
    assert "rdata 127.0.0.5" in reply_part
    assert out.endswith("\nwww.example.\n127.0.0.5\n")


def test_hex_after_truncation_shows_both_replies(fake, capsys):
    fake.answer("big.example.", "A", "big.example. 1 IN A 127.0.0.9", truncate=True)
    assert run(fake, "big.example.", "--hex") == 0
    out = capsys.readouterr().out
    assert re.search(r"^;; REPLY over UDP, \d+ bytes, truncated:$", out, re.MULTILINE)
    assert "TC=1" in out
    assert ";; REPLY over TCP, " in out


def test_timeout_exits_9_with_one_line(fake, capsys):
    fake.answer("slow.example.", "A", "slow.example. 1 IN A 127.0.0.1", drop=True)
    assert run(fake, "slow.example.", "+timeout=0.1", "+tries=2") == 9
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"part1_client: no reply from 127.0.0.1 port {fake.port} "
                            "after 2 tries of 0.1s\n")
    assert len(fake.queries) == 2


def test_tcp_failure_exits_9(capsys):
    with FakeDnsServer.in_thread(tcp="refuse") as fake:
        assert run(fake, "www.example.", "+tcp", "+tries=1") == 9
    assert capsys.readouterr().err.startswith("part1_client: TCP to 127.0.0.1 port ")


@pytest.mark.parametrize(("words", "message"), [
    (["www.example.", "NOSUCHTYPE"], "part1_client: unknown type 'NOSUCHTYPE'\n"),
    (["www..example."], "part1_client: malformed name 'www..example.': "),
    (["x" * 64], "part1_client: malformed name 'xxxx"),
])
def test_bad_questions_exit_1_with_one_line(fake, capsys, words, message):
    assert run(fake, *words) == 1
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert fake.queries == []


def test_server_must_be_an_address(capsys):
    assert main(["www.example.", "@ns.example."]) == 1
    assert capsys.readouterr().err == (
        "part1_client: the server must be an IP address, not 'ns.example.'\n")


@pytest.mark.parametrize("words", [
    ["www.example.", "+bogus"],
    ["www.example.", "+timeout=0"],
    ["www.example.", "+timeout=soon"],
    ["www.example.", "+tries=0"],
    ["www.example.", "-p", "70000"],
    ["www.example.", "A", "extra"],
    ["@127.0.0.1"],
    ["www.example.", "@127.0.0.1", "@127.0.0.2"],
    [],
])
def test_bad_flags_get_a_usage_message(capsys, words):
    with pytest.raises(SystemExit) as exited:
        main(words)
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("usage: python -m part1_client")


def test_server_from_the_environment(fake, capsys, monkeypatch):
    monkeypatch.setenv("DNS_SERVER", "127.0.0.1")
    assert main(["alias.example.", "-p", str(fake.port), "+short"]) == 0
    assert capsys.readouterr().out.endswith("127.0.0.5\n")


def test_default_server_order(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("# comment\nsearch example\nnameserver 127.0.0.53\nnameserver ::1\n")
    assert default_server({"DNS_SERVER": "127.0.0.9"}, resolv) == "127.0.0.9"
    assert default_server({}, resolv) == "127.0.0.53"
    assert default_server({}, tmp_path / "missing") is None
    (tmp_path / "empty").write_text("search example\n")
    assert default_server({}, tmp_path / "empty") is None


def test_no_server_at_all_is_a_clear_error(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("DNS_SERVER", raising=False)
    monkeypatch.setattr("part1_client.cli.RESOLV_CONF", tmp_path / "missing")
    assert main(["www.example."]) == 1
    assert capsys.readouterr().err == "part1_client: no server: give @SERVER or set DNS_SERVER\n"


def test_python_dash_m(fake):
    env = {**os.environ, "DNS_SERVER": "127.0.0.1"}
    ok = subprocess.run([sys.executable, "-m", "part1_client", "alias.example.", "+short",
                         "-p", str(fake.port)], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=30, check=False)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "www.example.\n127.0.0.5\n", "")
    bad = subprocess.run([sys.executable, "-m", "part1_client", "www.example.", "BOGUS"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=30,
                         check=False)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr == "part1_client: unknown type 'BOGUS'\n"


def test_a_reader_that_goes_away_gets_no_traceback(fake):
    # `python -m part1_client ... | head -1`: head leaves after one line. Here
    # the reader has left before the client writes anything at all.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        gone = subprocess.run([sys.executable, "-m", "part1_client", "alias.example.",
                               f"@{fake.host}", "-p", str(fake.port)],
                              cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=30, check=False)
    finally:
        os.close(write_end)
    assert gone.stderr == ""
    assert gone.returncode == 1
