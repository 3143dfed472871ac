"""Command-line options whose defaults come from the environment.

(Options, not "flags": in DNS, flags are the header's bits.) Every option
`--some-option` can also be set as DNS_SOME_OPTION, so a board can keep its
settings in a systemd EnvironmentFile. An option on the command line wins.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
from collections.abc import Callable
from typing import TypeVar

from part1_client.sizes import MAX_UDP_DATAGRAM, MIN_UDP_PAYLOAD

Settings = TypeVar("Settings")


def env(name: str, default: str | None = None) -> str | None:
    """The value of environment variable `name`, or `default` when unset or empty."""
    return os.environ.get(name) or default


def env_flag(name: str, default: str = "") -> bool:
    """An on/off environment variable: 1, yes, true or on (any case) mean on."""
    return (env(name) or default).strip().lower() in ("1", "yes", "true", "on")


def env_list(name: str) -> list[str]:
    """A space- or comma-separated environment variable, as a list."""
    return (env(name) or "").replace(",", " ").split()


class AppendReplacingDefault(argparse.Action):
    """Like action="append", but the first use on the command line replaces the
    default (taken from the environment) instead of adding to it."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        current = getattr(namespace, self.dest)
        if current is self.default:
            current = []
        setattr(namespace, self.dest, [*current, values])


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {port}")
    return port


def ip_address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address: {text!r}") from None


def _number(convert: Callable[[str], float], kind: str, *, above: bool, complaint: str):
    """An argparse type for a number at or above zero (strictly above when `above`)."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {kind}: {text!r}") from None
        if value < 0 or (above and value == 0):
            raise argparse.ArgumentTypeError(f"{complaint}: {text}")
        return value

    return parse


positive_float = _number(float, "a number", above=True, complaint="must be above zero")
non_negative_float = _number(float, "a number", above=False, complaint="must not be below zero")
whole_number = _number(int, "a whole number", above=False, complaint="must not be negative")
positive_whole_number = _number(int, "a whole number", above=True, complaint="must be at least 1")


def udp_reply_size(text: str) -> int:
    """An argparse type for --max-udp-reply: 512 to the most one datagram holds."""
    size = whole_number(text)
    if not MIN_UDP_PAYLOAD <= size <= MAX_UDP_DATAGRAM:
        raise argparse.ArgumentTypeError(
            f"must be {MIN_UDP_PAYLOAD} to {MAX_UDP_DATAGRAM} bytes: {text}")
    return size


def settings_from(args: argparse.Namespace, settings: type[Settings]) -> Settings:
    """A settings dataclass filled from the parsed flags of the same names."""
    names = (field.name for field in dataclasses.fields(settings))
    return settings(**{name: getattr(args, name) for name in names if hasattr(args, name)})
