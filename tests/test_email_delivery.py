"""How email leaves the site: never printed into production logs, receipts that carry no
stranger's text, and not too many to one address."""

import logging
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail

from core import caching
from core.mail import UnsentEmailBackend
from tests.factories import make_campaign
from tests.jobs import run_jobs
from tests.submitting import innovation, payload, submit_url
from tests.test_security import STRONG_KEY, run_manage

pytestmark = pytest.mark.django_db


# --- production without EMAIL_HOST -------------------------------------------------


def test_production_without_email_host_warns_at_start_up_and_in_checks():
    result = run_manage("check", DJANGO_ENV="production", SECRET_KEY=STRONG_KEY, EMAIL_HOST="")
    output = result.stdout + result.stderr
    assert "core.W001" in output
    assert "EMAIL_HOST is not set: no email" in output
    # ...and a log line as the app starts, for servers that run no checks (gunicorn).
    assert '"level": "ERROR", "logger": "core.mail"' in result.stdout


def test_production_with_email_host_sends_by_smtp_without_a_warning():
    result = run_manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND)",
        DJANGO_ENV="production",
        SECRET_KEY=STRONG_KEY,
        EMAIL_HOST="smtp.example.org",
    )
    assert result.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", result.stderr
    assert "EMAIL_HOST is not set" not in result.stdout + result.stderr


def test_production_without_email_host_logs_only_that_an_email_was_not_sent(
    client, settings, caplog, capsys, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "core.mail.UnsentEmailBackend"
    campaign = make_campaign()
    with caplog.at_level(logging.INFO):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(submit_url(campaign), payload(name="Asha Patel"))
        assert response.status_code == 303
        run_jobs()  # the receipt's job meets the backend that sends nothing
    unsent = [record for record in caplog.records if record.name == "core.mail"]
    assert [record.getMessage() for record in unsent] == ["email not sent: EMAIL_HOST is not set"]
    everything = caplog.text + capsys.readouterr().out
    assert "asha@example.org" not in everything
    assert "Asha Patel" not in everything
    assert "Innovation number 1" not in everything


def test_the_unsent_backend_sends_nothing():
    message = mail.EmailMessage("Subject", "Body", to=["someone@example.org"])
    assert UnsentEmailBackend().send_messages([message]) == 0


# --- the receipt -------------------------------------------------------------------


def _send(client, campaign, callbacks, **fields):
    """Submit, then let the worker send what was queued (no email is sent in the request)."""
    with callbacks(execute=True):
        response = client.post(submit_url(campaign), payload(**fields))
    run_jobs()
    return response


def test_the_receipt_quotes_only_the_titles(client, django_capture_on_commit_callbacks):
    campaign = make_campaign(title="140 innovations in 140 hours")
    long_title = "Reverse mentoring " + "x" * 150
    data = payload(
        innovation(1, title="Repairs by text"),
        innovation(2, title=long_title, description="Secret words in the description"),
        name="Asha Patel",
        role="Head of verification",
        organisation="Totally Legit Bank",
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(submit_url(campaign), data).status_code == 303
    run_jobs()
    (receipt,) = mail.outbox
    assert receipt.to == ["asha@example.org"]
    assert receipt.subject == "Thank you: 2 innovations received for 140 innovations in 140 hours"
    assert "- Repairs by text\n" in receipt.body
    assert "- Reverse mentoring xxx" in receipt.body
    assert long_title not in receipt.body  # shortened, with an ellipsis
    for typed in ("Asha", "Head of verification", "Totally Legit Bank", "Secret words"):
        assert typed not in receipt.body
        assert typed not in receipt.subject


def test_a_name_with_a_paragraph_in_it_is_refused_and_nothing_is_sent(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    phishing = "Customer Services.\n\nYour account is locked, verify at https://phish.example/login"
    response = _send(client, campaign, django_capture_on_commit_callbacks, name=phishing)
    assert response.status_code == 400
    assert "Keep your name on one line" in response.content.decode()
    assert mail.outbox == []


def test_an_address_gets_at_most_three_receipts_an_hour(
    client, caplog, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            response = _send(
                client, campaign, django_capture_on_commit_callbacks, email="Victim@Example.org"
            )
            assert response.status_code == 303  # every submission is saved
    assert len(mail.outbox) == 3
    limited = [r.getMessage() for r in caplog.records if "receipt-limit" in r.getMessage()]
    assert len(limited) == 2
    assert not any("victim" in line.lower() for line in limited)
    # Another address is not affected, and an hour later the first gets receipts again.
    _send(client, campaign, django_capture_on_commit_callbacks, email="other@example.org")
    assert len(mail.outbox) == 4
    with time_machine.travel(timedelta(hours=1, minutes=1)):
        _send(client, campaign, django_capture_on_commit_callbacks, email="victim@example.org")
    assert len(mail.outbox) == 5


def test_the_receipt_is_sent_when_the_cache_fails(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    campaign = make_campaign()
    # Only the counter fails here: the rest of the site's cache use is the subject of the
    # caching tests. (The failure pauses the cache for a few seconds: undone afterwards.)
    monkeypatch.setattr(caching, "_paused_until", 0.0)
    broken = mock.Mock(**{"add.side_effect": ConnectionError("cache down")})
    with mock.patch("core.limits.cache", broken):
        response = _send(client, campaign, django_capture_on_commit_callbacks)
    assert response.status_code == 303
    assert broken.add.called
    assert len(mail.outbox) == 1
