"""The emails a submitter gets: receipt, published, not published, campaign closed.

None is sent inside a request: each is a job (run here by `run_jobs`, as the worker
would). Each test checks the recipients, the From and Reply-To, both bodies, and that
the links in them open.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaign.models import SiteSettings
from innovations.models import Email, Innovation, RejectionReason
from innovations.moderation import innovation_moderate
from innovations.services import submission_create
from organisations.models import Organisation
from tests.factories import make_campaign, make_organisation, make_user
from tests.jobs import run_jobs
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _organiser(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "140in140 <hello@140in140.example>"
    # The Reply-To comes from the site-settings record the organiser edits in admin.
    SiteSettings.objects.create(organiser_name="Dan Slee", organiser_email="dan@organiser.example")


@pytest.fixture
def campaign(django_capture_on_commit_callbacks):
    # Saving a campaign queues its thank-you at the close (on commit).
    with django_capture_on_commit_callbacks(execute=True):
        return make_campaign(
            opens_at=timezone.now() - timedelta(hours=2), hours=140, title="Housing 140"
        )


def send(campaign, *titles, email="asha@example.org", capture=None):
    if not Organisation.objects.filter(name="Bromford").exists():
        make_organisation(name="Bromford")
    submission = submission_create(
        campaign=campaign,
        name="Asha Patel",
        email=email,
        organisation_name="Bromford",
        innovations=[innovation(n, title=title) for n, title in enumerate(titles, 1)],
    )
    return submission


def links(text):
    return re.findall(r"https?://[^\s\"<>]+", text)


def opens(client, url):
    assert url.startswith(SITE), url
    return client.get(url.removeprefix(SITE)).status_code == 200


def html_of(message):
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_no_email_is_sent_in_the_request_and_the_receipt_follows_from_the_worker(
    client, campaign, django_capture_on_commit_callbacks
):
    make_organisation(name="Bromford")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(campaign), payload(innovation(1, title="Tenant app")))
    assert response.status_code == 303
    assert mail.outbox == []
    assert Email.objects.get().status == "queued"
    run_jobs()
    (receipt,) = [m for m in mail.outbox if m.to == ["asha@example.org"]]
    assert receipt.subject == "Thank you: 1 innovation received for Housing 140"
    assert receipt.from_email == "140in140 <hello@140in140.example>"
    assert receipt.reply_to == ['"Dan Slee" <dan@organiser.example>']
    assert "- Tenant app" in receipt.body
    # Only titles are quoted, never descriptions.
    assert "What innovation 1 does" not in receipt.body
    html = html_of(receipt)
    assert "<li>Tenant app</li>" in html and "Manage your innovations" in html
    for url in links(receipt.body):
        assert opens(client, url), url
    assert any("/manage/" in url for url in links(receipt.body))
    email = Email.objects.get(kind="receipt")
    assert email.status == "sent" and email.sent_at is not None
    # Delivered: the stored copy no longer holds the manage link.
    assert email.body_text == "" and email.body_html == ""


def test_a_title_with_markup_is_escaped_in_the_html_email(
    campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(campaign, "<script>alert(1)</script> & more")
    run_jobs()
    (receipt,) = [m for m in mail.outbox if m.to == ["asha@example.org"]]
    assert "&lt;script&gt;" in html_of(receipt)
    assert "- <script>alert(1)</script> & more" in receipt.body


def test_published_one_email_per_submission_listing_what_is_new(
    client, campaign, django_capture_on_commit_callbacks
):
    moderator = make_user(staff=True, groups=["Moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        submission = send(campaign, "Reverse mentoring", "Damp sensors", "Tenant app")
    run_jobs()
    mail.outbox.clear()
    first, second, third = submission.innovations.order_by("pk")
    # Two approvals in a row, one at a time: one email, sent within a minute.
    with django_capture_on_commit_callbacks(execute=True):
        innovation_moderate(
            innovations=Innovation.objects.filter(pk=first.pk), status="approved", user=moderator
        )
    with django_capture_on_commit_callbacks(execute=True):
        innovation_moderate(
            innovations=Innovation.objects.filter(pk=second.pk), status="approved", user=moderator
        )
    run_jobs()
    assert mail.outbox == []  # gathered for a few seconds first
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        run_jobs()
        run_jobs()
    (published,) = mail.outbox
    assert published.to == ["asha@example.org"]
    assert published.subject == "Published: 2 of your innovations on Housing 140"
    assert "- Reverse mentoring" in published.body and "- Damp sensors" in published.body
    assert "Tenant app" not in published.body
    urls = links(published.body)
    assert SITE + first.get_absolute_url() in urls
    for url in urls:
        assert opens(client, url), url
    assert f'href="{SITE}{second.get_absolute_url()}"' in html_of(published)
    # Approving the third later: a new email with only the third.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        innovation_moderate(
            innovations=Innovation.objects.filter(pk=third.pk), status="approved", user=moderator
        )
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        run_jobs()
        run_jobs()
    (again,) = mail.outbox
    assert "Tenant app" in again.body and "Reverse mentoring" not in again.body


def test_not_published_gives_the_reason_and_the_note(campaign, django_capture_on_commit_callbacks):
    moderator = make_user(staff=True, groups=["Moderator"])
    with django_capture_on_commit_callbacks(execute=True):
        submission = send(campaign, "Buy our boilers")
    run_jobs()
    mail.outbox.clear()
    reason = RejectionReason.objects.get(text="Not an innovation")
    with django_capture_on_commit_callbacks(execute=True):
        innovation_moderate(
            innovations=submission.innovations.all(),
            status="rejected",
            user=moderator,
            reason=reason,
            note="It reads as an advert for a product.",
        )
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        run_jobs()
        run_jobs()
    (message,) = mail.outbox
    assert message.to == ["asha@example.org"]
    assert message.subject == "Not published: 1 of your innovation for Housing 140".replace(
        "innovation for", "innovation for"
    )
    assert "- Buy our boilers" in message.body
    assert "Why: Not an innovation" in message.body
    assert "Note from the organiser: It reads as an advert for a product." in message.body
    assert message.reply_to == ['"Dan Slee" <dan@organiser.example>']
    assert "Why: Not an innovation" in html_of(message)


def test_the_reasons_are_seeded_and_managed_in_admin(client):
    assert list(RejectionReason.objects.values_list("text", flat=True)) == [
        "Not an innovation",
        "Already sent",
        "Outside this campaign's scope",
        "Contains personal information",
    ]
    client.force_login(make_user(staff=True, groups=["Moderator"]))
    response = client.post(
        reverse("admin:innovations_rejectionreason_add"),
        {"text": "Not from social housing", "position": 50, "active": "on"},
    )
    assert response.status_code == 302
    assert RejectionReason.objects.filter(text="Not from social housing").exists()


def test_campaign_closed_thank_you_once_to_every_submitter(
    client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(campaign, "Reverse mentoring", email="asha@example.org")
        send(campaign, "Damp sensors", email="bo@example.org")
        send(campaign, "Tenant app", email="ASHA@example.org")  # the same person again
    run_jobs()
    mail.outbox.clear()
    with time_machine.travel(campaign.closes_at - timedelta(minutes=1)):
        run_jobs()
    assert mail.outbox == []  # not before the close
    with time_machine.travel(campaign.closes_at + timedelta(seconds=5)):
        run_jobs()
        run_jobs()
    closed = [m for m in mail.outbox if m.subject == "Housing 140 has closed: thank you"]
    assert sorted(m.to[0].lower() for m in closed) == ["asha@example.org", "bo@example.org"]
    body = closed[0].body
    assert (
        "The final tally: 3 innovations from 1 housing association, against a target of 140."
        in body
    )
    for url in links(body):
        assert opens(client, url), url
    # Once: running the close again sends nothing more.
    from innovations.notifications import thank_submitters_at_close

    mail.outbox.clear()
    with time_machine.travel(campaign.closes_at + timedelta(minutes=5)):
        thank_submitters_at_close.call(campaign.pk, campaign.closes_at.isoformat())
        run_jobs()
    assert mail.outbox == []


def test_a_moved_close_moves_the_thank_you(campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(campaign, "Reverse mentoring")
    run_jobs()
    mail.outbox.clear()
    first_close = campaign.closes_at
    with django_capture_on_commit_callbacks(execute=True):
        campaign.closes_at = first_close + timedelta(hours=2)
        campaign.save()
    with time_machine.travel(first_close + timedelta(seconds=5)):
        run_jobs()
    assert not [m for m in mail.outbox if "has closed" in m.subject]
    with time_machine.travel(campaign.closes_at + timedelta(seconds=5)):
        run_jobs()
    assert len([m for m in mail.outbox if "has closed" in m.subject]) == 1


def test_the_submission_admin_lists_its_emails_with_their_state(
    client, admin_client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = send(campaign, "Reverse mentoring")
    page = admin_client.get(
        reverse("admin:innovations_submission_change", args=[submission.pk])
    ).content.decode()
    assert "Receipt</a> to asha@example.org: waiting to be sent" in page
    run_jobs()
    page = admin_client.get(
        reverse("admin:innovations_submission_change", args=[submission.pk])
    ).content.decode()
    assert "Receipt</a> to asha@example.org: sent at" in page


def test_staff_read_emails_but_never_a_receipts_manage_link(
    client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = send(campaign, "Reverse mentoring")
    token = submission.manage_token
    receipt = Email.objects.get(kind="receipt")
    assert token in receipt.body_text  # stored until it is delivered
    client.force_login(make_user(staff=True, groups=["Moderator"]))
    listing = client.get(reverse("admin:innovations_email_changelist"))
    assert listing.status_code == 200
    assert "Thank you: 1 innovation received for Housing 140" in listing.content.decode()
    page = client.get(reverse("admin:innovations_email_change", args=[receipt.pk]))
    assert page.status_code == 200
    assert token not in page.content.decode()
    assert "Not shown: a receipt holds the sender" in page.content.decode()
