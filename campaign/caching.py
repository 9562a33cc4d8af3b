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
while its version is unchanged, the version lives in the cache, and the rendered
page comes from the cache.
"""

import hashlib
import time
from functools import wraps

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from .freshness import version

TIMEOUT = 60 * 60  # a safety net: the version in the key is what keeps pages fresh

MINUTE = "minute"
STATUS = "status"


def cached(campaign, name, compute, timeout=TIMEOUT):
    """`compute()`, cached under `name` until the campaign's next change."""
    key = f"campaign:{campaign.pk}:{version(campaign.pk)}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def time_bucket(campaign, granularity, at=None):
    at = at or timezone.now()
    status = campaign.status(at)
    if granularity == MINUTE and status != campaign.Status.CLOSED:
        return f"{status}:{at:%Y%m%d%H%M}"
    return str(status)


# slug -> (campaign, its version when loaded, when loaded): this process's copies.
_known_campaigns = {}
KNOWN_CAMPAIGN_SECONDS = 60


def _campaign_by_slug(slug):
    """The campaign at `slug`, from this process's memory while its version is unchanged.

    A cache hit then costs no SQL at all. Every change to a campaign goes through
    `mark_changed`, which moves the version; the time limit only bounds the moment
    between loading a row and reading its version.
    """
    from .models import Campaign

    now = time.monotonic()
    known = _known_campaigns.get(slug)
    if known is not None:
        campaign, seen, loaded = known
        current = version(campaign.pk)
        if now - loaded < KNOWN_CAMPAIGN_SECONDS and current == seen:
            return campaign, current
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        _known_campaigns.pop(slug, None)
        return None, None
    current = version(campaign.pk)
    _known_campaigns[slug] = (campaign, current, now)
    return campaign, current


def campaign_for(request, slug):
    """The campaign at `slug`, or None; looked up once per request."""
    memo = request.__dict__.setdefault("_public_campaigns", {})
    if slug not in memo:
        memo[slug] = _campaign_by_slug(slug)
    return memo[slug][0]


def _version_for(request, campaign):
    """The version read with the campaign in this request, so it is read once."""
    for known, current in request.__dict__.get("_public_campaigns", {}).values():
        if known is not None and known.pk == campaign.pk:
            return current
    return version(campaign.pk)


def _page_key(request, campaign, name, granularity):
    """One key per page, campaign version, time bucket and full path (with the query)."""
    memo = request.__dict__.setdefault("_public_page_keys", {})
    if name not in memo:
        raw = "|".join(
            [
                name,
                str(campaign.pk),
                str(_version_for(request, campaign)),
                time_bucket(campaign, granularity),
                request.get_full_path(),
            ]
        )
        memo[name] = f"page:{hashlib.sha256(raw.encode()).hexdigest()}"
    return memo[name]


def public_page(name, granularity=STATUS):
    """Serve a campaign page from the cache, with an ETag and 304 Not Modified.

    The view is called as `view(request, campaign, **kwargs)` only on a cache miss;
    its 200 response's body and content type are cached. Anonymous pages must not
    touch the session or set cookies, or they could not be shared like this.
    """

    def decorator(view):
        def etag(request, slug, **kwargs):
            campaign = campaign_for(request, slug)
            if campaign is None:
                return None
            return _page_key(request, campaign, name, granularity).removeprefix("page:")[:40]

        @wraps(view)
        def wrapped(request, slug, **kwargs):
            campaign = campaign_for(request, slug)
            if campaign is None:
                raise Http404("No such campaign.")
            key = _page_key(request, campaign, name, granularity)
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                response = HttpResponse(content, content_type=content_type)
            else:
                response = view(request, campaign, **kwargs)
                if response.status_code == 200 and not response.streaming:
                    cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
            # Shared caches may keep it, but must ask (with the ETag) before reuse.
            patch_cache_control(response, public=True, no_cache=True)
            return response

        return condition(etag_func=etag)(wrapped)

    return decorator
