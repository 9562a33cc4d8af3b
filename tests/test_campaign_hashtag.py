"""A hashtag typed with its "#" is kept without it; the badge is red only while open."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from campaign.models import Campaign
from tests.factories import NO_INLINES  # noqa: E402

from .factories import make_campaign

pytestmark = pytest.mark.django_db


def test_hashtag_typed_with_its_hash_is_saved_without_it_in_admin(admin_client):
    response = admin_client.post(
        "/admin/campaign/campaign/add/",
        {
            "title": "CS innovate",
            "slug": "cs-innovate",
            "intro": "",
            "target": 140,
            "hashtag": " #CSinnovate ",
            "opens_at_0": "2025-10-20",
            "opens_at_1": "08:59:00",
            "length_hours": 140,
            **NO_INLINES,
        },
    )
    assert response.status_code == 302
    assert Campaign.objects.get(slug="cs-innovate").hashtag == "CSinnovate"


def test_model_clean_drops_the_hash_and_the_database_refuses_one():
    campaign = Campaign.scheduled(
        opens_at=timezone.now(), title="T", slug="t", hashtag="#CSinnovate"
    )
    campaign.full_clean()
    assert campaign.hashtag == "CSinnovate"
    campaign.hashtag = "#again"
    with pytest.raises(IntegrityError):
        campaign.save()


def test_model_clean_refuses_nothing_it_can_mend():
    campaign = Campaign.scheduled(opens_at=timezone.now(), title="T", slug="t", hashtag="##x")
    try:
        campaign.full_clean()
    except ValidationError as error:  # pragma: no cover - the failure this test guards
        pytest.fail(f"refused: {error}")
    assert campaign.hashtag == "x"


def _badge(client, campaign):
    response = client.get(reverse("campaign:badge", kwargs={"slug": campaign.slug}))
    return response.content.decode()


def test_badge_shows_a_single_hash(client):
    campaign = make_campaign(hashtag="CSinnovate")
    assert "#CSinnovate:" in _badge(client, campaign)
    assert "##" not in _badge(client, campaign)


def test_badge_is_red_only_while_the_campaign_is_open(client):
    red = 'fill="#b3261e"'
    assert red in _badge(client, make_campaign())
    upcoming = make_campaign(opens_at=timezone.now() + timedelta(days=2))
    assert red not in _badge(client, upcoming)
    closed = make_campaign(opens_at=timezone.now() - timedelta(days=20))
    assert red not in _badge(client, closed)
