"""Caching for the public pages, with Django's own tools. Read this first.

Three pieces, all keyed on the content version:

1. `mark_changed()`. Every service that changes what the public can see (a
   submission, a moderation, an organisation merge or rename, a campaign edit)
   calls it once its transaction has committed. It moves the version, so every
   fragment and page cached under the old one is stale at once: nothing has to be
   found and deleted. One version serves the whole site: pages that span
   campaigns (the list of campaigns, an organisation's page) change with them,
   and with a handful of campaigns at a time a finer grain would save nothing.

2. `cached(name, compute)`: an expensive fragment (a tally, the hourly counts, a
   page of the collated list), computed once per version and kept with it.
   A fragment that shows only settings and what is published (the form's blank
   fields, the themes, the organisations people may pick) passes
   `kept_across_submissions=True`: it is keyed on a second version that every
   change moves except a new submission (`mark_changed(new_submission=True)`),
   whose innovations wait for moderation. In a deadline rush the form is then
   rendered once, not once per submission. `recent(name, compute)` keeps a figure
   as long as nginx keeps a page, whatever changes (the form's tally: the form is
   never cached whole).

3. `public_page(...)`: a view decorator for pages that are the same for everyone.
   The rendered page is kept under the current version, the minute (pages show
   the time left) and only the query parameters the page reads, so
   `?utm_source=…` cannot fill the cache. The response says
   `Cache-Control: public, max-age=0, s-maxage=N`: nginx in front (deploy/nginx/)
   keeps it for N seconds, browsers revalidate with its ETag (304 Not Modified,
   from Django's ConditionalGetMiddleware). Such a page must read no session,
   user or CSRF token and set no cookie; forms and anything personal use
   `never_cache` instead.

The cache is not a database: any call may fail or hang (settings give Redis
socket timeouts of about a second). A failure is logged and the caller carries on
from the database; `mark_changed` never raises. After a failure this process
leaves the cache alone for `PAUSE_SECONDS`, so a frozen Redis costs one timeout,
not one per call. Everything is kept for at most `TIMEOUT` seconds, so a change
whose `mark_changed` was lost shows within a minute of the cache coming back.
"""

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from .http import reading

logger = logging.getLogger(__name__)

VERSION_KEY = "content-version"
# Moved by every change but a new submission (see `cached`).
PUBLISHED_VERSION_KEY = "published-version"
TIMEOUT = 60
PAUSE_SECONDS = 5
# What a page's response says about itself that a cached copy must say again.
KEPT_HEADERS = ("Content-Type", "Last-Modified")

_paused_until = 0.0
_MISSING = object()


def cache_call(what, call, default=None):
    """`call()` on the cache, or `default` if the cache fails (logged) or is paused."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return default
    try:
        return call()
    except Exception as error:  # any cache failure: carry on without it
        _paused_until = time.monotonic() + PAUSE_SECONDS
        logger.warning("cache unavailable (%s): %s: %s", what, type(error).__name__, error)
        return default


def cache_available():
    """True if the cache answers now (for the health and readiness checks)."""
    global _paused_until
    try:
        cache.get(VERSION_KEY)
    except Exception:
        return False
    _paused_until = 0.0
    return True


def _new_version():
    # From the clock, so a version lost with the cache is never reused.
    return time.time_ns()


def current_version():
    """The content version, or None when the cache cannot be used."""
    value = cache_call("version", lambda: cache.get(VERSION_KEY))
    if value is None:
        value = _start_version()
    return value


def _start_version(key=VERSION_KEY):
    def start():
        cache.add(key, _new_version(), timeout=None)
        return cache.get(key)

    return cache_call("version", start)


def mark_changed(*campaign_ids, new_submission=False):
    """Make every cached fragment and page stale. Call it after the change commits.

    `campaign_ids` name what changed, for the log only. `new_submission=True` says the
    change is only innovations received, waiting for moderation: fragments cached with
    `kept_across_submissions` stay. Never raises: a change that cannot be marked is
    logged and shows within `TIMEOUT` seconds anyway.
    """
    keys = (VERSION_KEY,) if new_submission else (VERSION_KEY, PUBLISHED_VERSION_KEY)

    def move():
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # no version yet (or evicted): start a new one
                cache.set(key, _new_version(), timeout=None)
        return True

    if cache_call("invalidation", move) is None:
        logger.warning(
            "change not marked in the cache: campaigns %s; pages show it within %ss",
            ",".join(map(str, campaign_ids)) or "-",
            TIMEOUT,
        )


def _kept(version_key, key):
    """(the version under `version_key`, the entry kept under `key` for that version or None)
    in one round trip. An entry is a tuple whose first item is the version it was made
    under. The version is None when the cache cannot be used."""
    found = cache_call("get", lambda: cache.get_many([version_key, key]), {})
    version = found.get(version_key) or _start_version(version_key)
    entry = found.get(key)
    if version is None or entry is None or entry[0] != version:
        return version, None
    return version, entry


def cached(name, compute, *, kept_across_submissions=False):
    """`compute()`, kept until the next change (or `TIMEOUT`); computed afresh without a cache.

    `kept_across_submissions=True`: `compute()` reads only settings and what is published,
    so a new submission leaves it as it was (see the module's docstring). The value is
    kept with the version it was computed under, so one round trip reads both.
    """
    version_key = PUBLISHED_VERSION_KEY if kept_across_submissions else VERSION_KEY
    key = f"fragment:{settings.RELEASE}:{version_key}:{name}"
    version, entry = _kept(version_key, key)
    if entry is not None:
        return entry[1]
    value = compute()
    if version is not None:
        cache_call("set", lambda: cache.set(key, (version, value), TIMEOUT))
    return value


def recent(name, compute):
    """`compute()`, kept for `PUBLIC_CACHE_SECONDS` whatever changes meanwhile: a figure on
    a page that is never cached whole (the form's tally) is then as fresh as a public page
    behind nginx, and costs one query a second in a rush, not one a submission."""
    key = f"recent:{settings.RELEASE}:{name}"
    value = cache_call("get", lambda: cache.get(key, _MISSING), _MISSING)
    if value is _MISSING:
        value = compute()
        cache_call("set", lambda: cache.set(key, value, settings.PUBLIC_CACHE_SECONDS))
    return value


def _page_key(request, name, kwargs, params):
    query = [(param, request.GET.getlist(param)) for param in params if param in request.GET]
    minute = int(time.time()) // 60
    raw = repr((settings.RELEASE, name, sorted(kwargs.items()), query, minute))
    return f"page:{hashlib.sha256(raw.encode()).hexdigest()}"


def _etag(key, version):
    return '"' + hashlib.sha256(f"{key}|{version}".encode()).hexdigest()[:32] + '"'


def _shared_for_a_moment(response):
    patch_cache_control(response, public=True, max_age=0, s_maxage=settings.PUBLIC_CACHE_SECONDS)
    return response


def public_page(name, params=()):
    """Cache a view's page for everyone until the next change; see the module's docstring.

    `params` are the query parameters the page reads: the only ones in its key.
    Only a 200 is kept. Anything but GET or HEAD is answered 405.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, **kwargs):
            key = _page_key(request, name, kwargs, params)
            version, entry = _kept(VERSION_KEY, key)
            if entry is not None:
                _version, content, headers = entry
                response = HttpResponse(content)
                for header, value in headers:
                    response[header] = value
                response["ETag"] = _etag(key, version)
                return _shared_for_a_moment(response)
            response = view(request, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            if version is not None:
                response["ETag"] = _etag(key, version)
                headers = tuple((h, response[h]) for h in KEPT_HEADERS if h in response)
                entry = (version, response.content, headers)
                cache_call("set", lambda: cache.set(key, entry, TIMEOUT))
            return _shared_for_a_moment(response)

        return reading(wrapped)

    return decorator
