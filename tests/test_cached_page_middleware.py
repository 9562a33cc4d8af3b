"""Cached public pages are answered before the per-visitor middleware, with the same
headers a miss gets: security headers, framing rules, validators, length."""

from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client
from django.urls import reverse

from tests.factories import make_campaign
from tests.public_data import CACHED, fill, url

pytestmark = pytest.mark.django_db

FRAMEABLE = {"badge", "embed"}
# Headers that differ by design between two answers: the request id, and none else.
PER_REQUEST = {"X-Request-ID"}


@pytest.fixture
def campaign():
    campaign = make_campaign()
    fill(campaign, 5, organisations=3)
    return campaign


def headers(response):
    return {name: value for name, value in response.headers.items() if name not in PER_REQUEST}


@pytest.mark.parametrize("name", CACHED)
def test_a_hit_sends_the_same_body_and_headers_as_the_miss_before_it(client, campaign, name):
    miss = client.get(url(name, campaign))
    hit = client.get(url(name, campaign))
    assert miss.status_code == hit.status_code == 200
    assert hit.content == miss.content
    assert headers(hit) == headers(miss)
    assert hit["Content-Length"] == str(len(hit.content))
    assert "Content-Security-Policy" in hit.headers
    if name in FRAMEABLE:
        assert "X-Frame-Options" not in hit.headers
        assert "frame-ancestors *" in hit["Content-Security-Policy"]
    else:
        assert hit["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in hit["Content-Security-Policy"]


def test_a_hit_skips_the_session_and_a_miss_does_not(client, campaign):
    target = url("innovations", campaign)
    original = SessionMiddleware.process_request
    with mock.patch.object(
        SessionMiddleware, "process_request", autospec=True, side_effect=original
    ) as session:
        client.get(target)  # a miss: rendered through every middleware
        assert session.call_count == 1
        assert client.get(target).status_code == 200  # a hit
        assert session.call_count == 1
        client.get(reverse("innovations:submit", kwargs={"slug": campaign.slug}))
        assert session.call_count == 2  # pages that are not cached go the whole way


def test_a_hit_answers_conditional_and_head_requests(client, campaign):
    target = url("detail", campaign)
    etag = client.get(target)["ETag"]
    again = client.get(target, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, no-cache"
    head = client.head(target)
    assert head.status_code == 200
    assert head["ETag"] == etag


@pytest.mark.parametrize("name", CACHED)
def test_a_post_to_a_cached_page_is_refused_not_answered_with_the_page(client, campaign, name):
    target = url(name, campaign)
    client.get(target)
    response = client.post(target)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_signed_in_organiser_sees_the_same_cached_page(client, campaign, moderator):
    target = url("innovations", campaign)
    anonymous = Client().get(target).content
    signed_in = client.get(target)  # `moderator` signed in on `client`
    assert signed_in.content == anonymous
    assert "Set-Cookie" not in signed_in.headers
