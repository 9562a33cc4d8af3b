"""Bad input and abuse: refused cleanly, nothing half-saved, and every refusal logged."""

import re
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.clientip import client_ip
from core.timewords import minutes_words
from innovations.models import Innovation, Submission
from organisations.models import Organisation
from tests.factories import make_campaign, make_organisation
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    make_organisation(name="Bromford")
    return make_campaign()


def refusals(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "innovations.submissions"]


def assert_nothing_saved():
    assert not Submission.objects.exists()
    assert not Innovation.objects.exists()


def test_honeypot_is_quietly_discarded_and_logged(client, campaign, caplog):
    response = client.post(submit_url(campaign), payload(website="http://spam.example"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert_nothing_saved()
    assert any("reason=honeypot" in line for line in refusals(caplog))


def test_double_submit_saves_once_and_sends_back_to_the_same_thank_you_page(
    client, campaign, caplog
):
    data = payload(innovation(1), innovation(2))
    first = client.post(submit_url(campaign), data)
    second = client.post(submit_url(campaign), data)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"]
    assert Submission.objects.count() == 1
    assert Innovation.objects.count() == 2
    assert any("reason=duplicate" in line for line in refusals(caplog))


def test_a_forged_or_missing_token_is_refused_with_a_fresh_one_to_retry(client, campaign):
    for token in ["", "not-a-signed-token", "IjEyMyI:forged:signature"]:
        response = client.post(submit_url(campaign), payload(token=token))
        assert response.status_code == 400
        assert "Something went wrong with this form" in response.content.decode()
        assert_nothing_saved()
    fresh = response.context["form"]["token"].value()
    assert client.post(submit_url(campaign), payload(token=fresh)).status_code == 303


def test_forwarded_for_is_only_trusted_behind_the_configured_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"  # the header could be anyone's
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what our proxy saw, not the forged part
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (payload(innovation(1, title="Nul\x00byte")), "Remove the invisible control characters"),
        (payload(name="Asha\x00"), "Remove the invisible control characters (NUL) from your name"),
        (
            payload(innovation(1, title="x" * 10_000)),
            "The title of innovation 1 must be 200 characters or fewer (it has 10000)",
        ),
        (
            payload(innovation(1, description="y" * 5001)),
            "The description of innovation 1 must be 5000 characters or fewer (it has 5001)",
        ),
        (payload(organisation="o" * 201), "Organisation name must be 200 characters or fewer"),
        (
            payload(email="asha at example"),
            "Enter an email address in the right format, like name@example.org",
        ),
        (
            payload(innovation(1), innovation(2, link="javascript:alert(1)")),
            "Enter the link for innovation 2 as a web address starting https://",
        ),
        (
            payload(innovation(1, link="ftp://example.org/file")),
            "Enter the link for innovation 1 as a web address starting https://",
        ),
        (payload(twitter="@not a handle!"), "Enter a Twitter handle of up to 15 letters"),
        (payload(consent=""), "Tick the box to agree that the innovations may be published"),
        (
            payload(innovation(1, theme="astrology")),
            "Choose a theme for innovation 1 from the list",
        ),
        (payload(innovation(1, title="")), "Enter a title for innovation 1"),
        (payload(**{"innovations-TOTAL_FORMS": "lots"}), "Something went wrong with this form"),
        (payload(**{"innovations-TOTAL_FORMS": "-3"}), "Enter at least one innovation"),
    ],
)
def test_bad_input_gets_a_form_error_and_saves_nothing(client, campaign, data, message, caplog):
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert message in page
    assert_nothing_saved()
    assert Organisation.objects.count() == 1
    assert any("reason=invalid" in line for line in refusals(caplog))


def test_management_form_missing_entirely_is_a_form_error(client, campaign):
    data = {k: v for k, v in payload().items() if not k.startswith("innovations-")}
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Something went wrong with this form" in page
    # A fresh form count comes back, with a form to fill in.
    assert 'name="innovations-TOTAL_FORMS" value="1"' in page
    assert 'id="id_innovations-0-title"' in page
    assert_nothing_saved()


def test_error_summary_links_to_each_field(client, campaign):
    data = payload(innovation(1), innovation(2, title=""), email="nope")
    response = client.post(submit_url(campaign), data)
    page = response.content.decode()
    assert re.search(r'<div class="error-summary" role="alert"[^>]* tabindex="-1"', page)
    assert '<a href="#id_email">Enter an email address in the right format' in page
    assert '<a href="#id_innovations-1-title">Enter a title for innovation 2</a>' in page
    assert 'id="id_innovations-1-title"' in page
    # What they typed is kept.
    assert 'value="Innovation number 1"' in page
    assert response.context["form"]["name"].value() == "Asha Patel"


def test_error_summary_lists_errors_in_the_order_of_the_page(client, campaign):
    data = payload(innovation(1), innovation(2, title=""), email="nope", consent="")
    response = client.post(submit_url(campaign), data)
    hrefs = [item["href"] for item in response.context["errors"]]
    assert hrefs == ["#id_email", "#id_innovations-1-title", "#id_consent"]


def test_a_database_error_midway_leaves_nothing_and_says_so(client, campaign, monkeypatch, caplog):
    real_save = Innovation.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self.title)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Innovation, "save", failing_save)
    data = payload(innovation(1), innovation(2, title="Second of two"))
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 503
    page = response.content.decode()
    assert "we could not save your innovations just now, so nothing was saved" in page
    assert 'value="Second of two"' in page
    assert "Traceback" not in page
    assert_nothing_saved()
    assert any("reason=database-error" in line for line in refusals(caplog))

    # Once the database is back, the same form goes through.
    monkeypatch.setattr(Innovation, "save", real_save)
    assert client.post(submit_url(campaign), data).status_code == 303
    assert Innovation.objects.count() == 2


def test_closed_campaign_refusal_is_logged(client, caplog):
    closed = make_campaign(opens_at=timezone.now() - timedelta(hours=200))
    response = client.post(submit_url(closed), payload())
    assert response.status_code == 403
    assert any("reason=closed" in line for line in refusals(caplog))


def test_unknown_campaign_is_404(client):
    assert client.get(reverse("innovations:submit", kwargs={"slug": "nope"})).status_code == 404


def test_when_the_database_goes_away_midway_the_page_still_shows_with_503(client, campaign):
    down = []

    def goes_away(execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        if statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            return execute(sql, params, many, context)
        if down or statement.startswith("INSERT"):
            down.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(goes_away):
        response = client.post(submit_url(campaign), payload(innovation(1, title="Kept")))
    assert response.status_code == 503
    assert "so nothing was saved" in response.content.decode()
    assert 'value="Kept"' in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 minute"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (600, "10 minutes"),
        (3600, "60 minutes"),
    ],
)
def test_the_wait_is_said_in_whole_minutes_rounded_up(seconds, words):
    assert minutes_words(seconds) == words


def test_the_same_form_saved_by_a_simultaneous_request_goes_to_its_thank_you_page(
    client, campaign, monkeypatch, caplog
):
    # Both requests passed the "already saved?" check; the other one saved first,
    # so this one hits the receipt's unique constraint.
    from innovations import views

    real_create = views.submission_create
    firsts = []

    def other_request_saves_first(**fields):
        firsts.append(real_create(**fields))
        return real_create(**fields)

    monkeypatch.setattr(views, "submission_create", other_request_saves_first)
    response = client.post(submit_url(campaign), payload())
    assert response.status_code == 303
    assert response["Location"].endswith(f"/thanks/{firsts[0].receipt}/")
    assert Submission.objects.count() == 1
    assert any("reason=duplicate" in line for line in refusals(caplog))


def test_any_other_integrity_error_is_a_database_error_with_nothing_saved(
    client, campaign, monkeypatch, caplog
):
    from innovations import views

    def clash(**fields):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(views, "submission_create", clash)
    response = client.post(submit_url(campaign), payload())
    assert response.status_code == 503
    assert "we could not save your innovations just now" in response.content.decode()
    assert_nothing_saved()
    assert any(
        "reason=database-error" in line and "error=IntegrityError" in line
        for line in refusals(caplog)
    )
