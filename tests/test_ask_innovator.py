"""Ask the innovator: relayed by email, Reply-To the asker, the submitter's address kept private."""

import logging
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from innovations.models import Email, Question, Submission
from innovations.retention import purge_personal_data
from innovations.services import STOP_SALT
from tests.factories import make_campaign, make_innovation, make_organisation, make_submission
from tests.jobs import run_jobs

pytestmark = pytest.mark.django_db

SECRET = "innovator.secret@bromford.example"


@pytest.fixture
def innovation():
    campaign = make_campaign()
    submission = make_submission(
        campaign=campaign,
        organisation=make_organisation(name="Bromford"),
        name="Ivy Innovator",
        email=SECRET,
    )
    return make_innovation(submission=submission, title="Be Bromford", status="approved")


def ask_url(innovation):
    return reverse(
        "innovations:ask", kwargs={"slug": innovation.campaign.slug, "pk": innovation.pk}
    )


def ask(client, innovation, capture, **overrides):
    data = {
        "name": "Alex Asker",
        "email": "alex@orbit.example",
        "message": "How did you train the staff?",
        "website": "",
    }
    data.update(overrides)
    with capture(execute=True):
        response = client.post(ask_url(innovation), data)
    run_jobs()  # as the worker would: the email is a stored row sent by a job
    return response


def test_a_question_is_emailed_to_the_submitter_with_reply_to_the_asker(
    client, innovation, django_capture_on_commit_callbacks
):
    response = ask(client, innovation, django_capture_on_commit_callbacks)
    assert response.status_code == 303
    sent = client.get(response["Location"])
    assert "Message on its way" in sent.content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [SECRET]
    assert email.reply_to == ["alex@orbit.example"]
    assert "How did you train the staff?" in email.body
    assert "/questions/stop/" in email.body


def test_the_submitters_address_is_in_no_response_body_or_public_page(
    client, innovation, django_capture_on_commit_callbacks
):
    bodies = [
        client.get(ask_url(innovation)).content,
        ask(client, innovation, django_capture_on_commit_callbacks).content,
        client.get(
            reverse(
                "innovations:ask_sent",
                kwargs={"slug": innovation.campaign.slug, "pk": innovation.pk},
            )
        ).content,
        client.get(innovation.get_absolute_url()).content,
        client.get(innovation.organisation.get_absolute_url()).content,
        client.get(innovation.campaign.get_absolute_url()).content,
    ]
    for body in bodies:
        assert SECRET.encode() not in body and b"Ivy Innovator" not in body


def test_the_log_keeps_no_message_text(
    client, innovation, django_capture_on_commit_callbacks, caplog
):
    with caplog.at_level(logging.INFO):
        ask(client, innovation, django_capture_on_commit_callbacks, message="Secret plans inside")
    assert "Secret plans inside" not in caplog.text
    question = Question.objects.get()
    assert question.status == Question.Status.SENT and question.sent_at is not None
    assert question.asker_key and "alex" not in question.asker_key


def test_the_message_does_not_outlive_its_sending(
    client, innovation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ask_url(innovation),
            {
                "name": "Alex Asker",
                "email": "alex@orbit.example",
                "message": "Secret plans inside",
                "website": "",
            },
        )
    # Waiting for the worker: the stored email holds the text, Reply-To the asker.
    email = Email.objects.get(kind=Email.Kind.QUESTION)
    assert email.status == Email.Status.QUEUED and "Secret plans inside" in email.body_text
    assert email.reply_to == "alex@orbit.example" and email.to == SECRET
    assert Question.objects.get().status == Question.Status.QUEUED
    run_jobs()
    email.refresh_from_db()
    assert email.status == Email.Status.SENT
    assert (email.body_text, email.body_html, email.reply_to) == ("", "", "")
    assert "Secret plans inside" in mail.outbox[0].body
    assert "Secret plans inside" in mail.outbox[0].alternatives[0][0]


def test_a_question_waiting_for_the_mail_server_is_retried(
    client, innovation, django_capture_on_commit_callbacks, settings
):
    import smtplib
    from unittest import mock

    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("down"),
    ):
        ask(client, innovation, django_capture_on_commit_callbacks)
    email = Email.objects.get(kind=Email.Kind.QUESTION)
    assert email.status == Email.Status.QUEUED and email.attempts == 1 and email.body_text
    assert not mail.outbox


def test_at_most_ten_an_hour_from_one_address(
    client, innovation, django_capture_on_commit_callbacks
):
    other = make_innovation(campaign=innovation.campaign, status="approved")
    codes = [
        ask(
            client,
            innovation if n % 2 else other,
            django_capture_on_commit_callbacks,
            email="Alex@Orbit.example" if n % 3 else "alex@orbit.example",
        ).status_code
        for n in range(12)
    ]
    assert codes == [303] * 10 + [429, 429]
    assert Question.objects.count() == 10
    response = ask(client, innovation, django_capture_on_commit_callbacks)
    assert response["Retry-After"] == "3600"
    assert "as many messages as we relay" in response.content.decode()
    # Someone else can still ask.
    assert (
        ask(
            client, innovation, django_capture_on_commit_callbacks, email="kim@example.org"
        ).status_code
        == 303
    )


def test_an_innovation_has_its_own_limit(
    client, innovation, settings, django_capture_on_commit_callbacks
):
    settings.QUESTION_LIMIT_PER_INNOVATION = "3/86400"
    codes = [
        ask(
            client, innovation, django_capture_on_commit_callbacks, email=f"p{n}@example.org"
        ).status_code
        for n in range(5)
    ]
    assert codes == [303, 303, 303, 429, 429]
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "Write your message"),
        ("x" * 2001, "2000 characters or fewer"),
        ("https://a.example https://b.example https://c.example", "at most 2 web addresses"),
    ],
)
def test_bad_messages_are_refused_with_a_clear_message(
    client, innovation, django_capture_on_commit_callbacks, message, expected
):
    response = ask(client, innovation, django_capture_on_commit_callbacks, message=message)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not Question.objects.exists() and not mail.outbox


def test_no_relay_once_personal_data_is_purged(
    client, innovation, django_capture_on_commit_callbacks
):
    purge_personal_data(campaign=innovation.campaign)
    page = client.get(ask_url(innovation)).content.decode()
    assert "can no longer be contacted" in page and "<textarea" not in page
    response = ask(client, innovation, django_capture_on_commit_callbacks)
    assert response.status_code == 410
    assert not Question.objects.exists() and not mail.outbox


def test_a_question_queued_before_the_purge_is_never_sent(
    client, innovation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ask_url(innovation),
            {"name": "Alex", "email": "alex@orbit.example", "message": "Still there?"},
        )
    purge_personal_data(campaign=innovation.campaign)
    run_jobs()
    assert not mail.outbox
    question = Question.objects.get()
    assert question.status == Question.Status.NOT_SENT
    email = question.email
    assert email.status == Email.Status.FAILED
    assert (email.body_text, email.body_html, email.reply_to) == ("", "", "")
    assert SECRET not in email.to


def test_a_question_queued_before_the_stop_link_is_never_sent(
    client, innovation, django_capture_on_commit_callbacks
):
    from innovations.services import submission_stop_questions

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ask_url(innovation),
            {"name": "Alex", "email": "alex@orbit.example", "message": "Still there?"},
        )
    submission_stop_questions(submission=innovation.submission)
    run_jobs()
    assert not mail.outbox
    question = Question.objects.get()
    assert question.status == Question.Status.NOT_SENT
    assert question.email.status == Email.Status.FAILED and question.email.body_text == ""


def test_the_stop_link_stops_further_messages(
    client, innovation, django_capture_on_commit_callbacks
):
    ask(client, innovation, django_capture_on_commit_callbacks)
    path = re.search(r"(/questions/stop/\S+/)", mail.outbox[0].body).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Stop messages" in page.content.decode()
    assert Submission.objects.get().questions_stopped_at is None  # a GET changes nothing
    done = client.post(path)
    assert done.status_code == 303
    assert "Messages stopped" in client.get(path).content.decode()
    response = ask(client, innovation, django_capture_on_commit_callbacks, email="kim@example.org")
    assert response.status_code == 410
    assert len(mail.outbox) == 1
    assert client.post(path).status_code == 303  # again: no error


@pytest.mark.parametrize(
    "token", ["nonsense", signing.dumps(1, salt="other"), signing.dumps("1", salt=STOP_SALT)]
)
def test_a_forged_stop_link_is_refused(client, innovation, token):
    path = reverse("innovations:stop_questions", kwargs={"token": token})
    assert client.post(path).status_code == 400
    assert Submission.objects.get().questions_stopped_at is None


def test_a_bot_filling_the_honeypot_sends_nothing(
    client, innovation, django_capture_on_commit_callbacks
):
    response = ask(client, innovation, django_capture_on_commit_callbacks, website="x")
    assert response.status_code == 303
    assert not Question.objects.exists() and not mail.outbox


def test_the_ask_page_is_never_cached(client, innovation):
    response = client.get(ask_url(innovation))
    assert "no-store" in response["Cache-Control"]


def test_the_purge_removes_responders_names_and_addresses_but_keeps_the_count(innovation):
    from django.utils import timezone

    from innovations.models import Response
    from innovations.reach import campaign_spread

    org = make_organisation(name="Orbit Group")
    Response.objects.create(
        innovation=innovation,
        kind="does_too",
        organisation=org,
        organisation_name=org.name,
        name="Sam Jones",
        email="sam@orbit.example",
        consented_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    purge_personal_data(campaign=innovation.campaign)
    response = Response.objects.get()
    assert response.name == "(removed)" and "sam@" not in response.email
    assert campaign_spread(innovation.campaign).organisations == 1
