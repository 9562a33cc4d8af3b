"""Submitters' personal data: never on public pages; purged after a campaign."""

from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone

from innovations.models import Email, Innovation, Submission
from innovations.retention import REMOVED
from innovations.tally import campaign_tally

from .factories import make_campaign, make_innovation, make_submission

pytestmark = pytest.mark.django_db


# Public pages reachable on this branch; extend with feeds and exports.
def public_paths():
    paths = ["/", "/campaigns/"]
    for innovation in Innovation.objects.public().select_related("campaign", "organisation"):
        paths += [
            innovation.get_absolute_url(),
            innovation.campaign.get_absolute_url(),
            *(
                f"/campaigns/{innovation.campaign.slug}/{tail}"
                for tail in (
                    "submit/",
                    "innovations/",
                    "feed/",
                    "export.csv",
                    "export.json",
                    "chart.svg",
                    "badge.svg",
                    "embed/",
                )
            ),
            f"/organisations/{innovation.organisation.slug}/",
        ]
    return sorted(set(paths))


def test_submitter_emails_never_appear_on_public_pages(client):
    call_command("load_demo")
    make_innovation(
        submission=make_submission(
            campaign=make_campaign(), email="jo.bloggs@housing.example", twitter="jobloggs"
        ),
        status=Innovation.Status.APPROVED,
    )
    emails = set(Submission.objects.values_list("email", flat=True))
    assert "jo.bloggs@housing.example" in emails
    paths = public_paths()
    assert len(paths) > 20
    for page in paths:
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode().lower()
        leaked = [email for email in emails if email.lower() in body]
        assert leaked == [], f"{page} shows {leaked}"


@pytest.fixture
def closed_campaign():
    campaign = make_campaign(opens_at=timezone.now() - timedelta(days=30), slug="closed-one")
    first = make_submission(
        campaign=campaign, name="Jo Bloggs", email="jo@example.org", role="Head of IT", twitter="jo"
    )
    second = make_submission(campaign=campaign, name="Sam Smith", email="sam@example.org")
    make_innovation(submission=first, title="Digital champions", status="approved")
    make_innovation(submission=first, title="Tenant app")
    make_innovation(submission=second, title="Skills swap")
    return campaign


def test_purge_removes_personal_data_and_keeps_the_innovations(closed_campaign):
    other = make_submission(email="keep@example.org")  # another campaign: untouched
    call_command("purge_personal_data", campaign="closed-one", stdout=(out := StringIO()))

    submissions = Submission.objects.filter(campaign=closed_campaign)
    assert submissions.count() == 2
    for submission in submissions:
        assert submission.name == REMOVED
        assert submission.email == f"removed-{submission.pk}@removed.invalid"
        assert submission.role == ""
        assert submission.twitter == ""
        assert submission.personal_data_removed_at is not None
    assert sorted(closed_campaign.innovations.values_list("title", flat=True)) == [
        "Digital champions",
        "Skills swap",
        "Tenant app",
    ]
    tally = campaign_tally(closed_campaign)
    assert (tally.innovations, tally.organisations) == (3, 2)
    other.refresh_from_db()
    assert other.email == "keep@example.org"
    assert 'Removed personal data from 2 submission(s) of "Campaign' in out.getvalue()
    assert "3 innovation(s) kept" in out.getvalue()


def test_purge_leaves_no_copy_in_history_or_the_admin_log(closed_campaign, admin_user):
    submission = Submission.objects.get(email="jo@example.org")
    LogEntry.objects.log_actions(
        user_id=admin_user.pk, queryset=[submission], action_flag=CHANGE, change_message="[]"
    )
    assert LogEntry.objects.filter(object_repr__contains="Jo Bloggs").exists()

    call_command("purge_personal_data", campaign="closed-one", stdout=StringIO())

    assert not LogEntry.objects.filter(object_repr__contains="Jo Bloggs").exists()
    assert LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Submission)
    ).object_repr.startswith(REMOVED)
    # No historical table (django-simple-history) holds any copy of the personal data.
    personal = {"Jo Bloggs", "jo@example.org", "Head of IT", "Sam Smith", "sam@example.org"}
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            for row in model.objects.values():
                assert personal.isdisjoint(str(value) for value in row.values()), model


def test_purge_refuses_while_the_campaign_is_open():
    campaign = make_campaign(slug="still-open")
    make_submission(campaign=campaign, email="open@example.org")
    with pytest.raises(CommandError, match="has not closed yet"):
        call_command("purge_personal_data", campaign="still-open")
    assert Submission.objects.get().email == "open@example.org"

    call_command("purge_personal_data", campaign="still-open", force=True, stdout=StringIO())
    assert Submission.objects.get().name == REMOVED


def test_dry_run_changes_nothing(closed_campaign):
    call_command(
        "purge_personal_data", campaign="closed-one", dry_run=True, stdout=(out := StringIO())
    )
    assert "would remove personal data from 2 submission(s)" in out.getvalue()
    assert Submission.objects.filter(name=REMOVED).count() == 0


def test_purge_twice_changes_nothing_the_second_time(closed_campaign):
    call_command("purge_personal_data", campaign="closed-one", stdout=StringIO())
    stamps = list(Submission.objects.values_list("personal_data_removed_at", flat=True))
    call_command("purge_personal_data", campaign="closed-one", stdout=(out := StringIO()))
    assert "from 0 submission(s)" in out.getvalue()
    assert list(Submission.objects.values_list("personal_data_removed_at", flat=True)) == stamps


def test_unknown_campaign_is_a_clear_error():
    with pytest.raises(CommandError, match='no campaign with the slug "nope"'):
        call_command("purge_personal_data", campaign="nope")


def test_purge_removes_the_address_and_words_of_the_emails_sent(closed_campaign):
    submission = Submission.objects.filter(campaign=closed_campaign).first()
    sent = Email.objects.create(
        kind="published",
        submission=submission,
        to=submission.email,
        subject="Published: Tenant app",
        body_text="Hello Jo",
        status="sent",
    )
    waiting = Email.objects.create(
        kind="closed", submission=submission, to=submission.email, subject="Thank you"
    )
    call_command("purge_personal_data", campaign="closed-one", stdout=StringIO())
    sent.refresh_from_db()
    waiting.refresh_from_db()
    assert (sent.to, sent.subject, sent.body_text, sent.status) == (
        f"removed-{submission.pk}@removed.invalid",
        "",
        "",
        "sent",
    )
    assert waiting.status == "failed"  # never sent to an address that is gone
