from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaign.forms import CampaignScheduleForm
from campaign.models import Campaign

from .factories import make_campaign

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
pytestmark = pytest.mark.django_db


def test_open_exactly_at_opens_at_and_closed_exactly_at_closes_at():
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    assert campaign.status(campaign.opens_at - timedelta(seconds=1)) == "upcoming"
    assert campaign.status(campaign.opens_at) == "open"
    assert campaign.is_open(campaign.closes_at - timedelta(microseconds=1))
    assert campaign.status(campaign.closes_at) == "closed"
    assert not campaign.is_open(campaign.closes_at)


def test_140_hours_from_the_seed_opening_closes_at_4_59am_on_sunday():
    # The seed said 9.05am Saturday; 140 hours from 8.59am Monday is 4.59am Sunday.
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    assert campaign.closes_at.astimezone(LONDON) == datetime(2014, 7, 6, 4, 59, tzinfo=LONDON)


def test_campaign_across_the_end_of_british_summer_time_is_exactly_its_length():
    # BST ends at 2am on Sunday 25 October 2026: the clocks go back an hour.
    opens_at = datetime(2026, 10, 24, 9, 0, tzinfo=LONDON)
    campaign = make_campaign(opens_at=opens_at, hours=140)
    assert campaign.closes_at - campaign.opens_at == timedelta(hours=140)
    assert campaign.closes_at.astimezone(UTC) - opens_at.astimezone(UTC) == timedelta(hours=140)
    # On the wall clock it closes at 4am, not 5am: an hour went back.
    assert campaign.closes_at.astimezone(LONDON).replace(tzinfo=None) == datetime(
        2026, 10, 30, 4, 0
    )


def test_schedule_form_is_exact_across_the_end_of_british_summer_time():
    form = CampaignScheduleForm(
        data={
            "title": "Autumn",
            "slug": "autumn",
            "target": 140,
            "opens_at": "2026-10-24 09:00",
            "length_hours": 140,
        }
    )
    assert form.is_valid(), form.errors
    campaign = form.save()
    assert campaign.closes_at.astimezone(LONDON).replace(tzinfo=None) == datetime(
        2026, 10, 30, 4, 0
    )
    campaign.refresh_from_db()
    assert campaign.length_hours == 140


def test_time_left_counts_down_and_stops_at_zero():
    campaign = make_campaign(opens_at=datetime(2026, 1, 1, 9, tzinfo=LONDON), hours=10)
    assert campaign.time_left(campaign.opens_at) == timedelta(hours=10)
    assert campaign.time_left(campaign.opens_at + timedelta(hours=9, minutes=30)) == timedelta(
        minutes=30
    )
    assert campaign.time_left(campaign.closes_at + timedelta(days=3)) == timedelta(0)


def test_scheduled_refuses_a_naive_opening_time():
    with pytest.raises(ValueError):
        Campaign.scheduled(opens_at=datetime(2026, 1, 1, 9), hours=140)


def test_database_refuses_a_campaign_that_closes_before_it_opens():
    opens_at = datetime(2026, 1, 1, 9, tzinfo=LONDON)
    campaign = Campaign(
        title="Backwards",
        slug="backwards",
        opens_at=opens_at,
        closes_at=opens_at - timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="must close after it opens"):
        campaign.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        campaign.save()


def test_database_refuses_a_zero_target():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_campaign(target=0)


def test_schedule_form_computes_the_closing_time_from_the_length():
    form = CampaignScheduleForm(
        data={
            "title": "Autumn",
            "slug": "autumn",
            "intro": "",
            "target": 140,
            "hashtag": "",
            "opens_at": "2026-10-24 09:00",
            "length_hours": 140,
        }
    )
    assert form.is_valid(), form.errors
    campaign = form.save()
    assert campaign.closes_at - campaign.opens_at == timedelta(hours=140)


def test_current_prefers_the_open_campaign_then_the_latest():
    old = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    assert Campaign.objects.current() == old
    live = make_campaign()
    assert Campaign.objects.current() == live
