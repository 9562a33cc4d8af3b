"""How many times something happened in a fixed window, counted in the shared cache.

`count(key, seconds)` adds one (or `by`) and returns the count in this window (the first
call starts a window that expires after `seconds`; `cache.add` and `cache.incr` are atomic
in Redis, so every worker and host shares it). It returns None when the cache is
unavailable (`core.caching.cache_call`): callers then carry on as if within their limit,
since a cache outage must not stop a receipt, a password reset or a submission.
`uncount` gives back what was counted for something that did not happen after all.
"""

import contextlib
import hashlib

from django.core.cache import cache

from .caching import cache_call


def _count(key, seconds, by):
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key, by)
    except ValueError:  # expired between add and incr: the first of a new window
        cache.add(key, by, timeout=seconds)
        return by


def count(key: str, seconds: int, *, by: int = 1) -> int | None:
    return cache_call(f"count {key.split(':')[0]}", lambda: _count(key, seconds, by))


def uncount(key: str, *, by: int = 1) -> None:
    """Take back `by` from the current window's count (nothing once the window ended)."""

    def take_back():
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            cache.decr(key, by)
        return True

    cache_call(f"uncount {key.split(':')[0]}", take_back)


def seconds_left(key: str, window: int) -> int:
    """How long until the window behind `key` ends, where the cache can say; else `window`."""
    ttl = getattr(cache, "ttl", None)  # django-redis has it; the local-memory cache not
    left = cache_call("ttl", lambda: ttl(key)) if ttl is not None else None
    return left if isinstance(left, int) and 0 < left <= window else window


def address_key(kind: str, email: str) -> str:
    """A cache key for an email address that does not hold the address itself."""
    return f"{kind}:{hashlib.sha256(email.strip().lower().encode()).hexdigest()}"
