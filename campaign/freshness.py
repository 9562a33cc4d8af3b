"""A per-campaign version number kept in the cache, for caching and conditional GET.

Anything that changes what a campaign's public pages show (a new submission, a
moderation, an organisation merge, an edit in admin) calls `mark_changed`. Cached
fragments and ETags include `version(campaign_id)`, so they go stale at once.
The number lives in the shared cache (Redis in production): bumping it is atomic,
with no database write and no lock in the request path. With Redis, the same
script also tells every process that something changed (see `changes`).
"""

import time

from django.core.cache import cache

from . import changes


def version_key(campaign_id):
    """The cache key holding the campaign's version (for reading it with other keys)."""
    return f"campaign-version:{campaign_id}"


def version(campaign_id):
    """The campaign's current version; a fresh one if the cache lost it."""
    key = version_key(campaign_id)
    value = cache.get(key)
    if value is None:
        # A time-based start never repeats a version seen before an eviction.
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
    return value


SITE_WIDE = "site"

# Move each version (or start it from the clock) and publish, in one atomic step:
# no process can see a new version before the message is on its way.
_MARK_CHANGED = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCR', key)
  else
    redis.call('SET', key, ARGV[1])
  end
end
return redis.call('PUBLISH', ARGV[2], ARGV[3])
"""


def site_version():
    """Moves with every change to any campaign: for pages that span campaigns."""
    return version(SITE_WIDE)


def publish_change(client, ids):
    """Move the versions of `ids` and tell every process, on the Redis `client`."""
    keys = [cache.make_key(version_key(campaign_id)) for campaign_id in ids]
    message = ",".join(str(campaign_id) for campaign_id in ids)
    client.eval(_MARK_CHANGED, len(keys), *keys, time.time_ns(), changes.channel(), message)


def mark_changed(*campaign_ids):
    """Make the named campaigns' cached pages stale, and the pages spanning campaigns."""
    ids = [*campaign_ids, SITE_WIDE]
    client = changes.redis_client()
    if client is not None:
        publish_change(client, ids)
        changes.listener.moved()  # this process knows at once; the others within moments
        return
    for campaign_id in ids:
        key = version_key(campaign_id)
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, time.time_ns(), timeout=None)
