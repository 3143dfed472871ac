"""Load zone files, or refuse them with an error that names the file and the line.

dnspython parses RFC 1035 zone files ($ORIGIN, $TTL, relative names, escapes,
RFC 3597 unknown types). This module adds what a server needs on top:

* an origin when the file has no $ORIGIN: the --origin flag, else the file
  name (`example.test.zone` serves `example.test.`);
* a one-line error, `FILE:LINE: what`, for anything wrong, so a typo stops
  the start instead of serving half a zone;
* the checks nsd makes too: an SOA and NS records at the apex, no CNAME next
  to other data, no records outside the zone, no zone loaded twice.

Zones are loaded with absolute names (relativize=False): the lookup compares
query names with owner names, and both are then absolute.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import dns.exception
import dns.name
import dns.rdataclass
import dns.tokenizer
import dns.zone
import dns.zonefile

logger = logging.getLogger(__name__)

ZONE_SUFFIX = ".zone"


class ZoneError(Exception):
    """A zone file that cannot be served; the message is `FILE[:LINE]: what`."""


# --8<-- [start:load_zone]
def load_zone(path: str | os.PathLike[str], origin: str | dns.name.Name | None = None
              ) -> dns.zone.Zone:
    """Read one zone file, with absolute owner names.

    The origin is the file's own $ORIGIN when it sets one before its first
    record; otherwise `origin`; otherwise the file name without `.zone`.
    """
    path = Path(path)
    try:
        # First let the file speak for itself: a leading $ORIGIN decides.
        return _read(path, origin=None)
    except dns.zonefile.UnknownOrigin:
        pass
    if origin is None:
        origin = path.name.removesuffix(ZONE_SUFFIX)
        source = "the file name"
    else:
        source = "--origin"
    try:
        fallback = dns.name.from_text(str(origin)) if isinstance(origin, str) else origin
    except dns.exception.DNSException as error:
        raise ZoneError(f"{path}: origin {origin!r} from {source} is not a name: {error}") from None
    logger.debug("%s has no $ORIGIN, using %s from %s", path, fallback, source)
    return _read(path, origin=fallback, origin_source=source)
# --8<-- [end:load_zone]


def load_zones(paths: Iterable[str | os.PathLike[str]],
               origin: str | dns.name.Name | None = None) -> list[dns.zone.Zone]:
    """Load every file, all or nothing: the first bad one raises ZoneError."""
    zones: list[dns.zone.Zone] = []
    loaded_from: dict[dns.name.Name, Path] = {}
    for path in map(Path, paths):
        zone = load_zone(path, origin)
        if zone.origin in loaded_from:
            raise ZoneError(f"{path}: zone {zone.origin} is already loaded from "
                            f"{loaded_from[zone.origin]}")
        loaded_from[zone.origin] = path
        zones.append(zone)
    return zones


class _StrictReader(dns.zonefile.Reader):
    """dnspython's zone file reader, with two changes.

    * An error inside a record names the line the record starts on.
      dnspython names the line its tokenizer has reached, which for a bad
      value at the end of a line is already the next one.
    * A record outside the zone is an error. dnspython quietly skips such a
      line (its `_eat_line` exists for exactly that case); nsd refuses the
      file, and so do we: a skipped record is almost always a typo in a name.

    Both hook private methods of dnspython's reader; tests/part2/test_zones.py
    fails if a new dnspython changes them.
    """

    origin_source = "$ORIGIN"

    def _rr_line(self) -> None:
        filename, line = self.tok.where()
        try:
            super()._rr_line()
        except dns.zonefile.UnknownOrigin:
            raise  # load_zone tries again with an origin from elsewhere
        except dns.exception.DNSException as error:
            raise ZoneError(f"{filename}:{line}: {_describe(error)}") from None

    def _eat_line(self) -> None:
        raise dns.exception.SyntaxError(
            f"owner name is outside the zone {self.zone_origin} "
            f"({_origin_note(self.origin_source)})")


def _read(path: Path, origin: dns.name.Name | None,
          origin_source: str = "$ORIGIN") -> dns.zone.Zone:
    """Parse `path` into a new zone, or raise ZoneError.

    This is dns.zone.from_file unrolled by a few lines, to use our reader.
    """
    zone = dns.zone.Zone(origin, dns.rdataclass.IN, relativize=False)
    try:
        with open(path, encoding="utf-8") as file, zone.writer(replacement=True) as txn:
            tokenizer = dns.tokenizer.Tokenizer(file, str(path))
            reader = _StrictReader(tokenizer, dns.rdataclass.IN, txn, allow_include=True)
            reader.origin_source = origin_source
            try:
                reader.read()
            except dns.zonefile.UnknownOrigin:
                raise
            except dns.exception.SyntaxError as error:
                # A bad directive ($TTL, $GENERATE...). dnspython's message starts
                # with FILE:LINE, but counts a newline it only peeked at.
                filename, line = reader.tok.where()
                detail = str(error).removeprefix(f"{filename}:{line}: ")
                raise ZoneError(f"{filename}:{_line_of(reader.tok)}: {detail}") from None
            except dns.exception.DNSException as error:
                # e.g. a $GENERATE line that clashes with a CNAME
                raise ZoneError(f"{reader.tok.filename}:{_line_of(reader.tok)}: "
                                f"{_describe(error)}") from None
            except OSError as error:
                # An $INCLUDE of a file that cannot be opened. The tokenizer has
                # already moved past that line, so name the file, not the line.
                raise ZoneError(f"{reader.tok.filename}: cannot read $INCLUDE file "
                                f"{error.filename}: {error.strerror or error}") from None
    except OSError as error:
        raise ZoneError(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ZoneError(f"{path}: not UTF-8 text: {error.reason}") from None
    _check_apex(zone, path, origin_source)
    return zone


def _check_apex(zone: dns.zone.Zone, path: Path, origin_source: str) -> None:
    # RFC 1035 s5.2 / RFC 1034 s4.2.1: a zone starts with an SOA and lists its
    # name servers at its top node. Neither has a line of its own to blame.
    apex = zone.origin
    if zone.get_rdataset(apex, "SOA") is None:
        raise ZoneError(f"{path}: no SOA record at the zone apex {apex} "
                        f"({_origin_note(origin_source)})")
    if zone.get_rdataset(apex, "NS") is None:
        raise ZoneError(f"{path}: no NS records at the zone apex {apex}")


def _line_of(tokenizer: dns.tokenizer.Tokenizer) -> int:
    """The line the tokenizer is on. It counts a newline as soon as it reads
    one, even one it only peeked at to see where a word ends."""
    peeked = tokenizer.ungotten_char == "\n" or (
        tokenizer.ungotten_token is not None and tokenizer.ungotten_token.is_eol())
    return tokenizer.line_number - peeked


def _origin_note(source: str) -> str:
    hint = "; set $ORIGIN in the file or pass --origin" if source == "the file name" else ""
    return f"origin from {source}{hint}"


def _describe(error: Exception) -> str:
    if isinstance(error, dns.zonefile.CNAMEAndOtherData):
        # dnspython's words for it are about its own data structures.
        return "a name with a CNAME cannot own other records (RFC 1034 s3.6.2)"
    return str(error) or type(error).__doc__ or type(error).__name__
