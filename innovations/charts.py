"""The pace chart: innovations received per hour, the running total and the target pace.

The counts per hour are kept beside the innovations (`HourCount`, by UTC hour so
every bucket is exactly one hour even across a clock change; innovations/counts.py);
Python only places at most one bar per hour of the campaign.
"""

import math
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db.models import Sum
from django.utils import timezone

from core.caching import cached
from core.timewords import length_words, when_words

from .models import HourCount, Innovation

HOUR = timedelta(hours=1)

# Geometry of the SVG, in user units.
WIDTH, HEIGHT = 720, 300
NARROW = 360  # the same chart drawn for phones, so its labels stay the size they are drawn
LEFT, RIGHT, TOP = 48, 20, 30
LINE_BOTTOM = 190  # the running total and the target pace above...
BARS_TOP, BARS_BOTTOM = 214, 266  # ...the bars per hour below


def hourly_counts(campaign):
    """{hour index from the campaign's first hour: innovations received}, counted ones only."""
    rows = (
        HourCount.objects.filter(campaign=campaign, status__in=Innovation.COUNTED, n__gt=0)
        .values("hour")
        .annotate(n=Sum("n"))
        .order_by("hour")
    )
    start = _first_hour(campaign)
    counts = {}
    for row in rows:
        index = min(max(int((row["hour"] - start) / HOUR), 0), _hours(campaign) - 1)
        counts[index] = counts.get(index, 0) + row["n"]
    return counts


def cached_hourly_counts(campaign):
    return cached(f"hourly:{campaign.pk}", lambda: hourly_counts(campaign))


def _first_hour(campaign):
    return campaign.opens_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hours(campaign):
    """Number of hourly bars: every clock hour the campaign touches."""
    return max(1, math.ceil((campaign.closes_at - _first_hour(campaign)) / HOUR))


@dataclass(frozen=True)
class Pace:
    total: int
    target: int
    expected: int  # what the target pace would have reached by now (or by the close)
    busiest_count: int
    busiest_at: object  # datetime of the busiest hour's start, or None

    def describe(self, campaign):
        if self.total == 0:
            text = f"No innovations received yet, against a target of {self.target:,}."
        else:
            text = (
                f"{self.total:,} innovation{'s' if self.total != 1 else ''} received "
                f"against a target of {self.target:,}."
            )
        text += f" The target pace is {self.target:,} in {length_words(campaign.length)}"
        if self.expected != self.total:
            gap = abs(self.total - self.expected)
            side = "ahead of" if self.total > self.expected else "behind"
            text += f"; the campaign is {gap:,} {side} it."
        else:
            text += "; the campaign is on it."
        if self.busiest_count:
            text += (
                f" The busiest hour brought {self.busiest_count:,}, "
                f"from {when_words(self.busiest_at)}."
            )
        return text


def pace(campaign, counts, at=None):
    at = at or timezone.now()
    until = min(max(at, campaign.opens_at), campaign.closes_at)
    elapsed = (until - campaign.opens_at) / campaign.length
    busiest = max(counts.items(), key=lambda item: (item[1], -item[0]), default=(0, 0))
    return Pace(
        total=sum(counts.values()),
        target=campaign.target,
        expected=round(campaign.target * elapsed),
        busiest_count=busiest[1],
        busiest_at=_first_hour(campaign) + busiest[0] * HOUR if busiest[1] else None,
    )


def _points(values):
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in values)


def chart_context(campaign, counts, at=None, *, width=WIDTH):
    """Everything the SVG template draws, already in user units, `width` units wide."""
    at = at or timezone.now()
    hours = _hours(campaign)
    start = _first_hour(campaign)
    plot_width = width - LEFT - RIGHT
    step = plot_width / hours
    total = sum(counts.values())
    top_value = max(campaign.target, total, 1)
    busiest = max(counts.values(), default=0)

    def x_at(moment):
        return LEFT + ((moment - start) / HOUR) * step

    def y_total(value):
        return LINE_BOTTOM - (LINE_BOTTOM - TOP) * value / top_value

    bars = []
    for index, n in sorted(counts.items()):
        height = (BARS_BOTTOM - BARS_TOP) * n / busiest
        bars.append(
            {
                "x": f"{LEFT + index * step + step * 0.1:.1f}",
                "y": f"{BARS_BOTTOM - height:.1f}",
                "width": f"{max(step * 0.8, 0.5):.1f}",
                "height": f"{height:.1f}",
                "n": n,
                "at": start + index * HOUR,
            }
        )

    # The running total steps up at the end of each hour, up to now (or the close).
    until = min(max(at, campaign.opens_at), campaign.closes_at)
    last_hour = min(hours, math.ceil((until - start) / HOUR))
    running, cumulative = 0, [(x_at(campaign.opens_at), y_total(0))]
    for index in range(last_hour):
        running += counts.get(index, 0)
        end = min(start + (index + 1) * HOUR, until)
        cumulative.append((x_at(end), y_total(running)))

    days = [
        {"x": f"{x_at(campaign.opens_at + timedelta(hours=h)):.1f}", "label": f"{h}h"}
        for h in range(0, int(campaign.length_hours) + 1, 24)
    ]
    return {
        "width": width,
        "height": HEIGHT,
        "left": LEFT,
        "right": width - RIGHT,
        "top": TOP,
        "line_bottom": LINE_BOTTOM,
        "bars_top": BARS_TOP,
        "bars_bottom": BARS_BOTTOM,
        "bars": bars,
        "busiest": busiest,
        "top_value": top_value,
        "cumulative": _points(cumulative),
        "target_line": _points(
            [
                (x_at(campaign.opens_at), y_total(0)),
                (x_at(campaign.closes_at), y_total(campaign.target)),
            ]
        ),
        "target_y": f"{y_total(campaign.target):.1f}",
        "ticks": days,
        "axis_label_y": HEIGHT - 12,
    }
