"""The live tally badge for blogs: "53 / 140 innovations · 12h left"."""

from django.utils import timezone

# Verdana-ish 11px: about 6.5 units a character is close enough for a badge.
CHAR_WIDTH = 6.5
PADDING = 10
HEIGHT = 20


def short_duration(delta):
    """'2d 4h', '12h', '45m', '<1m'."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return "<1m"


def badge_text(campaign, tally, at=None):
    at = at or timezone.now()
    status = campaign.status(at)
    noun = "innovation" if campaign.target == 1 else "innovations"
    count = f"{tally.innovations:,} / {campaign.target:,} {noun}"
    if status == campaign.Status.OPEN:
        return f"{count} · {short_duration(campaign.time_left(at))} left"
    if status == campaign.Status.UPCOMING:
        return f"{count} · opens in {short_duration(campaign.time_until_open(at))}"
    return f"{count} · closed"


# The value's colour says the status at a glance: the accent red only while it is open.
# White text on each is at least 4.5:1.
FILLS = {"open": "#b3261e", "upcoming": "#36454f", "closed": "#4d4d4d"}


def badge_context(campaign, tally, at=None):
    label = f"#{campaign.hashtag}" if campaign.hashtag else campaign.title[:30]
    value = badge_text(campaign, tally, at)
    label_width = round(len(label) * CHAR_WIDTH + PADDING * 2)
    value_width = round(len(value) * CHAR_WIDTH + PADDING * 2)
    return {
        "label": label,
        "fill": FILLS[campaign.status(at)],
        "value": value,
        "height": HEIGHT,
        "label_width": label_width,
        "value_width": value_width,
        "width": label_width + value_width,
        "label_x": label_width / 2,
        "value_x": label_width + value_width / 2,
    }
