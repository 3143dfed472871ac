"""Part 4: a cache in front of the resolver of part 3, with a fast hit path.

    caching = build_caching_resolver(CacheSettings(upstreams=["127.0.0.1:8054"]))
    await caching.server().start("127.0.0.1", 8053)
"""

from .cache import Cache, Entry, Stats
from .caching import CachedProcessor, cached
from .resolver import CacheSettings, CachingResolver, build_caching_resolver

__all__ = [
    "Cache",
    "CacheSettings",
    "CachedProcessor",
    "CachingResolver",
    "Entry",
    "Stats",
    "build_caching_resolver",
    "cached",
]
