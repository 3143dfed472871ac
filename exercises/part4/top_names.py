"""Part 4, exercise 1: what does the household ask?  (easy, about 20 minutes)

The cache counts hits and misses in all. Count them per name instead, and
list the names asked most: you will be surprised what a house looks up.

Wrap the cached processor: TopNames(cached) is a processor too, and has a
fast_path, so the server takes it in place of the cached processor:

    counting = TopNames(cached(resolver, Cache()))
    server = DnsServer(counting, fast_path=counting.fast_path)

* fast_path(query, src, udp): ask the cached processor's fast path; when
  it answers (bytes), count one question and one hit for the name asked;
  when it does not (None), count nothing: the slow path will come next;
* a call (the slow path): count one question for the name, and a hit if
  the cache answered it (its stats.hits went up during the call);
* top(n) gives the n names with most questions, as NameCount(name,
  questions, hits), most questions first, equal counts in name order;
  names are lower case and end with a dot ("www.example.test.");
* fast_path runs for every query: do not parse the whole message there.
  dns.name.from_wire reads just the question's name (it starts at byte 12,
  right after the header).

Grade your work with:  pytest --exercise part4
"""

from __future__ import annotations

import dataclasses

import dns.message
import dns.name

from part2_server.processor import Endpoint
from part4_cache import CachedProcessor


@dataclasses.dataclass(frozen=True)
class NameCount:
    name: str
    questions: int
    hits: int


class TopNames:
    """A cached processor that also counts questions and hits per name."""

    def __init__(self, cached: CachedProcessor) -> None:
        self.cached = cached

    def fast_path(self, query: bytes, src: Endpoint, udp: bool) -> bytes | None:
        raise NotImplementedError("exercise: write TopNames.fast_path")

    async def __call__(self, query: dns.message.Message, *, src: Endpoint,
                       dst: Endpoint) -> dns.message.Message | None:
        raise NotImplementedError("exercise: write TopNames.__call__")

    def top(self, n: int = 10) -> list[NameCount]:
        raise NotImplementedError("exercise: write TopNames.top")
