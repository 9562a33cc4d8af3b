"""Every cached public page goes stale at once after a real change, made the way people make it.

Nothing here calls `mark_changed`: a submission goes through the form, an approval through
the admin's action, a merge through the admin's merge page, an edit through the admin's
change form. Each test warms every cached page first (the second GET must come from the
cache: at most 1 query), makes the change, then expects the new content, a new ETag, and
a 200 (not 304) for a browser that still holds the old ETag. `transaction.on_commit` is
run as a real commit would run it (django_capture_on_commit_callbacks).
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from innovations.models import Innovation, RejectionReason, Submission
from organisations.models import Organisation
from tests.factories import (
    NO_ANSWERS,
    NO_INLINES,
    make_campaign,
    make_innovation,
    make_organisation,
    make_submission,
)
from tests.public_data import CACHED, url
from tests.submitting import innovation, payload, submit_url

# Every test twice: on the local-memory cache, and on the machine's Redis.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_cache", "one_minute")]


def warm(client, campaign, django_assert_max_num_queries):
    """Every cached page, fetched twice: {name: (body, etag)} of the cached copy."""
    pages = {}
    for name in CACHED:
        first = client.get(url(name, campaign))
        assert first.status_code == 200, name
        with django_assert_max_num_queries(1):
            second = client.get(url(name, campaign))
        assert second.content == first.content, name
        pages[name] = (second.content.decode(), second["ETag"])
    return pages


def assert_all_stale(client, campaign, before):
    """A browser holding the old ETag gets the new page (200), with a new ETag."""
    for name, (_body, etag) in before.items():
        response = client.get(url(name, campaign), headers={"if-none-match": etag})
        assert response.status_code == 200, name
        assert response["ETag"] != etag, name


def tally_number(html):
    return re.search(r'<span class="tally__number">(\d+)</span>', html).group(1)


@pytest.fixture
def acme():
    """An open campaign: Acme Homes has one approved innovation, Acme Housing one more."""
    campaign = make_campaign(title="Spring push", target=140)
    homes = make_organisation(name="Acme Homes")
    housing = make_organisation(name="Acme Housing")
    make_innovation(
        campaign=campaign, organisation=homes, title="Repairs by text", status="approved"
    )
    make_innovation(
        campaign=campaign, organisation=housing, title="Damp photo reports", status="approved"
    )
    return campaign, homes, housing


def test_a_submission_through_the_form_updates_every_tally_at_once(
    client, acme, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    campaign, _homes, _housing = acme
    before = warm(client, campaign, django_assert_max_num_queries)
    assert tally_number(before["detail"][0]) == "2"
    assert "2 / 140 innovations" in before["badge"][0]

    data = payload(
        innovation(1, title="Garden share scheme"),
        innovation(2, title="Tenant tech clinic"),
        organisation="Acme Homes",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit_url(campaign), data)
    assert response.status_code == 303

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert tally_number(after["detail"][0]) == "4"
    assert "4 innovations from 2 housing associations" in after["detail"][0]
    assert "4 / 140 innovations" in after["badge"][0]
    assert tally_number(after["embed"][0]) == "4"
    assert "4 innovations received" in after["chart"][0]
    # Pending: counted at once, published only once approved.
    assert "Garden share scheme" not in after["innovations"][0]
    assert "Garden share scheme" not in after["feed"][0]


def test_an_approval_in_admin_publishes_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, _housing = acme
    pending = make_innovation(
        campaign=campaign, organisation=homes, title="Garden share scheme", status="pending"
    )
    before = warm(client, campaign, django_assert_max_num_queries)
    for name in ["innovations", "feed", "detail"]:
        assert "Garden share scheme" not in before[name][0], name

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_innovation_changelist") + "?campaign=all&status=all",
            {"action": "approve_selected", "_selected_action": [pending.pk]},
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Innovation.Status.APPROVED

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    for name in ["innovations", "feed", "detail"]:
        assert "Garden share scheme" in after[name][0], name


def test_a_rejection_in_admin_takes_it_out_of_the_tally_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, _housing = acme
    spam = make_innovation(campaign=campaign, organisation=homes, title="Buy cheap watches")
    before = warm(client, campaign, django_assert_max_num_queries)
    assert "3 / 140 innovations" in before["badge"][0]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:innovations_innovation_changelist") + "?campaign=all&status=all",
            {
                "action": "reject_selected",
                "_selected_action": [spam.pk],
                "apply": "1",
                "reason": RejectionReason.objects.get(text="Not an innovation").pk,
            },
        )

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "2 / 140 innovations" in after["badge"][0]
    assert tally_number(after["embed"][0]) == "2"


def test_a_merge_in_admin_regroups_the_list_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, housing = acme
    before = warm(client, campaign, django_assert_max_num_queries)
    assert "Acme Housing" in before["innovations"][0]
    assert "2 innovations from 2 housing associations" in before["detail"][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:organisations_organisation_merge"),
            {"ids": [homes.pk, housing.pk], "keep": homes.pk},
        )
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=housing.pk).exists()

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    listing = after["innovations"][0]
    assert "Acme Housing" not in listing
    # One group now, holding both innovations.
    group = listing[listing.index("Acme Homes") :]
    assert "Repairs by text" in group and "Damp photo reports" in group
    assert "2 innovations from 1 housing association" in after["detail"][0]
    assert "Acme Housing" not in after["feed"][0]


def test_an_innovation_edited_in_admin_shows_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, _homes, _housing = acme
    edited = Innovation.objects.get(title="Repairs by text")
    before = warm(client, campaign, django_assert_max_num_queries)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_innovation_change", args=[edited.pk]),
            {
                "title": "Repairs booked by text message",
                "description": edited.description,
                "theme": edited.theme_id,
                "link": "",
                "status": "approved",
                **NO_ANSWERS,
                "_save": "Save",
            },
        )
    assert response.status_code == 302

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    for name in ["innovations", "feed", "detail"]:
        assert "Repairs booked by text message" in after[name][0], name
        assert "Repairs by text<" not in after[name][0], name


def test_a_campaign_edited_in_admin_shows_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, _homes, _housing = acme
    before = warm(client, campaign, django_assert_max_num_queries)
    opens_at = timezone.localtime(campaign.opens_at)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:campaign_campaign_change", args=[campaign.pk]),
            {
                "title": "Summer push",
                "slug": campaign.slug,
                "intro": "",
                "target": "200",
                "hashtag": "140in140",
                "opens_at_0": opens_at.strftime("%Y-%m-%d"),
                "opens_at_1": opens_at.strftime("%H:%M:%S"),
                "length_hours": "140",
                "participant_noun": "housing associations",
                "participant_kind": "housing_association",
                **NO_INLINES,
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "Summer push" in after["detail"][0] and "Spring push" not in after["detail"][0]
    assert "2 / 200 innovations" in after["badge"][0]
    assert "Summer push" in after["embed"][0]
    assert "Summer push" in after["feed"][0]
    assert "target 200" in after["chart"][0]


def test_an_organisation_renamed_in_admin_shows_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, _housing = acme
    before = warm(client, campaign, django_assert_max_num_queries)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:organisations_organisation_change", args=[homes.pk]),
            {
                "name": "Acme Homes Group",
                "kind": "housing_association",
                "website": "",
                "aliases-TOTAL_FORMS": "0",
                "aliases-INITIAL_FORMS": "0",
                "aliases-MIN_NUM_FORMS": "0",
                "aliases-MAX_NUM_FORMS": "1000",
                "confirmed_names-TOTAL_FORMS": "0",
                "confirmed_names-INITIAL_FORMS": "0",
                "confirmed_names-MIN_NUM_FORMS": "0",
                "confirmed_names-MAX_NUM_FORMS": "1000",
                "_save": "Save",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "Acme Homes Group" in after["innovations"][0]
    assert "Acme Homes Group" in after["feed"][0]


def test_an_innovation_deleted_in_admin_leaves_the_tally_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, _homes, _housing = acme
    gone = Innovation.objects.get(title="Damp photo reports")
    before = warm(client, campaign, django_assert_max_num_queries)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_innovation_delete", args=[gone.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Innovation.objects.filter(pk=gone.pk).exists()

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "1 / 140 innovations" in after["badge"][0]
    assert "Damp photo reports" not in after["innovations"][0]


def test_a_submission_edited_or_deleted_in_admin_updates_the_pages_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, _housing = acme
    submission = make_submission(campaign=campaign, organisation=homes)
    inline = make_innovation(submission=submission, title="Tool library", status="pending")
    before = warm(client, campaign, django_assert_max_num_queries)
    assert "3 / 140 innovations" in before["badge"][0]

    # Approve it from the submission's page (the inline), not the innovation's.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_submission_change", args=[submission.pk]),
            submission_form(submission, [inline], **{"innovations-0-status": "approved"}),
        )
    assert response.status_code == 302, response.context["errors"]
    inline.refresh_from_db()
    assert inline.status == Innovation.Status.APPROVED
    assert inline.moderated_at is not None
    assert inline.moderated_by.is_superuser

    assert_all_stale(client, campaign, before)
    middle = warm(client, campaign, django_assert_max_num_queries)
    assert "Tool library" in middle["innovations"][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_submission_delete", args=[submission.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Submission.objects.filter(pk=submission.pk).exists()

    assert_all_stale(client, campaign, middle)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "2 / 140 innovations" in after["badge"][0]
    assert "Tool library" not in after["innovations"][0]


def submission_form(submission, innovations, **changes):
    created = timezone.localtime(submission.created_at)
    data = {
        "campaign": submission.campaign_id,
        "organisation": submission.organisation_id,
        "name": submission.name,
        "email": submission.email,
        "role": "",
        "twitter": "",
        "created_at_0": created.strftime("%Y-%m-%d"),
        "created_at_1": created.strftime("%H:%M:%S"),
        "innovations-TOTAL_FORMS": str(len(innovations)),
        "innovations-INITIAL_FORMS": str(len(innovations)),
        "innovations-MIN_NUM_FORMS": "0",
        "innovations-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, item in enumerate(innovations):
        data.update(
            {
                f"innovations-{i}-id": item.pk,
                f"innovations-{i}-submission": submission.pk,
                f"innovations-{i}-title": item.title,
                f"innovations-{i}-theme": item.theme_id,
                f"innovations-{i}-status": item.status,
            }
        )
    data.update(changes)
    return data


def test_a_submission_s_organisation_corrected_in_admin_moves_its_innovations(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, homes, housing = acme
    submission = Innovation.objects.get(title="Damp photo reports").submission
    items = list(submission.innovations.all())
    before = warm(client, campaign, django_assert_max_num_queries)
    assert "2 innovations from 2 housing associations" in before["detail"][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_submission_change", args=[submission.pk]),
            submission_form(submission, items, organisation=homes.pk),
        )
    assert response.status_code == 302, response.context["errors"]
    moved = Innovation.objects.get(title="Damp photo reports")
    assert moved.organisation == homes
    assert moved.history.latest().history_change_reason == "Submission edited in admin"

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "2 innovations from 1 housing association" in after["detail"][0]
    assert "Acme Housing" not in after["innovations"][0]
    assert housing.innovations.count() == 0


def test_submissions_deleted_from_the_admin_list_leave_the_tally_at_once(
    client,
    admin_client,
    acme,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    campaign, _homes, _housing = acme
    submissions = list(Submission.objects.filter(campaign=campaign))
    before = warm(client, campaign, django_assert_max_num_queries)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:innovations_submission_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [s.pk for s in submissions],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not Submission.objects.filter(campaign=campaign).exists()

    assert_all_stale(client, campaign, before)
    after = warm(client, campaign, django_assert_max_num_queries)
    assert "0 / 140 innovations" in after["badge"][0]
    assert "Repairs by text" not in after["innovations"][0]


def campaigns_line(client, campaign):
    """The campaign's line on the list of all campaigns ("3 innovations from 2 …")."""
    html = client.get(reverse("campaign:list")).content.decode()
    item = html[html.index(f'href="{campaign.get_absolute_url()}"') :]
    return re.search(r"<strong>(\d+)</strong> innovations? from (\d+)", item).groups()


def test_the_list_of_campaigns_runs_no_query_on_a_hit_and_counts_a_submission_at_once(
    client, acme, django_assert_num_queries, django_capture_on_commit_callbacks
):
    campaign, _homes, _housing = acme
    assert campaigns_line(client, campaign) == ("2", "2")
    with django_assert_num_queries(0):
        assert campaigns_line(client, campaign) == ("2", "2")

    data = payload(innovation(1, title="Garden share scheme"), organisation="New Homes Group")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(submit_url(campaign), data).status_code == 303

    assert campaigns_line(client, campaign) == ("3", "3")


def test_a_campaign_deleted_in_admin_leaves_the_list_of_campaigns_at_once(
    client, admin_client, acme, django_capture_on_commit_callbacks
):
    campaign, _homes, _housing = acme
    empty = make_campaign(title="Cancelled autumn push")
    assert "Cancelled autumn push" in client.get(reverse("campaign:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:campaign_campaign_delete", args=[empty.pk]), {"post": "yes"}
        )
    assert response.status_code == 302

    listing = client.get(reverse("campaign:list")).content.decode()
    assert "Cancelled autumn push" not in listing
    assert campaign.title in listing
