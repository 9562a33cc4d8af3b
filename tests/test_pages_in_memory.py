"""Pages kept in each process's memory between changes, on the machine's real Redis.

A hit from memory must cost no round trip to Redis; a change made by another process
(published on Redis) must void it within moments; and whenever the process is not
listening, pages must come from Redis, checked against the campaign's version.
"""

import time

import pytest
import redis
from django.core.cache import cache, caches
from django.urls import reverse

from campaign import caching, changes, freshness
from innovations.models import Innovation
from tests.conftest import TEST_REDIS_URL, wait_until
from tests.factories import make_campaign, make_innovation

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(redis_cache):
    campaign = make_campaign(title="Spring push", target=140)
    make_innovation(campaign=campaign, status="approved")
    return campaign


def list_url(campaign):
    return reverse("campaign:innovations", kwargs={"slug": campaign.slug})


def badge_url(campaign):
    return reverse("campaign:badge", kwargs={"slug": campaign.slug})


@pytest.fixture
def redis_calls(monkeypatch, redis_cache):
    """Every read the cache makes from here on, by method name."""
    backend = caches["default"]  # the object itself: the proxy moves when settings are restored
    calls = []
    for name in ("get", "get_many"):
        real = getattr(backend, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(backend, name, counted)
    return calls


def change_from_another_process(campaign):
    """What another worker's `mark_changed` does: its own connection, the same script."""
    other = redis.Redis.from_url(TEST_REDIS_URL)
    freshness.publish_change(other, [campaign.pk, freshness.SITE_WIDE])


def test_a_hit_from_memory_asks_redis_nothing(
    client, campaign, redis_calls, django_assert_num_queries
):
    first = client.get(badge_url(campaign))
    assert first.status_code == 200
    redis_calls.clear()
    with django_assert_num_queries(0):
        for _ in range(5):
            again = client.get(badge_url(campaign))
            assert again.content == first.content
            assert again["ETag"] == first["ETag"]
    assert redis_calls == []
    not_modified = client.get(badge_url(campaign), headers={"if-none-match": first["ETag"]})
    assert not_modified.status_code == 304
    assert not_modified["Cache-Control"] == "public, no-cache"
    assert redis_calls == []


def test_a_change_published_by_another_process_shows_within_moments(client, campaign):
    assert "1 / 140 innovations" in client.get(badge_url(campaign)).content.decode()
    assert "1 / 140 innovations" in client.get(badge_url(campaign)).content.decode()
    before = changes.generation()

    make_innovation(campaign=campaign, status="approved")  # another process's row: no signal
    change_from_another_process(campaign)

    started = time.monotonic()
    wait_until(lambda: changes.generation() != before, what="the change heard")
    heard_in = time.monotonic() - started
    assert heard_in < 1.0
    response = client.get(badge_url(campaign))
    assert "2 / 140 innovations" in response.content.decode()


def test_a_page_read_before_a_change_is_not_kept(campaign, rf):
    generation = changes.generation()
    key = caching._page_key(rf.get(list_url(campaign)), campaign, "list", caching.STATUS)
    page = caching._Page(
        campaign, 7, key, generation, (7, b"old page", (("Content-Type", "text/html"),))
    )
    changes.listener.moved()  # the change is heard while the page is being read
    page.keep_in_memory()
    assert key not in caching._in_memory

    page = caching._Page(
        campaign, 8, key, changes.generation(), (8, b"new page", (("Content-Type", "text/html"),))
    )
    page.keep_in_memory()
    assert caching._in_memory[key][2] == b"new page"


def test_while_not_listening_pages_come_from_redis_and_stay_fresh(
    client, campaign, monkeypatch, redis_calls
):
    monkeypatch.setattr(changes, "generation", lambda: None)
    client.get(list_url(campaign))
    redis_calls.clear()
    assert client.get(list_url(campaign)).status_code == 200
    assert redis_calls == ["get_many"]  # the version and the page, in one round trip

    pending = make_innovation(campaign=campaign, title="Heard at once", status="pending")
    assert "Heard at once" not in client.get(list_url(campaign)).content.decode()
    Innovation.objects.filter(pk=pending.pk).update(status="approved")
    change_from_another_process(campaign)
    assert "Heard at once" in client.get(list_url(campaign)).content.decode()


def test_mark_changed_moves_the_version_or_starts_it_from_the_clock(campaign):
    started = freshness.version(campaign.pk)
    freshness.mark_changed(campaign.pk)
    assert freshness.version(campaign.pk) == started + 1

    cache.delete(freshness.version_key(campaign.pk))
    before = time.time_ns()
    freshness.mark_changed(campaign.pk)
    assert freshness.version(campaign.pk) >= before


def test_mark_changed_voids_this_process_s_memory_at_once(campaign):
    before = changes.generation()
    freshness.mark_changed(campaign.pk)
    assert changes.generation() != before  # no wait: the writer's own next page is fresh


class _SilentPubSub:
    """A subscription whose connection went quiet without closing (a network partition)."""

    def __init__(self):
        self.messages = [{"type": "subscribe"}]

    def subscribe(self, channel):
        pass

    def ping(self):
        pass

    def get_message(self, timeout):
        if self.messages:
            return self.messages.pop()
        time.sleep(timeout)
        return None

    def close(self):
        pass


class _SilentRedis:
    def pubsub(self):
        return _SilentPubSub()


def test_a_subscription_gone_silent_is_given_up(monkeypatch):
    changes.listener.stop()
    monkeypatch.setattr(changes, "redis_client", lambda: _SilentRedis())
    monkeypatch.setattr(changes, "PING_SECONDS", 0.1)
    monkeypatch.setattr(changes, "SILENCE_SECONDS", 0.5)
    try:
        wait_until(lambda: changes.generation() is not None, what="subscribed")
        started = time.monotonic()
        wait_until(lambda: changes.generation() is None, what="silence noticed")
        assert time.monotonic() - started < 2.0
    finally:
        changes.listener.stop()
