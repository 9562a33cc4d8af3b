"""Per-client-address limits (submissions, responses), kept in the shared cache.

A fixed window: the first request from an address starts a counter that expires
after the window; `cache.add` and `cache.incr` are atomic in Redis, so the limit holds
across gunicorn workers and hosts (and within one process with the local-memory cache).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("innovations.submissions")


def parse_rate(text: str, setting: str = "SUBMISSION_RATE_LIMIT") -> tuple[int, int] | None:
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
            f'{setting} must be "count/seconds" such as "10/600", or "0"; got {text!r}'
        )
    return count, seconds


def submission_allowed(address: str) -> bool:
    """Count one submission from `address`; False once it is over the limit."""
    return allowed(f"submission-rate:{address}", settings.SUBMISSION_RATE_LIMIT)


def response_allowed(address: str) -> bool:
    """Count one "We do this too" response from `address`; False once over the limit."""
    return allowed(f"response-rate:{address}", settings.RESPONSE_RATE_LIMIT, "RESPONSE_RATE_LIMIT")


def allowed(key: str, rate_text: str, setting: str = "SUBMISSION_RATE_LIMIT") -> bool:
    """Count one more under `key`; False once over the "count/seconds" in `rate_text`."""
    rate = parse_rate(rate_text, setting)
    if rate is None:
        return True
    count, seconds = rate
    try:
        cache.add(key, 0, timeout=seconds)
        try:
            used = cache.incr(key)
        except ValueError:
            # The counter expired between add and incr: this is the first in a new window.
            cache.add(key, 1, timeout=seconds)
            used = 1
    except Exception as error:  # the cache is down: let people through (fail open)
        logger.warning("rate limit not applied: cache unavailable: %s", type(error).__name__)
        return True
    return used <= count
