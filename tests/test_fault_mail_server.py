"""The mail server goes down: submissions still answer at once, every email goes out once later.

A real SMTP server (aiosmtpd) on a free local port, stopped and started by the test;
Django's SMTP backend talks to it as it would to the production relay. The worker is
run in-process (`run_jobs`) with the clock moved forward, so the backoff is real.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from innovations.models import Email
from tests.factories import make_campaign, make_organisation, make_user
from tests.jobs import run_jobs
from tests.mailserver import MailServer
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    server = MailServer()
    server.start()
    server.configure(settings)
    yield server
    server.stop()


@pytest.fixture
def campaign():
    make_organisation(name="Bromford")
    return make_campaign(opens_at=timezone.now() - timedelta(hours=2), hours=140, title="Rush")


def test_a_refused_connection_is_retried_within_a_minute_and_sent_once(
    client, smtp, campaign, django_capture_on_commit_callbacks
):
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        response = client.post(submit_url(campaign), payload(innovation(1)))
        answered_in = time.monotonic() - started
    assert response.status_code == 303
    assert answered_in < 2
    run_jobs()
    email = Email.objects.get(kind="receipt")
    assert email.status == "queued"
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at - timezone.now() <= timedelta(minutes=1)
    # The failed try is visible as a failed job, with the error, in admin.
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "ConnectionRefusedError" in failed.traceback
    admin = make_user(staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(
        reverse("admin:innovations_submission_change", args=[email.submission_id])
    ).content.decode()
    assert "waiting to be sent again at" in page and "ConnectionRefusedError" in page

    smtp.start()
    run_jobs()  # the retry is not due yet
    assert smtp.inbox.messages == []
    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1)):
        run_jobs()
        run_jobs()
    assert [m["to"] for m in smtp.inbox.messages] == [["asha@example.org"]]
    assert smtp.inbox.messages[0]["subject"].startswith("Thank you: 1 innovation received")
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "")


def test_ten_minutes_down_in_a_rush_every_email_goes_out_once(
    client, smtp, campaign, django_capture_on_commit_callbacks, settings
):
    settings.SUBMISSION_RATE_LIMIT = "0"
    smtp.stop()
    start = timezone.now()
    people = [f"person{n}@example.org" for n in range(12)]
    with time_machine.travel(start, tick=False) as clock:
        slowest = 0.0
        for n, address in enumerate(people):
            with django_capture_on_commit_callbacks(execute=True):
                started = time.monotonic()
                response = client.post(submit_url(campaign), payload(innovation(n), email=address))
                slowest = max(slowest, time.monotonic() - started)
            assert response.status_code == 303
        # The request never talks to the mail server: a dead one costs it nothing.
        assert slowest < 2.0, slowest
        # Ten minutes of the worker trying every few seconds against a dead server.
        for _ in range(60):
            clock.shift(timedelta(seconds=10))
            run_jobs()
        assert smtp.inbox.messages == []
        assert Email.objects.filter(status="sent").count() == 0
        assert Email.objects.filter(status="failed").count() == 0
        smtp.start()
        # Back up: within the longest backoff step (5 minutes) everything has gone.
        for _ in range(32):
            clock.shift(timedelta(seconds=10))
            run_jobs()
    received = sorted(m["to"][0] for m in smtp.inbox.messages)
    assert received == sorted(people)  # each once: none lost, none twice
    assert Email.objects.exclude(status="sent").count() == 0


def test_an_email_that_keeps_failing_is_marked_failed_and_can_be_sent_again(
    client, smtp, campaign, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_MAX_ATTEMPTS = 3
    smtp.stop()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(campaign), payload(innovation(1)))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(10):
            run_jobs()
            clock.shift(timedelta(minutes=5))
    email = Email.objects.get(kind="receipt")
    assert (email.status, email.attempts) == ("failed", 3)
    admin = make_user(staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:innovations_email_changelist") + "?status=failed")
    assert "ConnectionRefusedError" in listing.content.decode()
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:innovations_email_changelist"),
            {"action": "send_again", "_selected_action": [email.pk]},
        )
    run_jobs()
    email.refresh_from_db()
    assert email.status == "sent"
    assert len(smtp.inbox.messages) == 1


def test_a_password_reset_while_the_server_is_down_arrives_once_it_is_back(client, smtp):
    from django.contrib.auth.models import User

    User.objects.create_superuser("organiser", "organiser@example.org", "old-password")
    smtp.stop()
    started = time.monotonic()
    response = client.post("/admin/password_reset/", {"email": "organiser@example.org"})
    assert response.status_code == 302
    assert time.monotonic() - started < 2
    run_jobs()
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    smtp.start()
    with time_machine.travel(timezone.now() + timedelta(seconds=21)):
        run_jobs()
    assert [m["to"] for m in smtp.inbox.messages] == [["organiser@example.org"]]
    assert smtp.inbox.messages[0]["subject"] == "Reset your 140in140 password"
