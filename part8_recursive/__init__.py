"""Part 8: ask the root yourself. A recursive resolver that walks from the root hints.

    caching = build_recursive_resolver(RecursiveSettings(root_hints="root.hints"))
    await caching.server().start("127.0.0.1", 8053)

Or, as a processor of its own (part 4's cache, or part 7's validator, in front):

    resolver = RecursiveResolver(load_root_hints("root.hints"))
"""

from .bailiwick import Kind, Reading, read_reply
from .hints import RootHints, RootHintsError, load_root_hints, parse_root_hints
from .iterator import RecursiveResolver, ResolutionFailed, Result, Step
from .limits import Budget, LimitReached, Limits
from .records import Delegation, RecordCache
from .resolver import RecursiveSettings, build_recursive_resolver
from .servers import ServerTimes
from .trace import describe_step, trace

__all__ = [
    "Budget",
    "Delegation",
    "Kind",
    "LimitReached",
    "Limits",
    "Reading",
    "RecordCache",
    "RecursiveResolver",
    "RecursiveSettings",
    "ResolutionFailed",
    "Result",
    "RootHints",
    "RootHintsError",
    "ServerTimes",
    "Step",
    "build_recursive_resolver",
    "describe_step",
    "load_root_hints",
    "parse_root_hints",
    "read_reply",
    "trace",
]
