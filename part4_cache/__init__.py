"""Part 4: a cache in front of the resolver of part 3, with a fast hit path."""

from .cache import Cache, Entry, Stats
from .processor import CachedProcessor, cached

__all__ = ["Cache", "CachedProcessor", "Entry", "Stats", "cached"]
