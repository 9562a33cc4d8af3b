"""A campaign as its public pages and its form read it: from the cache.

The campaign's own row changes only when an organiser edits it (`campaign.services`,
which calls `mark_changed`), never when someone submits. So it is kept under the
version a new submission does not move (`kept_across_submissions`): a page rebuilt
after a submission, and the form in a deadline rush, do not ask for it again. A POST
that must be held to the deadline reads the row itself.

When it is read, the site settings come in the same query (`with_site_settings`), so a
page built on an empty cache reads them no more: at most 4 queries for any public page.
"""

from django.http import Http404

from core.caching import cached

from . import sitesettings
from .models import Campaign


def campaign_or_404(slug, *, when_read=None):
    """The campaign at `slug`, with its themes (`with_themes`), or Http404.

    `when_read(campaign)` is called when it came from the database, not the cache.
    """

    def read():
        campaign = Campaign.objects.with_themes().with_site_settings().filter(slug=slug).first()
        if campaign is None:
            # Not cached: a stranger's made-up addresses must not fill the cache.
            raise Http404("No such campaign")
        # Read in the same query: the page's header and footer need them next.
        sitesettings.remember(campaign.site_settings_row)
        del campaign.site_settings_row
        if when_read is not None:
            when_read(campaign)
        return campaign

    return cached(f"campaign:{slug}", read, kept_across_submissions=True)
