"""Organisers hear of new submissions as each chooses, and of a campaign falling behind pace.

The clock is frozen (time-machine) and the worker run in-process, so digests and pace
checks run at the moments they were deferred to.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from innovations.models import AlertPreference
from innovations.notifications import pace, pace_sentence
from innovations.services import submission_create
from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation, make_user
from tests.jobs import run_jobs
from tests.submitting import innovation

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"
# Thursday 3 July 2014, 3.20pm in London (BST).
T0 = datetime(2014, 7, 3, 14, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def campaign(clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_campaign(opens_at=T0 - timedelta(hours=2), hours=140, title="Housing 140")


def moderator(email, frequency=None, **fields):
    user = make_user(staff=True, groups=["Moderator"], email=email, **fields)
    if frequency:
        AlertPreference.objects.create(user=user, frequency=frequency)
    return user


def send(campaign, *titles, organisation="Bromford", capture):
    if not Organisation.objects.filter(name=organisation).exists():
        make_organisation(name=organisation)
    with capture(execute=True):
        return submission_create(
            campaign=campaign,
            name="Asha Patel",
            email="asha@example.org",
            organisation_name=organisation,
            innovations=[innovation(n, title=t) for n, t in enumerate(titles, 1)],
        )


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_each_new_submission_is_the_default_for_moderators_with_an_email(
    client, campaign, django_capture_on_commit_callbacks
):
    moderator("mo@example.org")
    make_user(staff=True, is_superuser=True, email="root@example.org")
    moderator("", username="noemail")  # no address: nothing to send to
    make_user(staff=True, email="staff@example.org")  # staff, but cannot moderate
    moderator("quiet@example.org", frequency="none")
    send(campaign, "Reverse mentoring", "Damp sensors", capture=django_capture_on_commit_callbacks)
    run_jobs()
    alerted = sorted(m.to[0] for m in mail.outbox if m.to != ["asha@example.org"])
    assert alerted == ["mo@example.org", "root@example.org"]
    (alert,) = to("mo@example.org")
    assert alert.subject == "New: 2 innovations from Bromford (2 waiting)"
    assert "- Reverse mentoring" in alert.body and "- Damp sensors" in alert.body
    assert "Waiting for moderation: 2" in alert.body
    queue = next(line for line in alert.body.splitlines() if "/admin/" in line).split(": ", 1)[1]
    client.force_login(make_user(staff=True, groups=["Moderator"]))
    response = client.get(queue.removeprefix(SITE))
    assert response.status_code == 200
    assert "Reverse mentoring" in response.content.decode()
    assert alert.reply_to == []  # organisers reply to nobody in particular


def test_hourly_digest_gathers_the_hour_and_says_nothing_when_nothing_came(
    clock, campaign, django_capture_on_commit_callbacks
):
    moderator("hourly@example.org", frequency="hourly")
    send(campaign, "Reverse mentoring", capture=django_capture_on_commit_callbacks)
    run_jobs()
    assert to("hourly@example.org") == []  # not each one
    clock.shift(timedelta(minutes=10))
    send(
        campaign,
        "Damp sensors",
        organisation="Knightstone",
        capture=django_capture_on_commit_callbacks,
    )
    run_jobs()
    # 4pm London: the digest for the hour.
    clock.move_to(datetime(2014, 7, 3, 15, 0, 1, tzinfo=UTC))
    run_jobs()
    (digest,) = to("hourly@example.org")
    assert digest.subject == "Hourly digest: 2 new innovations"
    assert "Bromford:\n- Reverse mentoring" in digest.body
    assert "Knightstone:\n- Damp sensors" in digest.body
    assert "Housing 140: 2 waiting for moderation" in digest.body
    assert "/admin/innovations/innovation/?campaign=" in digest.body
    # The next hour has nothing new: no email.
    clock.move_to(datetime(2014, 7, 3, 16, 0, 1, tzinfo=UTC))
    run_jobs()
    assert len(to("hourly@example.org")) == 1
    # Something new later is in the next digest only.
    send(campaign, "Tenant app", capture=django_capture_on_commit_callbacks)
    run_jobs()
    clock.move_to(datetime(2014, 7, 3, 17, 0, 1, tzinfo=UTC))
    run_jobs()
    latest = to("hourly@example.org")[-1]
    assert latest.subject == "Hourly digest: 1 new innovation"
    assert "Tenant app" in latest.body and "Reverse mentoring" not in latest.body


def test_daily_digest_at_8am_london(clock, campaign, django_capture_on_commit_callbacks):
    moderator("daily@example.org", frequency="daily")
    send(campaign, "Reverse mentoring", capture=django_capture_on_commit_callbacks)
    run_jobs()
    clock.move_to(datetime(2014, 7, 4, 6, 59, tzinfo=UTC))  # 7.59am BST
    run_jobs()
    assert to("daily@example.org") == []
    clock.move_to(datetime(2014, 7, 4, 7, 0, 1, tzinfo=UTC))  # 8am BST
    run_jobs()
    (digest,) = to("daily@example.org")
    assert digest.subject == "Daily digest: 1 new innovation"
    assert "Reverse mentoring" in digest.body


def test_an_organiser_chooses_their_own_alerts_in_admin(client):
    user = moderator("mo@example.org")
    other = moderator("other@example.org", frequency="daily")
    client.force_login(user)
    response = client.post(
        reverse("admin:innovations_alertpreference_add"), {"frequency": "hourly"}
    )
    assert response.status_code == 302
    assert AlertPreference.objects.get(user=user).frequency == "hourly"
    listing = client.get(reverse("admin:innovations_alertpreference_changelist")).content.decode()
    assert "other@example.org" not in listing and str(other) not in listing
    response = client.get(
        reverse("admin:innovations_alertpreference_change", args=[other.alert_preference.pk])
    )
    assert response.status_code == 302  # not theirs: sent back to the list


def test_pace_sentence():
    campaign = make_campaign(opens_at=T0 - timedelta(hours=105), hours=140)
    for _ in range(31):
        make_innovation(campaign=campaign)
    stand = pace(campaign, T0)
    assert pace_sentence(stand) == "31 of 140 with 1 day 11 hours to go: 74 behind pace"
    assert stand["well_behind"]


def test_pace_alert_once_past_half_time_and_again_with_a_quarter_left(
    clock, django_capture_on_commit_callbacks
):
    moderator("mo@example.org")
    moderator("quiet@example.org", frequency="none")
    opens = T0
    with django_capture_on_commit_callbacks(execute=True):
        campaign = make_campaign(opens_at=opens, hours=140, title="Slow")
    send(campaign, *[f"Idea {n}" for n in range(20)], capture=django_capture_on_commit_callbacks)
    run_jobs()
    mail.outbox.clear()

    def pace_emails():
        return [m for m in mail.outbox if m.subject.startswith("Behind pace")]

    # Before half-time: no check runs, nothing said however far behind.
    clock.move_to(opens + timedelta(hours=69))
    run_jobs()
    assert pace_emails() == []
    # Half-time (70 h): 20 of an expected 70 is more than a quarter behind.
    clock.move_to(opens + timedelta(hours=70, seconds=1))
    run_jobs()
    (first,) = pace_emails()
    assert first.to == ["mo@example.org"]
    assert first.subject == "Behind pace: 20 of 140 with 2 days 21 hours to go: 51 behind pace"
    assert "less than half its time left" in first.body
    # Hourly checks after that say nothing new...
    for hours in range(71, 105):
        clock.move_to(opens + timedelta(hours=hours, seconds=1))
        run_jobs()
    assert len(pace_emails()) == 1
    # ...until a quarter is left (105 h), once.
    for hours in range(105, 112):
        clock.move_to(opens + timedelta(hours=hours, seconds=1))
        run_jobs()
    second = pace_emails()[1:]
    assert len(second) == 1
    assert second[0].subject == "Behind pace: 20 of 140 with 1 day 10 hours to go: 86 behind pace"
    assert "with a quarter of its time left" in second[0].body


def test_no_pace_alert_when_on_pace(clock, django_capture_on_commit_callbacks):
    moderator("mo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        campaign = make_campaign(opens_at=T0, hours=4, target=4, title="Quick")
    send(campaign, "One", "Two", "Three", capture=django_capture_on_commit_callbacks)
    run_jobs()
    for minutes in range(120, 240, 30):
        clock.move_to(T0 + timedelta(minutes=minutes, seconds=1))
        run_jobs()
    assert not [m for m in mail.outbox if m.subject.startswith("Behind pace")]


def test_innovations_added_through_the_manage_link_are_alerted_alone(
    campaign, django_capture_on_commit_callbacks
):
    from innovations.services import submission_add_innovations

    moderator("mo@example.org")
    submission = send(campaign, "Reverse mentoring", capture=django_capture_on_commit_callbacks)
    run_jobs()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission_add_innovations(
            submission=submission, innovations=[innovation(2, title="Tenant app")]
        )
    run_jobs()
    (alert,) = to("mo@example.org")
    assert "- Tenant app" in alert.body
    assert "Reverse mentoring" not in alert.body
    assert "Waiting for moderation: 2" in alert.body
