"""A campaign's themes as the public pages read them: one cached list per campaign, until the next change.

Pages look an innovation's theme up by `theme_id` in this list instead of joining the
theme table, so a page costs the same number of queries as before themes were rows.
"""

import json

from core.caching import cached

from .models import Question, Theme


def campaign_themes(campaign):
    """Every theme of the campaign (hidden ones too: old innovations still have them), in order.

    From the campaign's own row when it was loaded `with_themes()` (no query), else cached.
    """
    rows = getattr(campaign, "theme_rows", None)
    if rows is not None or hasattr(campaign, "theme_rows"):
        return _from_rows(campaign, rows or [])
    return cached(
        f"themes:{campaign.pk}",
        lambda: list(Theme.objects.filter(campaign=campaign).order_by("order", "pk")),
        kept_across_submissions=True,
    )


def _from_rows(campaign, rows):
    if isinstance(rows, str):  # a database that hands JSON back as text
        rows = json.loads(rows)
    themes = [
        Theme(
            pk=row["id"],
            campaign_id=campaign.pk,
            slug=row["slug"],
            name=row["name"],
            order=row["order"],
            hidden=bool(row["hidden"]),
        )
        for row in rows
    ]
    return sorted(themes, key=lambda theme: (theme.order, theme.pk))


def themes_by_id(campaign):
    return {theme.pk: theme for theme in campaign_themes(campaign)}


def attach_themes(campaign, innovations):
    """Give each innovation its theme object from the cached list (no query per innovation)."""
    found = themes_by_id(campaign)
    for innovation in innovations:
        theme = found.get(innovation.theme_id)
        if theme is not None:
            innovation.theme = theme
    return innovations


def public_questions(campaign):
    """The campaign's questions shown publicly, in order (cached like the themes)."""
    return cached(
        f"public-questions:{campaign.pk}",
        lambda: list(
            Question.objects.filter(campaign=campaign, public=True).order_by("order", "pk")
        ),
        kept_across_submissions=True,
    )


def campaign_questions(campaign):
    """Every question the campaign asks, in order (cached like the themes)."""
    return cached(
        f"questions:{campaign.pk}",
        lambda: list(Question.objects.filter(campaign=campaign).order_by("order", "pk")),
        kept_across_submissions=True,
    )
