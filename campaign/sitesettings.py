"""The site's own words (name, tagline, footer, organiser contact), read on every render.

`current()` costs no query while the cached copy is there: it is kept under a key of
its own, which only `site_settings_save` clears (a submission does not, so the
settings are read from the database once a minute at most, not after every change),
or that a campaign's page filled from its own query (`remember`, campaign.reading).
If the cache or the database fails, the page is still rendered, with the defaults: a
wrong footer line for a moment is better than a broken page.
"""

import json
import logging
from datetime import UTC

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from core.caching import TIMEOUT, cache_call

from .models import SiteSettings

logger = logging.getLogger(__name__)
_MISSING = object()


def cache_key():
    return f"site-settings:{settings.RELEASE}"


def _load():
    return SiteSettings.objects.filter(pk=1).first() or SiteSettings(pk=1)


def current():
    """The site settings: cached, else from the database, else the defaults."""
    found = cache_call("site settings", lambda: cache.get(cache_key(), _MISSING), _MISSING)
    if found is not _MISSING:
        return found
    try:
        found = _load()
    except DatabaseError:
        logger.warning("site settings: database unavailable, using the defaults", exc_info=True)
        return SiteSettings(pk=1)
    cache_call("site settings", lambda: cache.set(cache_key(), found, TIMEOUT))
    return found


def remember(row):
    """Keep the settings read with another query (`Campaign.objects.with_site_settings()`),
    so that `current()` need not read them again; `row` None: no record, the defaults."""
    if isinstance(row, str):  # a database that hands JSON back as text
        row = json.loads(row)
    found = SiteSettings(pk=1)
    for name, value in (row or {}).items():
        value = SiteSettings._meta.get_field(name).to_python(value)
        if value is not None and getattr(value, "tzinfo", False) is None:
            value = timezone.make_aware(value, UTC)  # SQLite keeps UTC without an offset
        setattr(found, name, value)
    cache_call("site settings", lambda: cache.add(cache_key(), found, TIMEOUT))
