"""Bulk data for the public pages' tests: many innovations in a handful of queries."""

from datetime import timedelta

from django.urls import reverse

from campaign.models import DefaultTheme
from innovations.counts import counts_rebuild
from innovations.models import Innovation, Submission, innovation_search_text
from tests.factories import make_organisation

THEMES = list(DefaultTheme.values)

# The campaign pages cached whole by `campaign.caching.public_page`, by URL name.
CACHED = ["detail", "innovations", "feed", "chart", "badge", "embed"]


def url(name, campaign):
    """The path of the campaign page named `name` (a `campaign:` URL name)."""
    return reverse(f"campaign:{name}", kwargs={"slug": campaign.slug})


def fill(campaign, n, *, organisations=10, status=Innovation.Status.APPROVED):
    """`n` innovations spread over `organisations` new organisations, over the campaign's hours."""
    orgs = [make_organisation() for _ in range(organisations)]
    themes = {theme.slug: theme for theme in campaign.themes.all()}
    submissions = Submission.objects.bulk_create(
        Submission(
            campaign=campaign,
            organisation=org,
            name=f"Submitter {i}",
            email=f"submitter{i}@example.org",
        )
        for i, org in enumerate(orgs)
    )
    Innovation.objects.bulk_create(
        Innovation(
            submission=submissions[i % organisations],
            campaign=campaign,
            organisation=orgs[i % organisations],
            title=f"Bulk innovation {i}",
            description=f"What bulk innovation {i} does.",
            # bulk_create skips save(), which keeps the search text.
            search_text=innovation_search_text(
                f"Bulk innovation {i}", f"What bulk innovation {i} does."
            ),
            theme=themes[THEMES[i % len(THEMES)]],
            status=status,
            created_at=campaign.opens_at + timedelta(minutes=7 * i),
        )
        for i in range(n)
    )
    counts_rebuild([campaign.pk])  # bulk_create skips the services that keep the counts
    return orgs
