"""The manage link: the sender edits, withdraws, adds and asks for corrections, until the close.

Every refusal is checked for what it leaves unchanged: a wrong or expired link, another
submission's innovation, a POST after the close, an edit of a published innovation.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from innovations.models import Innovation, Submission, manage_token_hash
from innovations.services import submission_create
from innovations.tally import campaign_tally
from tests.factories import make_campaign, make_innovation, make_organisation, make_user
from tests.jobs import run_jobs
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db


def approve(innovation):
    """Published by the organiser, as moderation does it (the kept counts follow)."""
    from innovations.moderation import innovation_moderate

    innovation_moderate(
        innovations=Innovation.objects.filter(pk=innovation.pk), status="approved", user=None
    )


@pytest.fixture
def campaign():
    return make_campaign(opens_at=timezone.now() - timedelta(hours=2), hours=140)


@pytest.fixture
def sent(campaign):
    """A saved submission of two innovations, and its manage link's secret."""
    make_organisation(name="Bromford")
    submission = submission_create(
        campaign=campaign,
        name="Asha Patel",
        email="asha@example.org",
        organisation_name="Bromford",
        innovations=[
            innovation(1, title="Reverse mentoring"),
            innovation(2, title="Damp sensors"),
        ],
    )
    return submission, submission.manage_token


def manage_url(submission, token, name="manage", **kwargs):
    return reverse(
        f"innovations:{name}",
        kwargs={"slug": submission.campaign.slug, "token": token, **kwargs},
    )


def edit_data(**fields):
    return {
        "title": "Reverse mentoring for staff",
        "description": "Young tenants mentor directors in digital skills.",
        "theme": "staff_learning",
        "link": "",
        **fields,
    }


def test_the_secret_has_256_random_bits_and_only_its_hash_is_stored(sent):
    submission, token = sent
    assert len(token) >= 43  # token_urlsafe(32): 32 random bytes
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.manage_token_hash == manage_token_hash(token)
    assert token not in stored.manage_token_hash
    other = submission_create(
        campaign=submission.campaign,
        name="Bo",
        email="bo@example.org",
        organisation_name="Bromford",
        innovations=[innovation(3)],
    )
    assert other.manage_token != token


def test_the_page_lists_the_submissions_innovations_never_cached(client, sent):
    submission, token = sent
    response = client.get(manage_url(submission, token))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Reverse mentoring" in page and "Damp sensors" in page
    assert "Waiting for the organiser" in page
    assert "Add more innovations" in page
    assert page.count(">Edit<") == 2


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "a" * 200])
def test_a_wrong_link_is_the_sites_404(client, sent, token):
    submission, _token = sent
    response = client.get(manage_url(submission, token))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_link_on_another_campaigns_address_is_404(client, sent):
    submission, token = sent
    other = make_campaign()
    response = client.get(
        reverse("innovations:manage", kwargs={"slug": other.slug, "token": token})
    )
    assert response.status_code == 404


def test_the_link_is_read_only_after_the_close_and_dead_30_days_later(client, sent):
    submission, token = sent
    closes = submission.campaign.closes_at
    with time_machine.travel(closes + timedelta(days=29), tick=False):
        response = client.get(manage_url(submission, token))
        assert response.status_code == 200
        page = response.content.decode()
        assert "The campaign closed at" in page
        assert ">Edit<" not in page and "Withdraw" not in page and "Add more" not in page
    with time_machine.travel(closes + timedelta(days=30), tick=False):
        assert client.get(manage_url(submission, token)).status_code == 404


def test_edit_a_pending_innovation(client, sent, django_capture_on_commit_callbacks):
    submission, token = sent
    first = submission.innovations.order_by("pk").first()
    url = manage_url(submission, token, "manage_edit", pk=first.pk)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'value="Reverse mentoring"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, edit_data())
    assert response.status_code == 303
    assert response["Location"].endswith("?done=edited")
    first.refresh_from_db()
    assert first.title == "Reverse mentoring for staff"
    assert first.theme.slug == "staff_learning"
    latest = first.history.latest()
    assert latest.history_change_reason == "Edited by the sender"
    assert latest.history_user is None
    assert "Your changes are saved." in client.get(response["Location"]).content.decode()


def test_edit_with_errors_shows_the_summary_and_saves_nothing(client, sent):
    submission, token = sent
    first = submission.innovations.order_by("pk").first()
    url = manage_url(submission, token, "manage_edit", pk=first.pk)
    response = client.post(url, edit_data(title="", link="not a link"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_title"' in page
    assert "Enter a title for this innovation" in page
    assert "Enter the link for this innovation as a web address starting https://" in page
    assert "<title>Error:" in page
    first.refresh_from_db()
    assert first.title == "Reverse mentoring"


def test_a_published_innovation_cannot_be_edited_only_corrected(client, sent):
    submission, token = sent
    first = submission.innovations.order_by("pk").first()
    approve(first)
    url = manage_url(submission, token, "manage_edit", pk=first.pk)
    response = client.post(url, edit_data(title="Sneaky change"))
    assert response.status_code == 409
    assert "cannot be edited here" in response.content.decode()
    first.refresh_from_db()
    assert first.title == "Reverse mentoring"


def test_a_forged_form_with_another_submissions_innovation_changes_nothing(client, sent):
    submission, token = sent
    stranger = make_innovation(campaign=submission.campaign, title="Someone else's")
    for name, data in [
        ("manage_edit", edit_data(title="Hijacked")),
        ("manage_withdraw", {}),
        ("manage_correction", {"message": "Delete it"}),
    ]:
        response = client.post(manage_url(submission, token, name, pk=stranger.pk), data)
        assert response.status_code == 404, name
    stranger.refresh_from_db()
    assert (stranger.title, stranger.status, stranger.correction_request) == (
        "Someone else's",
        "pending",
        "",
    )


def test_withdraw_asks_first_then_takes_it_off_every_public_page_and_the_tally(
    client, sent, django_capture_on_commit_callbacks
):
    submission, token = sent
    campaign = submission.campaign
    first, second = submission.innovations.order_by("pk")
    approve(first)
    public = reverse("campaign:innovation", kwargs={"slug": campaign.slug, "pk": first.pk})
    assert client.get(public).status_code == 200
    assert campaign_tally(campaign).innovations == 2

    url = manage_url(submission, token, "manage_withdraw", pk=first.pk)
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Withdraw “Reverse mentoring”?" in page
    assert "Yes, withdraw it" in page and "<form" in page  # works without JavaScript
    first.refresh_from_db()
    assert first.status == "approved"  # nothing happens on GET

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 303
    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert first.history.latest().history_change_reason == "Withdrawn by the sender"
    assert first.history.latest().history_user is None
    assert campaign_tally(campaign).innovations == 1
    assert client.get(public).status_code == 404
    csv = client.get(reverse("campaign:export_csv", kwargs={"slug": campaign.slug}))
    assert "Reverse mentoring" not in b"".join(csv.streaming_content).decode()
    listing = client.get(reverse("campaign:innovations", kwargs={"slug": campaign.slug}))
    assert "Reverse mentoring" not in listing.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "Withdrawn by you" in page
    # Twice is refused, and a moderator cannot bring it back by approving it.
    assert client.post(url).status_code == 409
    from innovations.moderation import innovation_moderate

    changed = innovation_moderate(
        innovations=Innovation.objects.filter(pk=first.pk), status="approved", user=None
    )
    assert changed == 0


def test_withdrawn_is_a_status_backed_by_the_constraint():
    from django.db import IntegrityError, transaction

    item = make_innovation()
    Innovation.objects.filter(pk=item.pk).update(status="withdrawn")
    with pytest.raises(IntegrityError), transaction.atomic():
        Innovation.objects.filter(pk=item.pk).update(status="deleted")


def test_add_more_on_the_same_terms_as_the_form(client, sent, django_capture_on_commit_callbacks):
    submission, token = sent
    url = manage_url(submission, token, "manage_add")
    assert client.get(url).status_code == 200
    data = payload(innovation(3, title="Tenant app"))
    data = {k: v for k, v in data.items() if k.startswith("innovations-")}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 303
    assert response["Location"].endswith("?done=added")
    titles = list(submission.innovations.order_by("pk").values_list("title", flat=True))
    assert titles == ["Reverse mentoring", "Damp sensors", "Tenant app"]
    added = submission.innovations.get(title="Tenant app")
    assert (added.campaign_id, added.organisation_id, added.status) == (
        submission.campaign_id,
        submission.organisation_id,
        "pending",
    )
    assert campaign_tally(submission.campaign).innovations == 3


def test_add_more_with_errors_shows_the_summary(client, sent):
    submission, token = sent
    data = payload(innovation(3, title="", theme=""))
    data = {k: v for k, v in data.items() if k.startswith("innovations-")}
    response = client.post(manage_url(submission, token, "manage_add"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a title for innovation 1" in page
    assert "Choose a theme for innovation 1" in page
    assert submission.innovations.count() == 2


def test_add_more_is_rate_limited_like_the_form(client, sent, settings):
    settings.SUBMISSION_RATE_LIMIT = "1/600"
    submission, token = sent
    data = payload(innovation(3))
    data = {k: v for k, v in data.items() if k.startswith("innovations-")}
    assert client.post(manage_url(submission, token, "manage_add"), data).status_code == 303
    response = client.post(manage_url(submission, token, "manage_add"), data)
    assert response.status_code == 429
    assert submission.innovations.count() == 3


def test_a_post_after_the_close_saves_nothing_and_shows_what_was_typed(client, sent):
    submission, token = sent
    first = submission.innovations.order_by("pk").first()
    data = payload(innovation(3, title="Typed too late"))
    data = {k: v for k, v in data.items() if k.startswith("innovations-")}
    with time_machine.travel(submission.campaign.closes_at + timedelta(seconds=1), tick=False):
        response = client.post(manage_url(submission, token, "manage_add"), data)
        assert response.status_code == 403
        page = response.content.decode()
        assert "The campaign has closed" in page
        assert 'value="Typed too late"' in page
        response = client.post(
            manage_url(submission, token, "manage_edit", pk=first.pk),
            edit_data(title="Edited too late"),
        )
        assert response.status_code == 403
        assert 'value="Edited too late"' in response.content.decode()
        response = client.post(manage_url(submission, token, "manage_withdraw", pk=first.pk))
        assert response.status_code == 403
    first.refresh_from_db()
    assert (first.title, first.status) == ("Reverse mentoring", "pending")
    assert submission.innovations.count() == 2


def test_a_correction_request_reaches_the_moderation_queue(client, sent):
    submission, token = sent
    first = submission.innovations.order_by("pk").first()
    url = manage_url(submission, token, "manage_correction", pk=first.pk)
    # Not published yet: nothing to correct (edit it instead).
    assert client.post(url, {"message": "Typo"}).status_code == 409
    approve(first)
    response = client.post(url, {"message": ""})
    assert response.status_code == 400
    assert "Say what should be corrected" in response.content.decode()
    response = client.post(url, {"message": "It is Bromford Homes, not Bromford."})
    assert response.status_code == 303
    first.refresh_from_db()
    assert first.correction_request == "It is Bromford Homes, not Bromford."
    assert first.history.latest().history_change_reason == "Correction asked for by the sender"
    moderator = make_user(staff=True, groups=["Moderator"])
    client.force_login(moderator)
    queue = client.get(
        reverse("admin:innovations_innovation_changelist") + "?status=approved&correction=yes"
    )
    page = queue.content.decode()
    assert "It is Bromford Homes, not Bromford." in page
    assert "Correction asked for" in page


def test_the_thank_you_page_shows_the_link_to_that_browser_only(client, campaign):
    make_organisation(name="Bromford")
    response = client.post(submit_url(campaign), payload(innovation(1)))
    assert response.status_code == 303
    thanks = client.get(response["Location"]).content.decode()
    match = re.search(r'href="(/campaigns/[^"]+/manage/[^"]+/)"', thanks)
    assert match, "the manage link is on the thank-you page"
    assert client.get(match.group(1)).status_code == 200
    # Another browser with the thank-you address sees no link.
    client.cookies.clear()
    assert "/manage/" not in client.get(response["Location"]).content.decode()


def test_the_receipt_link_opens_the_page(client, campaign, django_capture_on_commit_callbacks):
    make_organisation(name="Bromford")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(submit_url(campaign), payload(innovation(1)))
    run_jobs()
    (receipt,) = mail.outbox
    link = re.search(r"http://[^\s]+/manage/[^\s]+/", receipt.body).group(0)
    client.cookies.clear()
    response = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    assert "Innovation number 1" in response.content.decode()
