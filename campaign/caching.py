"""Caching and conditional GET for a campaign's public pages.

Everything cached here is keyed on `freshness.version(campaign.pk)`, so one
`mark_changed(campaign.pk)` (a new submission, a moderation, a merge, an admin
edit) makes every cached fragment, page and ETag of that campaign stale at once:
nothing has to be deleted, and no page can show a tally older than the last change.

A page also depends on the clock: an open campaign's "2 days 4 hours left" moves
every minute, and a campaign's status changes at its opening and closing times.
`time_bucket` puts that into the key: the minute for pages that show the time
left, only the status for the rest.

On a hit a page costs no SQL query: the campaign comes from this process's memory
while its version is unchanged. While the process hears every change as it
happens (`changes`), the rendered page comes from its memory too, with no I/O at
all; otherwise the version and the rendered page are read in one round trip.
"""

import hashlib
import threading
import time
from functools import wraps

from cachetools import LRUCache
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

from . import changes
from .freshness import version, version_key

TIMEOUT = 60 * 60  # a safety net: the version in the key is what keeps pages fresh

# What a view's response says about itself that a hit must say again (the ETag and
# Cache-Control are set here; security headers by the middleware, on every response).
KEPT_HEADERS = ("Content-Type", "Last-Modified")

MINUTE = "minute"
STATUS = "status"


def cached(campaign, name, compute, timeout=TIMEOUT):
    """`compute()`, cached under `name` until the campaign's next change."""
    key = f"campaign:{campaign.pk}:{version(campaign.pk)}:{settings.RELEASE}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def time_bucket(campaign, granularity, at=None):
    at = at or timezone.now()
    status = campaign.status(at).value
    if granularity == MINUTE and status != campaign.Status.CLOSED:
        return f"{status}:{int(at.timestamp()) // 60}"
    return status


# slug -> (campaign, its version when loaded, when loaded): this process's copies.
_known_campaigns = {}
KNOWN_CAMPAIGN_SECONDS = 60


def _remembered(slug):
    """(campaign, version seen when it was loaded) from this process's memory, or None."""
    known = _known_campaigns.get(slug)
    if known is None or time.monotonic() - known[2] >= KNOWN_CAMPAIGN_SECONDS:
        return None
    return known[0], known[1]


def _load_campaign(slug):
    """(campaign, version) from the database, remembered in this process.

    Every change to a campaign goes through `mark_changed`, which moves the
    version; the time limit on remembering bounds the moment between loading the
    row and reading its version.
    """
    from .models import Campaign

    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        _known_campaigns.pop(slug, None)
        return None, None
    current = version(campaign.pk)
    _known_campaigns[slug] = (campaign, current, time.monotonic())
    return campaign, current


def _campaign_by_slug(slug):
    """The campaign at `slug` and its version; no SQL while its version is unchanged."""
    remembered = _remembered(slug)
    if remembered is not None:
        campaign, seen = remembered
        if version(campaign.pk) == seen:
            return campaign, seen
    return _load_campaign(slug)


def campaign_for(request, slug):
    """The campaign at `slug`, or None; looked up once per request."""
    memo = request.__dict__.setdefault("_public_campaigns", {})
    if slug not in memo:
        memo[slug] = _campaign_by_slug(slug)
    return memo[slug][0]


def _page_key(request, campaign, name, granularity):
    """One key per release, page, campaign, time bucket and full path (with the query).

    The campaign's version is not in the key but in the cached value: reading the
    version and the page is then one round trip to the cache (MGET).
    """
    raw = "|".join(
        [
            settings.RELEASE,
            name,
            str(campaign.pk),
            time_bucket(campaign, granularity),
            request.get_full_path(),
        ]
    )
    return f"page:{hashlib.sha256(raw.encode()).hexdigest()}"


class _Page:
    """What one request knows about one cached page: looked up once, used for ETag and body."""

    __slots__ = ("campaign", "version", "key", "generation", "content", "headers")

    def __init__(self, campaign, current, key, generation, entry=None):
        self.campaign, self.version, self.key = campaign, current, key
        self.generation = generation
        self.content = self.headers = None
        if entry is not None and entry[0] == current:
            _, self.content, self.headers = entry

    @property
    def etag(self):
        return hashlib.sha256(f"{self.key}|{self.version}".encode()).hexdigest()[:40]

    def keep_in_memory(self):
        """Keep the page in this process until the next change, if none came since it was read."""
        if self.content is None or self.generation is None:
            return
        entry = (self.generation, self.version, self.content, self.headers)
        with _in_memory_lock:
            if changes.generation() == self.generation:
                _in_memory[self.key] = entry


# key -> (generation, version, content, headers): pages this process serves
# with no round trip, while `changes.generation()` is what it was when each was read.
IN_MEMORY_BYTES = 32 * 1024 * 1024
_in_memory = LRUCache(maxsize=IN_MEMORY_BYTES, getsizeof=lambda entry: len(entry[2]) + 256)
_in_memory_lock = threading.Lock()


def _from_memory(campaign, key, generation):
    """The page kept in this process's memory under this generation, or None."""
    if generation is None:
        return None
    with _in_memory_lock:
        entry = _in_memory.get(key)
    if entry is None or entry[0] != generation:
        return None
    _, current, content, headers = entry
    return _Page(campaign, current, key, generation, (current, content, headers))


def _from_cache(campaign, seen, key, generation):
    """The page from one MGET of (version, page); None if the campaign changed since `seen`."""
    vkey = version_key(campaign.pk)
    found = cache.get_many([vkey, key])
    if found.get(vkey) != seen:
        return None  # changed (or evicted): load the campaign again
    return _Page(campaign, seen, key, generation, found.get(key))


def _lookup(request, slug, name, granularity):
    """The campaign, its version and the cached page (or None): memoised on the request.

    From this process's memory when it can (no I/O), else from the shared cache:
    one round trip when the campaign is remembered, or a query and two otherwise.
    """
    memo = request.__dict__.setdefault("_public_pages", {})
    if name in memo:
        return memo[name]
    generation = changes.generation()  # read first: a change after it voids what is read
    page = None
    remembered = _remembered(slug)
    if remembered is not None:
        campaign, seen = remembered
        key = _page_key(request, campaign, name, granularity)
        page = _from_memory(campaign, key, generation)
        if page is None:
            page = _from_cache(campaign, seen, key, generation)
            if page is not None:
                page.keep_in_memory()
    if page is None:
        campaign, current = _load_campaign(slug)
        if campaign is not None:
            key = _page_key(request, campaign, name, granularity)
            page = _Page(campaign, current, key, generation, cache.get(key))
            page.keep_in_memory()
    if page is not None:
        campaigns = request.__dict__.setdefault("_public_campaigns", {})
        campaigns[slug] = (page.campaign, page.version)
    memo[name] = page
    return page


def public_page(name, granularity=STATUS):
    """Serve a campaign page from the cache, with an ETag and 304 Not Modified.

    A hit costs no SQL, and no round trip to Redis while this process hears every
    change (`changes`); else one. The view is called as `view(request, campaign,
    **kwargs)` only on a miss; its 200 response's body and `KEPT_HEADERS` are cached
    with the version they were rendered at. Anonymous pages must not touch the
    session or set cookies, or they could not be shared like this.
    """

    def decorator(view):
        def etag(request, slug, **kwargs):
            page = _lookup(request, slug, name, granularity)
            return None if page is None else page.etag

        @wraps(view)
        def render(request, slug, **kwargs):
            page = _lookup(request, slug, name, granularity)
            if page is None:
                raise Http404("No such campaign.")
            if page.content is not None:
                response = HttpResponse(page.content)
                for header, value in page.headers:
                    response[header] = value
                return response
            response = view(request, page.campaign, **kwargs)
            if response.status_code == 200 and not response.streaming:
                page.content = response.content
                page.headers = tuple(
                    (header, response[header]) for header in KEPT_HEADERS if header in response
                )
                cache.set(page.key, (page.version, page.content, page.headers), TIMEOUT)
                page.keep_in_memory()
            return response

        # Pages to read: anything but GET or HEAD is answered 405, never with a page.
        conditional = require_safe(condition(etag_func=etag)(render))

        @wraps(view)
        def wrapped(request, slug, **kwargs):
            response = conditional(request, slug, **kwargs)
            # Shared caches may keep it, but must ask (with the ETag) before reuse;
            # a 304 says so again, as RFC 9111 asks.
            if response.status_code in (200, 304):
                if response.has_header("Cache-Control"):
                    patch_cache_control(response, public=True, no_cache=True)
                else:
                    response["Cache-Control"] = "public, no-cache"
            return response

        wrapped.public_page = (name, granularity)  # found by `middleware.CachedPageMiddleware`
        return wrapped

    return decorator


def cached_page(request, slug, name, granularity):
    """True if this request's page is in the cache now: the view would answer without rendering."""
    page = _lookup(request, slug, name, granularity)
    return page is not None and page.content is not None
