"""Requests a browser or a script can send that are not in a shape we can read: a 400 page,
never a 500."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import make_campaign
from tests.submitting import payload, submit_url

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture
def browser():
    """A client that checks CSRF tokens, as the site does for every real visitor."""
    return Client(enforce_csrf_checks=True)


def _form_body(client, url, **fields):
    token = client.get(url).context["csrf_token"]
    return urlencode({**payload(), "csrfmiddlewaretoken": token, **fields})


@pytest.mark.parametrize(
    ("content_type", "encode"),
    [
        (f"{URLENCODED}; charset=utf-16", lambda text: text.encode("utf-16")),
        (f"{URLENCODED}; charset=utf-16", lambda text: text.encode("ascii")),
        (f"{URLENCODED}; charset=latin-1", lambda text: text.encode("latin-1")),
        (f"{URLENCODED}; charset=no-such-charset", lambda text: text.encode("ascii")),
    ],
    ids=["utf-16-body", "ascii-body-said-utf-16", "latin-1", "unknown-charset"],
)
def test_a_form_body_that_is_not_utf8_gets_the_400_page(browser, content_type, encode):
    campaign = make_campaign()
    url = submit_url(campaign)
    body = encode(_form_body(browser, url))
    response = browser.generic("POST", url, body, content_type=content_type)
    assert response.status_code == 400
    assert b"Sorry, we could not understand that request" in response.content


def test_invalid_utf8_bytes_in_a_form_are_answered_not_a_500(browser):
    campaign = make_campaign()
    url = submit_url(campaign)
    body = _form_body(browser, url).encode() + b"&name=%ff%fe\xff"
    response = browser.generic("POST", url, body, content_type=URLENCODED)
    assert response.status_code == 400


def test_the_admin_sign_in_with_a_utf16_body_gets_the_400_page(browser):
    url = "/admin/login/"
    token = browser.get(url).context["csrf_token"]
    body = urlencode({"username": "a", "password": "b", "csrfmiddlewaretoken": token})
    response = browser.generic(
        "POST", url, body.encode("utf-16"), content_type=f"{URLENCODED}; charset=utf-16"
    )
    assert response.status_code == 400
