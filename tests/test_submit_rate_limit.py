"""The rate limit counts innovations: tight per sender, loose per network address.

An office's staff share one address and must all get through; one sender cannot add
more than about 20 innovations in 10 minutes; a "Did you mean…?" round or an invalid
form costs nothing; a cache that fails lets submissions through, with a warning.
"""

import logging
from pathlib import Path

import pytest
from django.core.cache import cache

from core import caching
from innovations.models import Innovation, Submission
from innovations.ratelimit import parse_rate
from organisations.models import Organisation
from tests.factories import make_campaign, make_organisation
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def campaign():
    make_organisation(name="Bromford")
    return make_campaign()


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.SUBMISSION_RATE_LIMIT = "100/600"
    settings.SUBMISSION_SENDER_RATE_LIMIT = "20/600"


def refusals(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "innovations.submissions"]


def test_the_defaults_are_documented():
    for doc in ["README.md", "docs/operations.md"]:
        text = (BASE_DIR / doc).read_text()
        assert "| `SUBMISSION_RATE_LIMIT` | `100/600` |" in text, doc
        assert "| `SUBMISSION_SENDER_RATE_LIMIT` | `20/600` |" in text, doc


def test_twenty_colleagues_behind_one_office_address_are_all_accepted(client, campaign):
    for n in range(20):
        data = payload(innovation(1), innovation(2), email=f"colleague{n}@bromford.example")
        assert client.post(submit_url(campaign), data).status_code == 303, n
    assert Submission.objects.count() == 20
    assert Innovation.objects.count() == 40


def test_one_sender_cannot_add_more_than_twenty_innovations_in_ten_minutes(
    client, campaign, caplog
):
    twenty = [innovation(n) for n in range(1, 21)]
    assert client.post(submit_url(campaign), payload(*twenty)).status_code == 303
    response = client.post(submit_url(campaign), payload(innovation(21)))
    assert response.status_code == 429
    assert Innovation.objects.count() == 20
    assert any("reason=rate-limited" in line for line in refusals(caplog))
    # The same person from another address is still the same sender.
    other = client.post(submit_url(campaign), payload(innovation(21)), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 429
    # Case and spacing do not make a new sender.
    shouted = payload(innovation(21), email="ASHA@example.org")
    assert client.post(submit_url(campaign), shouted).status_code == 429
    # Someone else is not affected.
    other = client.post(submit_url(campaign), payload(email="ben@example.org"))
    assert other.status_code == 303


def test_a_batch_that_would_go_over_is_refused_whole(client, campaign):
    assert client.post(submit_url(campaign), payload(*[innovation(n) for n in range(15)]))
    response = client.post(submit_url(campaign), payload(*[innovation(n) for n in range(6)]))
    assert response.status_code == 429
    assert Innovation.objects.count() == 15
    # What was refused is not counted: five more still fit.
    fits = payload(*[innovation(n) for n in range(5)])
    assert client.post(submit_url(campaign), fits).status_code == 303


def test_the_network_address_limit_counts_innovations(client, campaign, settings):
    settings.SUBMISSION_RATE_LIMIT = "5/600"
    data = payload(*[innovation(n) for n in range(4)], email="one@example.org")
    assert client.post(submit_url(campaign), data).status_code == 303
    data = payload(innovation(1), innovation(2), email="two@example.org")
    assert client.post(submit_url(campaign), data).status_code == 429
    assert client.post(submit_url(campaign), payload(email="three@example.org")).status_code == 303


def test_a_did_you_mean_round_and_an_invalid_form_are_not_counted(client, campaign, settings):
    settings.SUBMISSION_SENDER_RATE_LIMIT = "2/600"
    for _ in range(3):
        asked = client.post(submit_url(campaign), payload(organisation="Bromfordd"))
        assert asked.status_code == 200
        assert "Did you mean Bromford?" in asked.content.decode()
        invalid = client.post(submit_url(campaign), payload(innovation(title="")))
        assert invalid.status_code == 400
    answered = payload(innovation(1), innovation(2), organisation="Bromfordd")
    answered["organisation_choice"] = str(Organisation.objects.get(name="Bromford").pk)
    assert client.post(submit_url(campaign), answered).status_code == 303


def test_limits_are_configurable_and_can_be_turned_off(client, campaign, settings):
    settings.SUBMISSION_SENDER_RATE_LIMIT = "2/60"
    assert client.post(submit_url(campaign), payload(innovation(1), innovation(2)))
    refused = client.post(submit_url(campaign), payload())
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "please wait 1 minute and send the form again" in refused.content.decode()
    settings.SUBMISSION_SENDER_RATE_LIMIT = "0"
    settings.SUBMISSION_RATE_LIMIT = "0"
    for _ in range(12):
        assert client.post(submit_url(campaign), payload()).status_code == 303


def test_rate_setting_is_parsed_strictly():
    assert parse_rate("10/600") == (10, 600)
    assert parse_rate("0") is None
    assert parse_rate("") is None
    with pytest.raises(Exception, match="count/seconds"):
        parse_rate("ten a minute")


def test_spoofed_forwarded_for_does_not_escape_the_address_limit(client, campaign, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/600"
    settings.TRUSTED_PROXY_COUNT = 1
    forged = {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.9"}
    first = payload(email="a@example.org")
    assert client.post(submit_url(campaign), first, **forged).status_code == 303
    forged = {"HTTP_X_FORWARDED_FOR": "198.51.100.2, 203.0.113.9"}
    second = payload(email="b@example.org")
    assert client.post(submit_url(campaign), second, **forged).status_code == 429


def test_the_limit_fails_open_with_a_warning_when_the_cache_fails(
    client, campaign, settings, monkeypatch, caplog
):
    settings.SUBMISSION_SENDER_RATE_LIMIT = "1/600"

    def broken(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "incr", broken)
    # A failure pauses the cache for a few seconds (core.caching): not beyond this test.
    monkeypatch.setattr(caching, "_paused_until", 0.0)
    with caplog.at_level(logging.WARNING, logger="innovations.ratelimit"):
        for n in range(3):
            response = client.post(submit_url(campaign), payload(innovation(n)))
            assert response.status_code == 303
    assert Innovation.objects.count() == 3
    warnings = [r for r in caplog.records if r.name == "innovations.ratelimit"]
    assert warnings and warnings[0].levelno == logging.WARNING
    assert "rate limit not applied" in warnings[0].getMessage()


# --- the page: what was typed is kept, and it says when to try again ------------------


def test_the_429_page_keeps_everything_typed_and_says_when_to_try_again(client, campaign):
    twenty = [innovation(n) for n in range(1, 21)]
    assert client.post(submit_url(campaign), payload(*twenty)).status_code == 303
    typed = payload(
        innovation(title="Repairs by text message", description="Tenants text a photo."),
        name="Asha Patel",
        role="Head of repairs",
    )
    response = client.post(submit_url(campaign), typed)
    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "<h1>Slow down a little</h1>" in html
    assert "please wait 10 minutes and send the form again (after " in html
    # Everything typed, in the form, ready to send again.
    assert 'value="Repairs by text message"' in html
    assert "Tenants text a photo.</textarea>" in html
    assert 'value="Asha Patel"' in html
    assert 'value="Head of repairs"' in html
    assert 'value="asha@example.org"' in html
    assert f'name="token" value="{typed["token"]}"' in html
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )


@pytest.mark.redis
def test_on_redis_the_limit_holds_and_says_how_long_is_left(client, campaign, redis_cache):
    twenty = [innovation(n) for n in range(1, 21)]
    assert client.post(submit_url(campaign), payload(*twenty)).status_code == 303
    refused = client.post(submit_url(campaign), payload(innovation(21)))
    assert refused.status_code == 429
    assert 590 <= int(refused["Retry-After"]) <= 600  # what is left of the window
    # A "Did you mean…?" round gives its innovations back on Redis too.
    other = payload(*[innovation(n) for n in range(15)], email="ben@example.org")
    asked = client.post(submit_url(campaign), {**other, "organisation": "Bromfordd"})
    assert "Did you mean Bromford?" in asked.content.decode()
    assert client.post(submit_url(campaign), other).status_code == 303
