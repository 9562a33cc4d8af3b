"""The submission flow through the test client: the form, the deadline, the thank-you page."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from campaign import sitesettings
from core import caching
from innovations.counts import counts_rebuild
from innovations.models import Innovation, Submission
from tests.factories import make_campaign, make_innovation, make_organisation, make_submission
from tests.jobs import run_jobs
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def campaign():
    return make_campaign(title="140 innovations in 140 hours", hashtag="140in140")


@pytest.fixture
def bromford():
    return make_organisation(name="Bromford")


def publish(organisation):
    """An approved innovation in another campaign: what puts a name in the form's datalist."""
    make_innovation(organisation=organisation, status="approved")


@pytest.fixture
def campaign_2014():
    """Opened 8.59am on Monday 30 June 2014 for 140 hours: closed 4.59am on Sunday 6 July."""
    return make_campaign(
        title="140 innovations in 140 hours",
        opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON),
        hours=140,
    )


def test_form_page_shows_the_form_deadline_and_countdown(client, campaign, bromford):
    publish(bromford)
    response = client.get(submit_url(campaign))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    assert "Innovation 1" in page
    assert "Innovation 2" not in page
    assert 'name="innovations-TOTAL_FORMS" value="1"' in page
    assert 'name="add_another"' in page
    assert "Add another innovation" in page
    assert '<option value="Bromford">' in page
    assert 'list="known-organisations"' in page
    assert f'data-countdown-to="{campaign.closes_at.astimezone(LONDON).isoformat()}' in page
    assert "5 days 18 hours left" in page
    assert "js/countdown.js" in page  # from base.html
    assert "js/add-another.js" in page


def test_deadline_is_shown_in_words(client, campaign_2014):
    with time_machine.travel(datetime(2014, 7, 3, 16, 0, tzinfo=LONDON), tick=False):
        response = client.get(submit_url(campaign_2014))
    assert response.status_code == 200
    assert "Closes at 4.59am on Sunday 6 July 2014." in response.content.decode()
    assert "2 days 12 hours left" in response.content.decode()


def test_two_innovations_in_one_post_are_saved_together(
    client, campaign, bromford, django_capture_on_commit_callbacks
):
    version_before = caching.current_version()
    data = payload(innovation(1), innovation(2, theme="staff_learning", link="https://x.org/a"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(campaign), data)
    assert response.status_code == 303
    submission = Submission.objects.get()
    assert response["Location"] == reverse(
        "innovations:thanks", kwargs={"slug": campaign.slug, "receipt": submission.receipt}
    )
    assert submission.organisation == bromford
    assert (submission.name, submission.email, submission.twitter) == (
        "Asha Patel",
        "asha@example.org",
        "asha",
    )
    saved = list(submission.innovations.order_by("pk"))
    assert [i.title for i in saved] == ["Innovation number 1", "Innovation number 2"]
    assert {i.status for i in saved} == {Innovation.Status.PENDING}
    assert {(i.campaign_id, i.organisation_id) for i in saved} == {(campaign.pk, bromford.pk)}
    assert saved[1].link == "https://x.org/a"
    # Public pages learn of the change; the confirmation is a job, not sent in the request.
    assert caching.current_version() != version_before
    assert mail.outbox == []
    run_jobs()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["asha@example.org"]
    assert "2 innovations received" in mail.outbox[0].subject
    assert "- Innovation number 2" in mail.outbox[0].body
    assert str(submission.receipt) in mail.outbox[0].body


def test_blank_extra_forms_are_ignored(client, campaign, bromford):
    blank = {"title": "", "description": "", "theme": "", "link": ""}
    response = client.post(submit_url(campaign), payload(blank, innovation(2), blank))
    assert response.status_code == 303
    assert list(Innovation.objects.values_list("title", flat=True)) == ["Innovation number 2"]


def test_zero_innovations_are_refused(client, campaign, bromford):
    blank = {"title": "", "description": "", "theme": "", "link": ""}
    response = client.post(submit_url(campaign), payload(blank, blank))
    assert response.status_code == 400
    assert "Enter at least one innovation" in response.content.decode()
    assert not Submission.objects.exists()

    response = client.post(submit_url(campaign), payload(total=0))
    assert response.status_code == 400
    assert "Enter at least one innovation" in response.content.decode()
    assert not Submission.objects.exists()


def test_twenty_are_accepted_and_twenty_one_refused(client, campaign, bromford):
    many = [innovation(n) for n in range(1, 22)]
    response = client.post(submit_url(campaign), payload(*many))
    assert response.status_code == 400
    assert "You can send up to 20 innovations in one go" in response.content.decode()
    assert not Innovation.objects.exists()

    response = client.post(submit_url(campaign), payload(*many[:20]))
    assert response.status_code == 303
    assert Innovation.objects.count() == 20


def test_add_another_works_without_javascript(client, campaign, bromford):
    data = payload(innovation(1, title="Kept title"), add_another="1")
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Innovation 2" in page
    assert 'name="innovations-TOTAL_FORMS" value="2"' in page
    assert 'value="Kept title"' in page
    assert 'value="Asha Patel"' in page
    assert "There is a problem" not in page
    assert not Submission.objects.exists()
    # The form that comes back still submits, with its blank second form ignored.
    token = data["token"]
    response = client.post(submit_url(campaign), payload(innovation(1), total=2, token=token))
    assert response.status_code == 303
    assert Innovation.objects.count() == 1


def test_add_another_stops_at_twenty(client, campaign):
    data = payload(*[innovation(n) for n in range(1, 21)], add_another="1")
    response = client.post(submit_url(campaign), data)
    page = response.content.decode()
    assert 'name="innovations-TOTAL_FORMS" value="20"' in page
    assert "Innovation 21" not in page
    assert 'name="add_another"' not in page


def test_post_one_second_before_closing_is_accepted(client, campaign_2014, bromford):
    just_before = campaign_2014.closes_at - timedelta(seconds=1)
    with time_machine.travel(just_before, tick=False):
        response = client.post(submit_url(campaign_2014), payload())
    assert response.status_code == 303
    assert Submission.objects.get().created_at == just_before


def test_post_one_second_after_closing_is_refused_and_keeps_the_text(
    client, campaign_2014, bromford
):
    data = payload(innovation(1, title="Tenant <b>voice</b> panel"))
    with time_machine.travel(campaign_2014.closes_at + timedelta(seconds=1), tick=False):
        response = client.post(submit_url(campaign_2014), data)
    assert response.status_code == 403
    page = response.content.decode()
    assert "closed at 4.59am on Sunday 6 July 2014" in page
    assert "Tenant &lt;b&gt;voice&lt;/b&gt; panel" in page
    assert "What innovation 1 does" in page
    assert "Asha Patel" in page
    assert not Submission.objects.exists()
    assert not Innovation.objects.exists()


def test_post_before_opening_is_refused(client, campaign_2014, bromford):
    with time_machine.travel(campaign_2014.opens_at - timedelta(seconds=1), tick=False):
        response = client.post(submit_url(campaign_2014), payload())
    assert response.status_code == 403
    assert "opens at 8.59am on Monday 30 June 2014" in response.content.decode()
    assert not Submission.objects.exists()


def test_get_after_closing_shows_final_tally_and_list_link_but_no_form(client, campaign_2014):
    make_innovation(campaign=campaign_2014)
    make_innovation(campaign=campaign_2014, status=Innovation.Status.REJECTED)
    with time_machine.travel(campaign_2014.closes_at, tick=False):
        response = client.get(submit_url(campaign_2014))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This campaign closed at 4.59am on Sunday 6 July 2014." in page
    assert '<span class="tally__number">1</span>' in page
    assert f'href="/campaigns/{campaign_2014.slug}/innovations/"' in page
    assert "<form" not in page


def test_get_before_opening_says_when_it_opens(client, campaign_2014):
    with time_machine.travel(campaign_2014.opens_at - timedelta(hours=3), tick=False):
        response = client.get(submit_url(campaign_2014))
    assert response.status_code == 200
    page = response.content.decode()
    assert "opens at 8.59am on Monday 30 June 2014, in" in page
    assert "3 hours" in page
    assert "<form" not in page


def test_thank_you_page_lists_what_was_received_escaped_with_tally_and_share_link(
    client, campaign, bromford
):
    make_innovation(campaign=campaign)  # someone else's, counted in the tally
    data = payload(
        innovation(
            1,
            title="<script>alert('x')</script>",
            description="Line one\n<img src=x onerror=alert(1)>",
        ),
        innovation(2),
    )
    response = client.post(submit_url(campaign), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    assert "We have received 2 innovations from Bromford." in page
    assert '<span class="tally__number">3</span>' in page
    assert "https://twitter.com/intent/tweet?" in page
    assert "hashtags=140in140" in page
    assert f'href="{submit_url(campaign)}"' in page
    assert 'content="noindex"' in page
    assert "asha@example.org" not in page


def test_thank_you_page_needs_the_right_receipt(client, campaign):
    submission = make_submission(campaign=campaign)
    other = make_campaign()
    assert (
        client.get(
            reverse(
                "innovations:thanks", kwargs={"slug": campaign.slug, "receipt": submission.receipt}
            )
        ).status_code
        == 200
    )
    assert (
        client.get(
            reverse(
                "innovations:thanks", kwargs={"slug": other.slug, "receipt": submission.receipt}
            )
        ).status_code
        == 404
    )
    assert client.get(f"/campaigns/{campaign.slug}/thanks/{submission.pk}/").status_code == 404


@pytest.mark.parametrize("size", [3, 300])
def test_form_page_queries_do_not_grow_with_data(
    client, campaign, size, django_assert_max_num_queries
):
    organisations = [make_organisation() for _ in range(size)]
    submission = make_submission(campaign=campaign, organisation=organisations[0])
    theme = campaign.themes.first()
    Innovation.objects.bulk_create(
        Innovation(
            submission=submission,
            campaign=campaign,
            organisation=organisations[n % size],
            theme=theme,
            title=f"Idea {n}",
            description="…",
            status=Innovation.Status.APPROVED,
        )
        for n in range(size)
    )
    counts_rebuild([campaign.pk])  # bulk_create skips the services that keep the counts
    # The campaign, the tally, the organisation names, and the campaign's themes and
    # questions (each one query, cached for every form on the page; the site's words are
    # read once per cache lifetime, so they are warmed first as on a running site).
    sitesettings.current()
    with django_assert_max_num_queries(5):
        response = client.get(submit_url(campaign))
    assert response.status_code == 200
    assert response.content.decode().count('<option value="Organisation') == size
    assert (
        f"So far: {size} innovations from {size} housing associations." in response.content.decode()
    )


def test_the_form_s_tally_and_organisation_names_follow_each_new_submission(
    client, campaign, bromford, django_capture_on_commit_callbacks
):
    publish(bromford)
    first = client.get(submit_url(campaign)).content.decode()
    assert "So far: 0 innovations" in first
    assert '<option value="Bromford">' in first
    assert '<option value="Knightstone Housing">' not in first

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(campaign), payload(organisation="Knightstone Housing"))
    assert response.status_code == 303

    time.sleep(1.1)  # the form's tally is at most a second old (innovations.tally.recent_tally)
    again = client.get(submit_url(campaign)).content.decode()
    assert "So far: 1 innovation from 1 organisation" in again
    # A new organisation is public only once one of its innovations is approved.
    assert '<option value="Knightstone Housing">' not in again
