"""Staff reset a forgotten password by email, from the admin sign-in page; a reset also lifts
a lockout after failed sign-ins."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
RESET = "/admin/password_reset/"


@pytest.fixture
def organiser(db):
    return User.objects.create_superuser("organiser", "organiser@example.org", "old-password")


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def sign_in(client, password, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": "organiser", "password": password}, REMOTE_ADDR=ip)


def _reset_link(message):
    match = re.search(r"https?://\S+/admin/reset/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_the_sign_in_page_offers_a_password_reset(client):
    page = client.get(LOGIN).content.decode()
    assert f'<a href="{RESET}">Forgotten your password?</a>' in page


def test_an_organiser_resets_a_forgotten_password_by_email(client, organiser, settings):
    settings.SITE_URL = "https://140in140.example"
    response = client.post(RESET, {"email": "Organiser@example.org"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "We’ve emailed you instructions for setting your password" in page
    assert mail.outbox == []  # sent by the worker, not in the request
    run_jobs()
    (message,) = mail.outbox
    assert message.to == ["organiser@example.org"]
    assert message.subject == "Reset your 140in140 password"
    assert "Your username is: organiser" in message.body
    link = _reset_link(message)
    assert link.startswith("https://140in140.example/admin/reset/")  # SITE_URL, not the Host

    path = link.removeprefix("https://140in140.example")
    response = client.get(path)
    assert response.status_code == 302  # to the same page without the token in the address
    form_url = response["Location"]
    page = client.get(form_url).content.decode()
    assert "Enter new password" in page
    response = client.post(
        form_url,
        {"new_password1": "A new long passphrase 7", "new_password2": "A new long passphrase 7"},
    )
    assert response.status_code == 302
    assert "Your password has been set" in client.get(response["Location"]).content.decode()

    assert sign_in(client, "old-password").status_code == 200  # refused
    assert sign_in(client, "A new long passphrase 7").status_code == 302
    # The link works once.
    client.logout()
    assert "invalid" in client.get(form_url, follow=True).content.decode().lower()


def test_a_locked_out_organiser_can_sign_in_after_a_reset(client, organiser, axes_on):
    for _attempt in range(5):
        sign_in(client, "wrong")
    locked = sign_in(client, "old-password")
    assert locked.status_code == 429
    assert RESET in locked.content.decode()  # the lockout page says how to get back in

    client.post(RESET, {"email": "organiser@example.org"}, REMOTE_ADDR="203.0.113.7")
    run_jobs()
    path = re.sub(r"^https?://[^/]+", "", _reset_link(mail.outbox[0]))
    form_url = client.get(path)["Location"]
    client.post(
        form_url,
        {"new_password1": "A new long passphrase 7", "new_password2": "A new long passphrase 7"},
    )
    assert sign_in(client, "A new long passphrase 7").status_code == 302


@pytest.mark.parametrize("email", ["nobody@example.org", "volunteer@example.org"])
def test_no_email_for_unknown_addresses_or_accounts_that_are_not_staff(client, organiser, email):
    User.objects.create_user("volunteer", "volunteer@example.org", "pw")  # not staff
    response = client.post(RESET, {"email": email})
    assert response.status_code == 302  # the same answer: no hint which addresses exist
    run_jobs()
    assert mail.outbox == []


def test_one_address_gets_at_most_three_reset_emails_an_hour(client, organiser, caplog):
    for _attempt in range(5):
        assert client.post(RESET, {"email": "organiser@example.org"}).status_code == 302
    run_jobs()
    assert len(mail.outbox) == 3
    assert "organiser@example.org" not in caplog.text
