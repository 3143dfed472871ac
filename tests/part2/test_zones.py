"""Loading zone files: where the origin comes from, and errors that name FILE:LINE."""

import re
from pathlib import Path

import dns.name
import pytest

from part2_server.zones import ZoneError, load_zone, load_zones

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SHIPPED = ROOT / "zones"

ZONE_BODY = """$TTL 3600
@       SOA     ns1 hostmaster 1 7200 900 1209600 300
        NS      ns1
ns1     A       192.0.2.1
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("file_name, origin", [
    ("example.test.zone", "example.test."),
    ("hostile.test.zone", "hostile.test."),
])
def test_the_shipped_zones_load(file_name, origin):
    zone = load_zone(SHIPPED / file_name)
    assert zone.origin == dns.name.from_text(origin)
    # Absolute owner names, so the lookup can compare them with query names.
    assert all(name.is_absolute() for name in zone.nodes)


def test_origin_comes_from_the_file_first(tmp_path):
    path = write(tmp_path / "anything.zone", "$ORIGIN home.test.\n" + ZONE_BODY)
    assert load_zone(path, origin="ignored.test.").origin == dns.name.from_text("home.test.")


def test_origin_comes_from_the_argument_when_the_file_has_none(tmp_path):
    path = write(tmp_path / "anything.zone", ZONE_BODY)
    zone = load_zone(path, origin="home.test")
    assert zone.origin == dns.name.from_text("home.test.")
    assert zone.get_node("ns1.home.test.") is not None


def test_origin_comes_from_the_file_name_last(tmp_path):
    path = write(tmp_path / "lan.home.test.zone", ZONE_BODY)
    assert load_zone(path).origin == dns.name.from_text("lan.home.test.")


def test_a_wrong_origin_is_reported_with_where_it_came_from(tmp_path):
    path = write(tmp_path / "db.home", ZONE_BODY.replace("@ ", "home.test. "))
    with pytest.raises(ZoneError) as caught:
        load_zone(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: owner name is outside the zone db.home.")
    assert "origin from the file name; set $ORIGIN in the file or pass --origin" in message


def test_a_bad_origin_argument_is_a_zone_error(tmp_path):
    path = write(tmp_path / "anything.zone", ZONE_BODY)
    with pytest.raises(ZoneError, match="from --origin is not a name"):
        load_zone(path, origin="a" * 64 + ".test")


@pytest.mark.parametrize("file_name, message", [
    ("bad-type.zone", ":7: unknown rdatatype 'AAA'"),
    ("cname-and-a.zone", ":8: a name with a CNAME cannot own other records (RFC 1034 s3.6.2)"),
    ("out-of-zone.zone", ":7: owner name is outside the zone broken.test. (origin from $ORIGIN)"),
    ("no-soa.zone", ": no SOA record at the zone apex broken.test. (origin from $ORIGIN)"),
    ("no-ns.zone", ": no NS records at the zone apex broken.test."),
])
def test_a_broken_zone_names_the_file_and_the_line(file_name, message):
    path = DATA / file_name
    with pytest.raises(ZoneError) as caught:
        load_zone(path)
    assert str(caught.value) == f"{path}{message}"
    assert "\n" not in str(caught.value)


def test_an_error_names_the_line_the_record_starts_on(tmp_path):
    # The parenthesis opened on line 2 is never closed; the reader notices on
    # line 3, but the broken record is the SOA of line 2.
    path = write(tmp_path / "paren.test.zone", ZONE_BODY.replace("1 7200", "( 1 7200"))
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(path))}:2: "):
        load_zone(path)


def test_a_bad_value_at_the_end_of_a_line_names_that_line(tmp_path):
    path = write(tmp_path / "home.test.zone", ZONE_BODY + "printer A 192.0.2.999\n")
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(path))}:5: "):
        load_zone(path)


def test_a_bad_directive_names_its_line(tmp_path):
    path = write(tmp_path / "home.test.zone", "$TTL forever\n" + ZONE_BODY)
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(path))}:1: "):
        load_zone(path)


def test_an_error_in_an_included_file_names_that_file(tmp_path):
    included = write(tmp_path / "hosts.inc", "printer A 192.0.2.31\nscanner A 192.0.2.999\n")
    path = write(tmp_path / "home.test.zone", ZONE_BODY + f"$INCLUDE {included}\n")
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(included))}:2: "):
        load_zone(path)


def test_a_missing_file(tmp_path):
    path = tmp_path / "missing.zone"
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(path))}: cannot read: No such file"):
        load_zone(path)


def test_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "binary.zone"
    path.write_bytes(b"\xff\xfe\x00zone")
    with pytest.raises(ZoneError, match=rf"^{re.escape(str(path))}: not UTF-8 text"):
        load_zone(path)


def test_load_zones_loads_them_all():
    zones = load_zones([SHIPPED / "example.test.zone", SHIPPED / "hostile.test.zone"])
    assert [zone.origin.to_text() for zone in zones] == ["example.test.", "hostile.test."]


def test_load_zones_refuses_the_same_origin_twice(tmp_path):
    copy = write(tmp_path / "copy.zone", (SHIPPED / "example.test.zone").read_text())
    with pytest.raises(ZoneError) as caught:
        load_zones([SHIPPED / "example.test.zone", copy])
    assert str(caught.value) == (
        f"{copy}: zone example.test. is already loaded from {SHIPPED / 'example.test.zone'}")


def test_load_zones_is_all_or_nothing():
    with pytest.raises(ZoneError, match=r"bad-type\.zone:7"):
        load_zones([SHIPPED / "example.test.zone", DATA / "bad-type.zone"])


def test_a_missing_included_file_is_named(tmp_path):
    path = write(tmp_path / "home.test.zone", ZONE_BODY + "$INCLUDE /nonexistent/hosts.inc\n")
    with pytest.raises(ZoneError) as caught:
        load_zone(path)
    assert str(caught.value) == (
        f"{path}: cannot read $INCLUDE file /nonexistent/hosts.inc: No such file or directory")


def test_a_generated_record_that_clashes_names_the_generate_line(tmp_path):
    path = write(tmp_path / "home.test.zone",
                 ZONE_BODY + "host2 CNAME ns1\n$GENERATE 1-3 host$ A 192.0.2.$\n")
    with pytest.raises(ZoneError) as caught:
        load_zone(path)
    assert str(caught.value) == (
        f"{path}:6: a name with a CNAME cannot own other records (RFC 1034 s3.6.2)")
