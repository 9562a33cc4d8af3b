"""How many times something happened in a fixed window, counted in the shared cache.

`count(key, seconds)` adds one and returns the count in this window (the first call starts
a window that expires after `seconds`; `cache.add` and `cache.incr` are atomic in Redis,
so every worker and host shares it). It returns None when the cache is unavailable
(`core.caching.cache_call`): callers then carry on as if within their limit, since a cache
outage must not stop a receipt or a password reset.
"""

import hashlib

from django.core.cache import cache

from .caching import cache_call


def _count(key, seconds):
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: the first of a new window
        cache.add(key, 1, timeout=seconds)
        return 1


def count(key: str, seconds: int) -> int | None:
    return cache_call(f"count {key.split(':')[0]}", lambda: _count(key, seconds))


def address_key(kind: str, email: str) -> str:
    """A cache key for an email address that does not hold the address itself."""
    return f"{kind}:{hashlib.sha256(email.strip().lower().encode()).hexdigest()}"
