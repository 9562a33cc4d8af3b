"""A cache that fails never breaks a page or a saved submission (core.caching).

In-process: the cache's methods are made to raise as a Redis connection error would.
The real Redis stopped and frozen under gunicorn is tests/test_fault_redis.py.
"""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from core import caching
from innovations.models import Innovation
from tests.factories import make_campaign, make_organisation
from tests.jobs import run_jobs
from tests.public_data import CACHED, url
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db


class CacheDown(ConnectionError):
    """What redis-py raises when Redis is not there."""


@pytest.fixture(autouse=True)
def _no_pause_between_tests():
    caching._paused_until = 0.0
    yield
    caching._paused_until = 0.0


def test_every_public_page_answers_from_the_database_when_every_cache_call_fails(client):
    campaign = make_campaign()
    with (
        mock.patch.object(cache, "get", side_effect=CacheDown),
        mock.patch.object(cache, "get_many", side_effect=CacheDown),
        mock.patch.object(cache, "set", side_effect=CacheDown),
        mock.patch.object(cache, "add", side_effect=CacheDown),
    ):
        for name in CACHED:
            response = client.get(url(name, campaign))
            assert response.status_code == 200, name
        assert client.get("/campaigns/").status_code == 200
        assert client.get(submit_url(campaign)).status_code == 200


def test_a_submission_whose_invalidation_fails_is_saved_answered_and_confirmed(
    client, django_capture_on_commit_callbacks, caplog
):
    campaign = make_campaign()
    make_organisation(name="Bromford")
    with (
        mock.patch.object(cache, "incr", side_effect=CacheDown("EVAL denied")),
        mock.patch.object(cache, "set", side_effect=CacheDown("EVAL denied")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(submit_url(campaign), payload(innovation(1)))
    assert response.status_code == 303
    assert Innovation.objects.filter(campaign=campaign).count() == 1
    assert "change not marked in the cache" in caplog.text
    run_jobs()  # the confirmation is a job, queued with the submission
    assert len(mail.outbox) == 1


def test_a_change_whose_invalidation_was_lost_shows_within_a_minute(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=1))
    make_organisation(name="Bromford")
    page = url("detail", campaign)
    assert '"tally__number">0<' in client.get(page).content.decode()
    with (
        mock.patch.object(cache, "incr", side_effect=CacheDown),
        mock.patch.object(cache, "set", side_effect=CacheDown),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert client.post(submit_url(campaign), payload(innovation(1))).status_code == 303
    caching._paused_until = 0.0
    # The cache kept the old page: what a lost invalidation looks like...
    assert '"tally__number">0<' in client.get(page).content.decode()
    # ...for at most TIMEOUT seconds.
    with time_machine.travel(timezone.now() + timedelta(seconds=caching.TIMEOUT + 1)):
        assert '"tally__number">1<' in client.get(page).content.decode()


def test_after_a_failure_the_cache_is_left_alone_for_a_few_seconds(client):
    campaign = make_campaign()
    with mock.patch.object(cache, "get_many", side_effect=CacheDown) as get_many:
        client.get(url("detail", campaign))
        client.get(url("detail", campaign))
    assert get_many.call_count == 1  # the second request did not wait on the cache again
