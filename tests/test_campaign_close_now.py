"""Closing early: a "Close now" action, and no schedule that leaves innovations outside it."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from campaign.models import Campaign
from core.timewords import length_words
from innovations.charts import pace
from innovations.models import Innovation
from tests.factories import NO_INLINES  # noqa: E402

from .factories import make_campaign, make_innovation

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
CHANGELIST = "/admin/campaign/campaign/"


def received(campaign, n, *, at):
    for _ in range(n):
        innovation = make_innovation(campaign=campaign)
        Innovation.objects.filter(pk=innovation.pk).update(created_at=at)


def schedule(campaign, **changes):
    opens = timezone.localtime(campaign.opens_at, LONDON)
    data = {
        "title": campaign.title,
        "slug": campaign.slug,
        "intro": campaign.intro,
        "target": campaign.target,
        "hashtag": campaign.hashtag,
        "opens_at_0": opens.strftime("%Y-%m-%d"),
        "opens_at_1": opens.strftime("%H:%M:%S"),
        "length_hours": round(campaign.length_hours),
        "participant_noun": campaign.participant_noun,
        "participant_kind": campaign.participant_kind,
        **NO_INLINES,
    }
    data.update(changes)
    return data


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_close_now_makes_the_closing_time_this_moment(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=3))
    before = timezone.now()
    response = admin_client.post(
        CHANGELIST, {"action": "close_now", "_selected_action": [campaign.pk]}, follow=True
    )
    campaign.refresh_from_db()
    assert before <= campaign.closes_at <= timezone.now()
    assert campaign.status() == Campaign.Status.CLOSED
    assert any(m.startswith(f"{campaign.title} closed at ") for m in messages_of(response))


def test_close_now_leaves_a_campaign_that_is_not_open_as_it_is(admin_client):
    upcoming = make_campaign(opens_at=timezone.now() + timedelta(days=1))
    closes_at = upcoming.closes_at
    response = admin_client.post(
        CHANGELIST, {"action": "close_now", "_selected_action": [upcoming.pk]}, follow=True
    )
    upcoming.refresh_from_db()
    assert upcoming.closes_at == closes_at
    assert any("has not opened yet" in m for m in messages_of(response))


def test_a_length_that_would_close_before_innovations_received_is_refused(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=3))
    received(campaign, 23, at=campaign.opens_at + timedelta(hours=2, minutes=30))
    closes_at = campaign.closes_at
    response = admin_client.post(
        f"{CHANGELIST}{campaign.pk}/change/", schedule(campaign, length_hours=1)
    )
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors["length_hours"]
    assert errors[0].startswith("23 innovations were received at or after ")
    assert "choose at least 3 hours to keep them, or use the “Close now” action" in errors[0]
    campaign.refresh_from_db()
    assert campaign.closes_at == closes_at


def test_the_refusal_is_singular_for_one_innovation(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(minutes=90))
    received(campaign, 1, at=campaign.opens_at + timedelta(minutes=30))
    now = timezone.localtime(timezone.now(), LONDON)
    data = schedule(
        campaign, opens_at_0=now.strftime("%Y-%m-%d"), opens_at_1=now.strftime("%H:%M:%S")
    )
    response = admin_client.post(f"{CHANGELIST}{campaign.pk}/change/", data)
    errors = response.context["adminform"].form.errors
    assert errors["opens_at"][0].startswith("1 innovation was received before ")


def test_editing_a_campaign_closed_now_keeps_its_closing_time(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=5, minutes=22))
    received(campaign, 2, at=timezone.now() - timedelta(minutes=1))
    admin_client.post(CHANGELIST, {"action": "close_now", "_selected_action": [campaign.pk]})
    campaign.refresh_from_db()
    closed_at = campaign.closes_at
    response = admin_client.post(
        f"{CHANGELIST}{campaign.pk}/change/", schedule(campaign, title="Renamed")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.title, campaign.closes_at) == ("Renamed", closed_at)


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=140), "140 hours"),
        (timedelta(hours=5, minutes=22), "5 hours 22 minutes"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(minutes=45), "45 minutes"),
    ],
)
def test_a_campaign_length_is_said_in_the_right_number(length, words):
    assert length_words(length) == words


def test_the_chart_says_140_in_1_hour(client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=3), hours=1)
    text = pace(campaign, {}).describe(campaign)
    assert "The target pace is 140 in 1 hour;" in text
    home = client.get(campaign.get_absolute_url()).content.decode()
    assert "the target pace, 140 in 1 hour." in home


def test_a_target_of_one_is_one_innovation_on_the_badge(client):
    campaign = make_campaign(target=1)
    badge = client.get(f"/campaigns/{campaign.slug}/badge.svg").content.decode()
    assert "0 / 1 innovation · " in badge
    assert "1 innovations" not in badge


def test_the_change_form_has_a_close_now_button_that_asks_first(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=3))
    received(campaign, 1, at=timezone.now() - timedelta(minutes=5))
    change = admin_client.get(f"{CHANGELIST}{campaign.pk}/change/").content.decode()
    url = f"{CHANGELIST}{campaign.pk}/close-now/"
    assert f'<a href="{url}">Close now</a>' in change
    confirm = admin_client.get(url).content.decode()
    assert "The 1 innovation received so far stays counted." in confirm
    assert 'value="Yes, close it now"' in confirm
    campaign.refresh_from_db()
    assert campaign.is_open()  # asking changes nothing

    response = admin_client.post(url, follow=True)
    campaign.refresh_from_db()
    assert not campaign.is_open()
    assert any(m.startswith(f"{campaign.title} closed at ") for m in messages_of(response))
    after = admin_client.get(f"{CHANGELIST}{campaign.pk}/change/").content.decode()
    assert "Close now</a>" not in after


def test_close_now_needs_change_permission(client):
    from .factories import make_user

    campaign = make_campaign()
    client.force_login(make_user(staff=True))
    assert client.post(f"{CHANGELIST}{campaign.pk}/close-now/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.is_open()
