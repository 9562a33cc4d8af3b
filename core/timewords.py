"""Times and durations as people say them: "8.59am on Sunday 6 July 2014", "2 days 4 hours"."""

import math
from datetime import timedelta

from django.utils import timezone


def clock_words(value):
    """'8.59am', '4pm', 'midday', 'midnight' in Europe/London."""
    local = timezone.localtime(value)
    if local.minute == 0 and local.hour == 12:
        return "midday"
    if local.minute == 0 and local.hour == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}.{local.minute:02d}{suffix}"


def date_words(value):
    """'Sunday 6 July 2014' in Europe/London."""
    local = timezone.localtime(value)
    return f"{local:%A} {local.day} {local:%B %Y}"


def when_words(value):
    """'8.59am on Sunday 6 July 2014'."""
    return f"{clock_words(value)} on {date_words(value)}"


def _plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n:,} {word}s"


def duration_words(delta):
    """'2 days 4 hours', '3 hours 12 minutes', '45 minutes', 'less than a minute'."""
    seconds = int(max(delta, timedelta(0)).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return " ".join(filter(None, [_plural(days, "day"), hours and _plural(hours, "hour")]))
    if hours:
        return " ".join(
            filter(None, [_plural(hours, "hour"), minutes and _plural(minutes, "minute")])
        )
    if minutes:
        return _plural(minutes, "minute")
    return "less than a minute"


def length_words(delta):
    """A campaign's length in hours, as its name says it: '140 hours', '1 hour',
    '5 hours 22 minutes' (a campaign closed early), '45 minutes'."""
    minutes = int(max(delta, timedelta(0)).total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _plural(minutes, "minute")
    return " ".join(filter(None, [_plural(hours, "hour"), minutes and _plural(minutes, "minute")]))


def minutes_words(seconds):
    """A wait in whole minutes, rounded up: 600 -> '10 minutes', 60 or 1 -> '1 minute'."""
    return _plural(max(1, math.ceil(seconds / 60)), "minute")
