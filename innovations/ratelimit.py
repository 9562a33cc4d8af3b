"""A per-client-address limit on submissions, kept in the shared cache.

A fixed window: the first submission from an address starts a counter that expires
after the window; `cache.add` and `cache.incr` are atomic in Redis, so the limit holds
across gunicorn workers and hosts (and within one process with the local-memory cache).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("innovations.submissions")


def parse_rate(text: str) -> tuple[int, int] | None:
    """ "10/600" -> (10, 600); "0" or "" -> None (no limit). Anything else is a mistake."""
    text = (text or "").strip()
    if text in ("", "0"):
        return None
    count, _, seconds = text.partition("/")
    try:
        count, seconds = int(count), int(seconds)
    except ValueError:
        count = seconds = 0
    if count <= 0 or seconds <= 0:
        raise ImproperlyConfigured(
            f'SUBMISSION_RATE_LIMIT must be "count/seconds" such as "10/600", or "0"; got {text!r}'
        )
    return count, seconds


def submission_allowed(address: str) -> bool:
    """Count one submission from `address`; False once it is over the limit."""
    rate = parse_rate(settings.SUBMISSION_RATE_LIMIT)
    if rate is None:
        return True
    count, seconds = rate
    key = f"submission-rate:{address}"
    try:
        cache.add(key, 0, timeout=seconds)
        try:
            used = cache.incr(key)
        except ValueError:
            # The counter expired between add and incr: this is the first in a new window.
            cache.add(key, 1, timeout=seconds)
            used = 1
    except Exception as error:  # the cache is down: let people submit (fail open)
        logger.warning("rate limit not applied: cache unavailable: %s", type(error).__name__)
        return True
    return used <= count
