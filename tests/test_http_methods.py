"""Which HTTP methods each public URL answers: pages to read GET and HEAD (HEAD without a
body, dropped by Django itself), the form GET, HEAD and POST, anything else 405."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from innovations.models import Innovation
from tests.factories import make_campaign, make_innovation

pytestmark = pytest.mark.django_db

OTHER_METHODS = ["OPTIONS", "TRACE", "PUT", "DELETE", "PATCH"]


@pytest.fixture
def site():
    campaign = make_campaign(slug="live")
    innovation = make_innovation(campaign=campaign, status=Innovation.Status.APPROVED)
    return {
        "campaign": campaign,
        "innovation": innovation,
        "organisation": innovation.organisation,
        "submission": innovation.submission,
    }


def reading_urls(site):
    slug = site["campaign"].slug
    return [
        "/",
        "/campaigns/",
        f"/campaigns/{slug}/",
        f"/campaigns/{slug}/innovations/",
        f"/campaigns/{slug}/innovations/{site['innovation'].pk}/",
        f"/campaigns/{slug}/feed/",
        f"/campaigns/{slug}/export.csv",
        f"/campaigns/{slug}/export.json",
        f"/campaigns/{slug}/chart.svg",
        f"/campaigns/{slug}/badge.svg",
        f"/campaigns/{slug}/embed/",
        f"/campaigns/{slug}/thanks/{site['submission'].receipt}/",
        f"/organisations/{site['organisation'].slug}/",
        "/healthz",
        "/favicon.ico",
    ]


READING_NAMES = [
    "root",
    "campaigns",
    "home",
    "list",
    "innovation",
    "feed",
    "export.csv",
    "export.json",
    "chart",
    "badge",
    "embed",
    "thanks",
    "organisation",
    "healthz",
    "favicon",
]


def wsgi(method, path):
    """(status, headers, body) straight from Django's WSGI handler, as gunicorn sees it
    (the test client drops HEAD bodies itself, so it cannot tell)."""
    environ = RequestFactory().generic(method, path).environ
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(headers)

    # As the test client does: the test's transaction keeps its connection open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = WSGIHandler()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("index", range(len(READING_NAMES)), ids=READING_NAMES)
def test_pages_to_read_answer_get_and_head_and_nothing_else(browser, site, index):
    url = reading_urls(site)[index]
    get = browser.get(url)
    assert get.status_code in (200, 301, 302), (url, get.status_code)
    if get.streaming:  # read and close an export, as a server would (its cursor with it)
        b"".join(get.streaming_content)
        get.close()
    for method in ["POST", *OTHER_METHODS]:
        response = browser.generic(method, url)
        assert response.status_code == 405, (url, method, response.status_code)
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}


@pytest.mark.parametrize("index", range(len(READING_NAMES)), ids=READING_NAMES)
def test_head_has_the_get_headers_and_no_body_twice_over(site, index):
    url = reading_urls(site)[index]
    for _attempt in range(2):  # a miss, then (for cached pages) a hit
        get_status, get_headers, get_body = wsgi("GET", url)
        status, headers, body = wsgi("HEAD", url)
        assert status == get_status, url
        assert body == b"", url
        assert headers.get("Content-Type") == get_headers.get("Content-Type"), url
        if "Content-Length" in headers and get_status == 200:
            assert int(headers["Content-Length"]) == len(get_body), url


def test_the_form_answers_get_head_and_post_and_nothing_else(browser, site):
    url = f"/campaigns/{site['campaign'].slug}/submit/"
    assert browser.get(url).status_code == 200
    status, _headers, body = wsgi("HEAD", url)
    assert (status, body) == (200, b"")
    assert browser.post(url, {}).status_code == 403  # POST is allowed: the CSRF check answers
    for method in OTHER_METHODS:
        response = browser.generic(method, url)
        assert response.status_code == 405, method
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_a_head_of_an_export_does_not_stream_the_rows(site):
    status, headers, body = wsgi("HEAD", f"/campaigns/{site['campaign'].slug}/export.csv")
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body == b""
