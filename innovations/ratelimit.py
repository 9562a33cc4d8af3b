"""Limits on how many innovations arrive in a window, counted in the shared cache.

Two fixed windows (core.limits), both counting **innovations** (a submission of 5 counts 5):
- per sender (the email address typed), tight: `SUBMISSION_SENDER_RATE_LIMIT`,
  20 in 10 minutes by default, so one person cannot flood a campaign;
- per network address, loose: `SUBMISSION_RATE_LIMIT`, 100 in 10 minutes by default,
  so twenty colleagues behind one office address can each send theirs.

Only a submission that is about to be saved counts: `innovations_reserve` takes the
innovations out of both allowances, and the view gives them back with
`Reservation.release()` when the submission is not saved after all (a "Did you mean…?"
question, a closed campaign, a database error). An invalid form never gets that far.

A cache that fails lets the submission through with a warning in the log: a limit is
worth less than a saved innovation.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.limits import address_key, count, seconds_left, uncount

logger = logging.getLogger("innovations.ratelimit")


def parse_rate(text: str, *, name: str = "SUBMISSION_RATE_LIMIT") -> tuple[int, int] | None:
    """ "20/600" -> (20, 600); "0" or "" -> None (no limit). Anything else is a mistake."""
    text = (text or "").strip()
    if text in ("", "0"):
        return None
    number, _, seconds = text.partition("/")
    try:
        number, seconds = int(number), int(seconds)
    except ValueError:
        number = seconds = 0
    if number <= 0 or seconds <= 0:
        raise ImproperlyConfigured(
            f'{name} must be "count/seconds" such as "20/600", or "0"; got {text!r}'
        )
    return number, seconds


def _limits(address: str, email: str):
    """(cache key, allowed, window seconds) for each limit that is on."""
    sender = parse_rate(settings.SUBMISSION_SENDER_RATE_LIMIT, name="SUBMISSION_SENDER_RATE_LIMIT")
    network = parse_rate(settings.SUBMISSION_RATE_LIMIT, name="SUBMISSION_RATE_LIMIT")
    limits = []
    if sender is not None:
        # The address itself is personal data: the key holds a digest of it.
        limits.append((address_key("innovation-rate-sender", email), *sender))
    if network is not None:
        limits.append((f"innovation-rate-address:{address}", *network))
    return limits


@dataclass
class Reservation:
    """Innovations counted against the limits; `allowed` False if over either."""

    allowed: bool = True
    retry_after: int = 0  # seconds until the window that refused ends (at most)
    taken: list[tuple[str, int]] = field(default_factory=list)

    def release(self) -> None:
        """Give the innovations back: the submission was not saved."""
        for key, number in self.taken:
            uncount(key, by=number)
        self.taken = []


def innovations_reserve(*, address: str, email: str, count_: int) -> Reservation:
    """Count `count_` innovations from `email` at `address`; refused if over either limit.

    A refused reservation has counted nothing. If the cache fails it is allowed.
    """
    reservation = Reservation()
    for key, allowed, window in _limits(address, email):
        used = count(key, window, by=count_)
        if used is None:
            logger.warning("rate limit not applied: the cache failed", extra={"address": address})
            reservation.release()
            return Reservation()
        reservation.taken.append((key, count_))
        if used > allowed:
            reservation.release()
            return Reservation(allowed=False, retry_after=seconds_left(key, window))
    return reservation


def response_allowed(address: str) -> bool:
    """Count one "We do this too" response from `address`; False once over `RESPONSE_RATE_LIMIT`.

    If the cache fails it is allowed (logged), as for submissions.
    """
    rate = parse_rate(settings.RESPONSE_RATE_LIMIT, name="RESPONSE_RATE_LIMIT")
    if rate is None:
        return True
    allowed, window = rate
    used = count(f"response-rate:{address}", window)
    if used is None:
        logger.warning("rate limit not applied: the cache failed", extra={"address": address})
        return True
    return used <= allowed
