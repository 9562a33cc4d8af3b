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
    count = f"{tally.innovations} / {campaign.target} innovations"
    if status == campaign.Status.OPEN:
        return f"{count} · {short_duration(campaign.time_left(at))} left"
    if status == campaign.Status.UPCOMING:
        return f"{count} · opens in {short_duration(campaign.time_until_open(at))}"
    return f"{count} · closed"


def badge_context(campaign, tally, at=None):
    label = f"#{campaign.hashtag}" if campaign.hashtag else campaign.title[:30]
    value = badge_text(campaign, tally, at)
    label_width = round(len(label) * CHAR_WIDTH + PADDING * 2)
    value_width = round(len(value) * CHAR_WIDTH + PADDING * 2)
    return {
        "label": label,
        "value": value,
        "height": HEIGHT,
        "label_width": label_width,
        "value_width": value_width,
        "width": label_width + value_width,
        "label_x": label_width / 2,
        "value_x": label_width + value_width / 2,
    }
