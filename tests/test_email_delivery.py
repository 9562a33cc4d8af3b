"""How email leaves the site: never printed into production logs, receipts that carry no
stranger's text, and not too many to one address."""

import logging

import pytest
from django.core import mail

from core.mail import UnsentEmailBackend
from tests.factories import make_campaign
from tests.submitting import payload, submit_url
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
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(campaign), payload(name="Asha Patel"))
    assert response.status_code == 303
    unsent = [record for record in caplog.records if record.name == "core.mail"]
    assert [record.getMessage() for record in unsent] == ["email not sent: EMAIL_HOST is not set"]
    everything = caplog.text + capsys.readouterr().out
    assert "asha@example.org" not in everything
    assert "Asha Patel" not in everything
    assert "Innovation number 1" not in everything


def test_the_unsent_backend_sends_nothing():
    message = mail.EmailMessage("Subject", "Body", to=["someone@example.org"])
    assert UnsentEmailBackend().send_messages([message]) == 0
