"""The submission form is rendered once per campaign, not once per visitor or submission.

Its blank fields (innovations/views.py `_form_page`) are cached under the version that
every change moves except a new submission (core.caching `kept_across_submissions`), and
its tally is at most a second old (`recent`). So in a deadline rush the form asks the
database nothing but the tally once a second, however many submissions arrive, while an
approval, a campaign edit or its close still shows on the form at once, the tokens stay
each visitor's own, and nothing anyone typed is ever served to someone else.
"""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.services import campaign_close_now, campaign_save
from innovations.models import Innovation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.submitting import innovation, payload, submit_url

# Every test twice: on the local-memory cache, and on the machine's Redis.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_cache", "one_minute")]


@pytest.fixture
def campaign():
    campaign = make_campaign(title="Spring push", target=140)
    make_innovation(
        campaign=campaign,
        organisation=make_organisation(name="Acme Homes"),
        title="Repairs by text",
        status="approved",
    )
    return campaign


def hidden(html, name):
    """Every value of the hidden input `name` on the page."""
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)


def options(html):
    """The organisations the form offers (its <datalist>)."""
    datalist = html.split('<datalist id="known-organisations">')[1].split("</datalist>")[0]
    return re.findall(r'<option value="([^"]*)">', datalist)


def test_in_a_rush_the_form_asks_the_database_nothing(
    client, campaign, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE_SECONDS = 60  # however slow this machine, the tally stays kept
    first = client.get(submit_url(campaign)).content.decode()
    assert "So far: 1 innovation from 1 housing association." in first
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(submit_url(campaign), payload(innovation(1), organisation="Acme Homes"))
    assert sent.status_code == 303

    with django_assert_num_queries(0):
        page = Client().get(submit_url(campaign))
    assert page.status_code == 200
    html = page.content.decode()
    assert "So far: 1 innovation from 1 housing association." in html  # as nginx would show
    assert "Send as many as you like in one go: up to 20 at a time" in html
    assert options(html) == ["Acme Homes"]
    assert 'name="innovations-0-title"' in html
    assert 'id="innovation-template"' in html


def test_the_forms_tally_is_as_fresh_as_a_public_page(
    client, campaign, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    assert settings.PUBLIC_CACHE_SECONDS == 1
    client.get(submit_url(campaign))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(campaign), payload(innovation(1), organisation="Acme Homes"))

    time.sleep(1.1)
    with django_assert_num_queries(1):  # the tally, once a second at most
        html = Client().get(submit_url(campaign)).content.decode()
    assert "So far: 2 innovations from 1 housing association." in html


def test_each_visitor_gets_tokens_of_their_own(client, campaign):
    pages = [Client(enforce_csrf_checks=True).get(submit_url(campaign)) for _ in range(2)]
    tokens = [hidden(page.content.decode(), "token") for page in pages]
    csrf = [hidden(page.content.decode(), "csrfmiddlewaretoken") for page in pages]
    assert all(len(found) == 1 for found in tokens + csrf)
    assert tokens[0] != tokens[1]
    assert csrf[0] != csrf[1]
    assert pages[0].cookies["csrftoken"].value != pages[1].cookies["csrftoken"].value
    assert pages[0]["Cache-Control"] == pages[1]["Cache-Control"]
    assert "no-cache" in pages[0]["Cache-Control"]
    assert "private" in pages[0]["Cache-Control"]


def test_what_someone_typed_is_never_shown_to_the_next_visitor(client, campaign):
    refused = client.post(
        submit_url(campaign),
        payload(innovation(1, title="Secret garden plan", theme=""), name="Priya Secret"),
    )
    assert refused.status_code == 400
    assert "Secret garden plan" in refused.content.decode()
    assert "Priya Secret" in refused.content.decode()

    html = Client().get(submit_url(campaign)).content.decode()
    assert "Secret garden plan" not in html
    assert "Priya Secret" not in html
    assert "Choose the closest theme" in html  # the blank choice, not an error
    assert "error" not in re.sub(r'class="[^"]*"|id="[^"]*"|aria-[a-z]+="[^"]*"', "", html).lower()


def test_an_approval_puts_the_organisation_in_the_forms_list_at_once(
    admin_client, campaign, django_capture_on_commit_callbacks
):
    waiting = make_innovation(
        campaign=campaign,
        organisation=make_organisation(name="Bromley Homes"),
        title="Tool library",
        status="pending",
    )
    assert options(Client().get(submit_url(campaign)).content.decode()) == ["Acme Homes"]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_innovation_changelist") + "?campaign=all&status=all",
            {"action": "approve_selected", "_selected_action": [waiting.pk]},
        )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Innovation.Status.APPROVED
    html = Client().get(submit_url(campaign)).content.decode()
    assert options(html) == ["Acme Homes", "Bromley Homes"]


def test_a_new_organisation_from_a_submission_waits_for_its_approval(
    client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(submit_url(campaign), payload(organisation="Brand New Housing"))
    assert sent.status_code == 303
    html = Client().get(submit_url(campaign)).content.decode()
    assert options(html) == ["Acme Homes"]
    time.sleep(1.1)  # the form's tally is at most a second old
    assert (
        "So far: 2 innovations from 2 organisations."
        in Client().get(submit_url(campaign)).content.decode()
    )


def test_a_campaign_edit_shows_on_the_form_at_once(
    admin_client, campaign, django_capture_on_commit_callbacks
):
    html = Client().get(submit_url(campaign)).content.decode()
    assert "The housing association or other organisation" in html
    campaign.participant_noun = "councils"
    campaign.participant_kind = ""
    with django_capture_on_commit_callbacks(execute=True):
        campaign_save(campaign=campaign)
    html = Client().get(submit_url(campaign)).content.decode()
    assert "The council the innovations come from." in html


def test_a_campaign_closed_now_shows_its_closed_page_at_once(
    campaign, django_capture_on_commit_callbacks
):
    assert 'name="innovations-0-title"' in Client().get(submit_url(campaign)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_close_now(campaign=campaign)
    page = Client().get(submit_url(campaign))
    assert page.status_code == 200
    assert 'name="innovations-0-title"' not in page.content.decode()
    refused = Client().post(submit_url(campaign), payload(organisation="Acme Homes"))
    assert refused.status_code == 403


def test_an_unknown_campaign_is_a_404_every_time_and_never_kept(client):
    """Made-up addresses are looked up each time: a stranger cannot fill the cache with them."""
    for path in ["/campaigns/no-such-thing/submit/", "/campaigns/no-such-thing/"]:
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 404
            assert any("campaign_campaign" in q["sql"] for q in queries), path
