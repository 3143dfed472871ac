"""--workers N: N copies of the server, one process each, sharing one port.

Python runs one thread of Python code at a time, so one process uses one
core. To use more, the parent forks N workers. Each listens on the same
address and port with SO_REUSEPORT, and the kernel shares the clients out
among them (by a hash of the client's address and port, so one client's
queries keep going to the same worker). Each worker has its own cache: no
locks, no shared memory, nothing to coordinate.

The parent only watches: it passes SIGTERM, SIGINT, SIGHUP and SIGUSR1 on
to every worker (stop, stop, reload, statistics), and when a worker dies
without being told to, it stops the others and exits with an error, so
that systemd (Restart=on-failure) starts the whole service again.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable

logger = logging.getLogger(__name__)

STOP = (signal.SIGTERM, signal.SIGINT)
PASSED_ON = (*STOP, signal.SIGHUP, signal.SIGUSR1)


# --8<-- [start:run_workers]
def run_workers(count: int, work: Callable[[], None]) -> int:
    """Run `work()` in `count` forked processes until they stop; their worst exit code."""
    workers: list[int] = []
    stopping = False

    def pass_on(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = stopping or signum in STOP
        for pid in workers:
            _send(pid, signum)

    for signum in PASSED_ON:  # before forking, so no signal finds the parent unready
        signal.signal(signum, pass_on)
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            _be_a_worker(work)  # never returns
        workers.append(pid)
    logger.info("started %d workers: %s", count, " ".join(map(str, workers)))
    worst = 0
    while workers:
        pid, status = os.wait()
        workers.remove(pid)
        code = os.waitstatus_to_exitcode(status)
        worst = worst or code
        if not stopping:
            logger.error("worker %d exited (code %d): stopping the others", pid, code)
            worst = worst or 1
            stopping = True
            for other in workers:
                _send(other, signal.SIGTERM)
    return worst
# --8<-- [end:run_workers]


def _be_a_worker(work: Callable[[], None]) -> None:
    """In a forked child: do the work, then leave without returning to the parent's code."""
    for signum in PASSED_ON:
        signal.signal(signum, signal.SIG_DFL)  # the worker's event loop sets its own
    code = 0
    try:
        work()
    except SystemExit as leaving:
        if isinstance(leaving.code, str):
            print(leaving.code, file=sys.stderr)
        code = leaving.code if isinstance(leaving.code, int) else 1
    except BaseException:
        logger.exception("worker failed")
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _send(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass  # exited meanwhile: os.wait will tell
