"""A per-campaign version number kept in the cache, for caching and conditional GET.

Anything that changes what a campaign's public pages show (a new submission, a
moderation, an organisation merge, an edit in admin) calls `mark_changed`. Cached
fragments and ETags include `version(campaign_id)`, so they go stale at once.
The number lives in the shared cache (Redis in production): bumping it is one
atomic INCR, with no database write and no lock in the request path.
"""

import time

from django.core.cache import cache


def _key(campaign_id):
    return f"campaign-version:{campaign_id}"


def version(campaign_id):
    """The campaign's current version; a fresh one if the cache lost it."""
    key = _key(campaign_id)
    value = cache.get(key)
    if value is None:
        # A time-based start never repeats a version seen before an eviction.
        cache.add(key, time.time_ns())
        value = cache.get(key)
    return value


SITE_WIDE = "site"


def site_version():
    """Moves with every change to any campaign: for pages that span campaigns."""
    return version(SITE_WIDE)


def mark_changed(*campaign_ids):
    """Make the named campaigns' cached pages stale, and the pages spanning campaigns."""
    for campaign_id in [*campaign_ids, SITE_WIDE]:
        key = _key(campaign_id)
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, time.time_ns())
