"""Part 4, exercise 2: warm the cache at start-up.    (medium, about 30 minutes)

A resolver that has just started knows nothing: the first visit to every
site waits for the upstream. Warm it up: before serving, ask the names the
household asks most (exercise 1 found them) so they are in the cache when
the first person opens a browser.

    questions = read_questions("popular.txt")
    report = await warm_up(cached_processor, questions, concurrency=4)

* read_questions(path): one question a line, "NAME [TYPE]" (TYPE is A when
  missing), blank lines and # comments skipped; (name, type) pairs;
* warm_up asks every question through `processor` (the cached one, so
  the answers land in the cache), with src and dst ("127.0.0.1", 0);
* at most `concurrency` questions are in flight at once: a resolver that
  wakes up should not flood its upstream;
* a question whose reply is NOERROR or NXDOMAIN is "answered"; any other
  rcode, no reply (None) or an exception is "failed", and does not stop
  the others; the report lists them as "name/TYPE" in the order given.

Grade your work with:  pytest --exercise part4

Reference solution.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Iterable

import dns.message
import dns.rcode

from part2_server.processor import Processor

LOCAL = ("127.0.0.1", 0)


@dataclasses.dataclass
class WarmUpReport:
    answered: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)


def read_questions(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """The (name, type) pairs listed in a file."""
    questions = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            words = line.partition("#")[0].split()
            if words:
                questions.append((words[0], words[1].upper() if len(words) > 1 else "A"))
    return questions


async def warm_up(processor: Processor, questions: Iterable[tuple[str, str]], *,
                  concurrency: int = 4) -> WarmUpReport:
    """Ask every question, at most `concurrency` at once, and report how it went."""
    questions = list(questions)
    slots = asyncio.Semaphore(concurrency)

    async def ask(name: str, rdtype: str) -> bool:
        async with slots:
            try:
                query = dns.message.make_query(name, rdtype)
                reply = await processor(query, src=LOCAL, dst=LOCAL)
            except Exception:   # one bad name must not stop the warm-up
                return False
        return reply is not None and reply.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)

    results = await asyncio.gather(*(ask(name, rdtype) for name, rdtype in questions))
    report = WarmUpReport()
    for (name, rdtype), ok in zip(questions, results, strict=True):
        (report.answered if ok else report.failed).append(f"{name}/{rdtype}")
    return report
