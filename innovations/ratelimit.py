"""Limits on how many innovations arrive in a window, counted in the shared cache.

Two fixed windows, both counting **innovations** (a submission of 5 counts 5):
- per sender (the email address typed), tight: `SUBMISSION_SENDER_RATE_LIMIT`,
  20 in 10 minutes by default, so one person cannot flood a campaign;
- per network address, loose: `SUBMISSION_RATE_LIMIT`, 100 in 10 minutes by default,
  so twenty colleagues behind one office address can each send theirs.

Only a submission that is about to be saved counts: `innovations_reserve` takes the
innovations out of both allowances at once (`cache.incr` is atomic in Redis, so the
limit holds across workers and hosts), and the view gives them back with
`Reservation.release()` when the submission is not saved after all (a "Did you mean…?"
question, a closed campaign, a database error). An invalid form never gets that far.

A cache that fails lets the submission through with a warning in the log: a limit is
worth less than a saved innovation.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("innovations.ratelimit")


def parse_rate(text: str, *, name: str = "SUBMISSION_RATE_LIMIT") -> tuple[int, int] | None:
    """ "20/600" -> (20, 600); "0" or "" -> None (no limit). Anything else is a mistake."""
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
            f'{name} must be "count/seconds" such as "20/600", or "0"; got {text!r}'
        )
    return count, seconds


def _limits(address: str, email: str):
    """(cache key, allowed, window seconds) for each limit that is on."""
    sender = parse_rate(settings.SUBMISSION_SENDER_RATE_LIMIT, name="SUBMISSION_SENDER_RATE_LIMIT")
    network = parse_rate(settings.SUBMISSION_RATE_LIMIT, name="SUBMISSION_RATE_LIMIT")
    limits = []
    if sender is not None:
        # The address itself is personal data: the key holds a digest of it.
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        limits.append((f"innovation-rate:sender:{digest}", *sender))
    if network is not None:
        limits.append((f"innovation-rate:address:{address}", *network))
    return limits


@dataclass
class Reservation:
    """Innovations counted against the limits; `allowed` False if over either."""

    allowed: bool = True
    retry_after: int = 0  # seconds until the window that refused ends (at most)
    taken: list[tuple[str, int]] = field(default_factory=list)

    def release(self) -> None:
        """Give the innovations back: the submission was not saved."""
        for key, count in self.taken:
            try:
                cache.decr(key, count)
            except ValueError:
                pass  # the window ended meanwhile: nothing to give back
            except Exception:  # noqa: BLE001 - a cache outage must not break the form
                logger.warning("rate limit: could not release %s", key, exc_info=True)
        self.taken = []


def _take(key: str, count: int, seconds: int) -> int:
    """Add `count` to the window's counter (starting it if need be); the new total."""
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key, count)
    except ValueError:
        # The counter expired between add and incr: this is the first in a new window.
        cache.add(key, count, timeout=seconds)
        return count


def _seconds_left(key: str, window: int) -> int:
    """How long until the window behind `key` ends, where the cache can say; else all of it."""
    ttl = getattr(cache, "ttl", None)  # django-redis has it; the local-memory cache not
    if ttl is not None:
        try:
            left = ttl(key)
        except Exception:  # noqa: BLE001
            left = None
        if isinstance(left, int) and 0 < left <= window:
            return left
    return window


def innovations_reserve(*, address: str, email: str, count: int) -> Reservation:
    """Count `count` innovations from `email` at `address`; refused if over either limit.

    A refused reservation has counted nothing. On a cache error it is allowed.
    """
    reservation = Reservation()
    try:
        for key, allowed, window in _limits(address, email):
            used = _take(key, count, window)
            reservation.taken.append((key, count))
            if used > allowed:
                reservation.release()
                return Reservation(allowed=False, retry_after=_seconds_left(key, window))
    except ImproperlyConfigured:
        raise
    except Exception:  # noqa: BLE001 - fail open: see the module docstring
        reservation.release()
        logger.warning(
            "rate limit not applied: the cache failed", exc_info=True, extra={"address": address}
        )
        return Reservation()
    return reservation
