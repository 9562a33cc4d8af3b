"""The moderation queue in admin: default filters, approve/reject actions, history, hints."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.caching import current_version
from innovations.models import Innovation, RejectionReason

from .factories import NO_ANSWERS, make_campaign, make_innovation, make_submission

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/innovations/innovation/"


@pytest.fixture
def current():
    # An older, closed campaign and the one open now: the queue is about the open one.
    make_campaign(opens_at=timezone.now() - timedelta(days=400), slug="old")
    return make_campaign(slug="now")


def titles(response):
    return {innovation.title for innovation in response.context["cl"].result_list}


def test_queue_defaults_to_pending_innovations_of_the_current_campaign(client, moderator, current):
    make_innovation(campaign=current, title="Waiting now")
    make_innovation(campaign=current, title="Approved now", status="approved")
    make_innovation(
        campaign=make_campaign(opens_at=timezone.now() - timedelta(days=300)),
        title="Waiting elsewhere",
    )
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert titles(response) == {"Waiting now"}


def test_queue_can_show_everything(client, moderator, current):
    make_innovation(campaign=current, title="Waiting now")
    make_innovation(campaign=current, title="Approved now", status="approved")
    other = make_campaign(opens_at=timezone.now() - timedelta(days=300))
    make_innovation(campaign=other, title="Waiting elsewhere")
    response = client.get(CHANGELIST, {"campaign": "all", "status": "all"})
    assert titles(response) == {"Waiting now", "Approved now", "Waiting elsewhere"}
    response = client.get(CHANGELIST, {"status": "approved"})
    assert titles(response) == {"Approved now"}
    response = client.get(CHANGELIST, {"campaign": other.pk})
    assert titles(response) == {"Waiting elsewhere"}
    assert b"All campaigns" in response.content
    assert b"All statuses" in response.content


def columns(response):
    return list(response.context["cl"].list_display)


def test_queue_shows_status_and_date_and_the_campaign_only_across_campaigns(
    client, moderator, current
):
    make_innovation(campaign=current, title="Waiting now")
    response = client.get(CHANGELIST)
    assert columns(response) == [
        "action_checkbox",
        "innovation",
        "organisation",
        "status",
        "submitted",
        "theme_name",
    ]
    assert b"Submitted" in response.content
    response = client.get(CHANGELIST, {"campaign": "all"})
    assert columns(response)[-1] == "campaign"
    assert current.title.encode() in response.content


def test_queue_search_finds_submitter_and_organisation(client, moderator, current):
    submission = make_submission(campaign=current, name="Ada Lovelace")
    make_innovation(submission=submission, title="Found by submitter")
    make_innovation(campaign=current, title="Not this one")
    response = client.get(CHANGELIST, {"q": "lovelace"})
    assert titles(response) == {"Found by submitter"}
    response = client.get(CHANGELIST, {"q": submission.organisation.name})
    assert titles(response) == {"Found by submitter"}


def test_queue_queries_stay_constant(client, moderator, current, django_assert_max_num_queries):
    for _ in range(3):
        make_innovation(campaign=current)
    # 18: one for the reason filter's list of reasons kept in admin (issue 14), one for
    # the theme filter's names (themes are rows of each campaign) and one for the site's
    # words in the admin's title (read once, then cached).
    with django_assert_max_num_queries(18) as few:
        client.get(CHANGELIST)
    for _ in range(30):
        make_innovation(campaign=current)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 33


def act(client, action, innovations, query=""):
    return client.post(
        CHANGELIST + query,
        {"action": action, "_selected_action": [i.pk for i in innovations]},
        follow=True,
    )


def test_approve_sets_status_audit_fields_history_and_says_how_many(
    client, moderator, current, django_capture_on_commit_callbacks
):
    innovations = [make_innovation(campaign=current) for _ in range(3)]
    left_alone = make_innovation(campaign=current)
    before = current_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "approve_selected", innovations)
    assert "3 innovations approved." in [str(m) for m in response.context["messages"]]
    for innovation in innovations:
        innovation.refresh_from_db()
        assert innovation.status == "approved"
        assert innovation.moderated_by == moderator
        assert timezone.now() - innovation.moderated_at < timedelta(minutes=1)
        latest = innovation.history.latest()
        assert latest.history_user == moderator
        assert latest.history_change_reason == "Approved"
        assert latest.prev_record.status == "pending"
        assert latest.status == "approved"
    left_alone.refresh_from_db()
    assert left_alone.status == "pending"
    assert left_alone.moderated_by is None
    assert current_version() != before  # public pages go stale at once


def test_reject_keeps_the_row_and_records_from_what(client, moderator, current):
    approved = make_innovation(campaign=current, status="approved")
    pending = make_innovation(campaign=current)
    # First a page asking for the reason; nothing changes yet.
    response = act(client, "reject_selected", [approved, pending], query="?status=all")
    assert response.status_code == 200
    assert "Reason (the sender is told)" in response.content.decode()
    assert Innovation.objects.filter(status="rejected").count() == 0
    # Without a reason: asked again, nothing changes.
    response = client.post(
        CHANGELIST + "?status=all",
        {"action": "reject_selected", "_selected_action": [approved.pk, pending.pk], "apply": "1"},
    )
    assert "Choose the reason they are not published" in response.content.decode()
    assert Innovation.objects.filter(status="rejected").count() == 0
    reason = RejectionReason.objects.get(text="Already sent")
    response = client.post(
        CHANGELIST + "?status=all",
        {
            "action": "reject_selected",
            "_selected_action": [approved.pk, pending.pk],
            "apply": "1",
            "reason": reason.pk,
            "note": "Sent last year as Reverse mentoring.",
        },
        follow=True,
    )
    assert "2 innovations rejected (Already sent)." in [
        str(m) for m in response.context["messages"]
    ]
    assert set(
        Innovation.objects.filter(pk__in=[approved.pk, pending.pk]).values_list(
            "rejection_reason__text", "rejection_note"
        )
    ) == {("Already sent", "Sent last year as Reverse mentoring.")}
    assert (
        Innovation.objects.filter(pk__in=[approved.pk, pending.pk], status="rejected").count() == 2
    )
    assert approved.history.latest().prev_record.status == "approved"
    assert pending.history.latest().prev_record.status == "pending"


def test_approving_already_approved_changes_nothing(client, moderator, current):
    approved = make_innovation(campaign=current, status="approved")
    pending = make_innovation(campaign=current)
    history_before = approved.history.count()
    response = act(client, "approve_selected", [approved, pending], query="?status=all")
    assert "1 innovation approved. 1 was already approved." in [
        str(m) for m in response.context["messages"]
    ]
    approved.refresh_from_db()
    assert approved.moderated_by is None
    assert approved.history.count() == history_before


def test_moderators_have_no_delete_action(client, moderator, current):
    make_innovation(campaign=current)
    response = client.get(CHANGELIST)
    choices = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "approve_selected" in choices
    assert "reject_selected" in choices
    assert "delete_selected" not in choices


def test_history_page_shows_who_and_from_what_to_what(client, moderator, current):
    innovation = make_innovation(campaign=current)
    act(client, "approve_selected", [innovation])
    response = client.get(f"{CHANGELIST}{innovation.pk}/history/")
    assert response.status_code == 200
    latest = response.context["page_obj"][0]
    assert latest.history_user == moderator
    changes = {
        change["field"]: (change["old"], change["new"]) for change in latest.history_delta_changes
    }
    assert changes["Status"] == ("Pending", "Approved")
    assert changes["Moderated by"] == ("nobody", moderator.username)
    content = response.content.decode()
    assert moderator.username in content
    assert "Approved" in content  # also the change reason
    assert "Deleted user" not in content


def test_saving_a_new_status_on_the_change_page_records_the_moderator(client, moderator, current):
    innovation = make_innovation(
        campaign=current, title="Edited", description="What it does.\n\nHow it went."
    )
    url = f"{CHANGELIST}{innovation.pk}/change/"
    response = client.post(
        url,
        {
            "title": "Edited",
            "description": "What it does.\r\n\r\nHow it went.",  # as browsers send it
            "theme": innovation.theme_id,
            "link": "",
            "status": "rejected",
            "rejection_reason": RejectionReason.objects.get(text="Not an innovation").pk,
            "rejection_note": "",
            "correction_request": "",
            **NO_ANSWERS,
        },
    )
    assert response.status_code == 302
    innovation.refresh_from_db()
    assert innovation.status == "rejected"
    assert innovation.moderated_by == moderator
    latest = innovation.history.latest()
    assert latest.history_user == moderator
    assert latest.prev_record.status == "pending"
    # Only what really changed is in the history: not the browser's line endings.
    assert latest.diff_against(latest.prev_record).changed_fields == [
        "moderated_at",
        "moderated_by",
        "rejection_reason",
        "status",
    ]


def test_change_page_shows_the_submitter_and_the_whole_submission(client, moderator, current):
    submission = make_submission(
        campaign=current, name="Ada Lovelace", email="ada@example.org", role="Digital lead"
    )
    first = make_innovation(submission=submission, title="First idea")
    make_innovation(submission=submission, title="Second idea")
    response = client.get(f"{CHANGELIST}{first.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert 'href="mailto:ada@example.org"' in content
    assert "Digital lead" in content
    assert "Second idea" in content
    assert reverse("admin:innovations_submission_change", args=[submission.pk]) in content


def test_change_page_hints_at_a_possible_duplicate_in_the_same_campaign(client, moderator, current):
    earlier = make_innovation(campaign=current, title="Digital champions on every estate")
    make_innovation(title="Digital champions on every estate!")  # another campaign: not a hint
    later = make_innovation(campaign=current, title="Digital Champions on every estate.")
    unrelated = make_innovation(campaign=current, title="Community growing spaces")
    response = client.get(f"{CHANGELIST}{later.pk}/change/")
    assert (
        f'Possible duplicate of <a href="{CHANGELIST}{earlier.pk}/change/">#{earlier.pk}: Digital champions on every estate</a>'
        in response.content.decode()
    )
    assert response.context["possible_duplicates"] == [
        {"pk": earlier.pk, "title": earlier.title, "url": f"{CHANGELIST}{earlier.pk}/change/"}
    ]
    response = client.get(f"{CHANGELIST}{unrelated.pk}/change/")
    assert b"Possible duplicate" not in response.content


def test_history_cannot_be_used_to_revert(client, moderator, current):
    innovation = make_innovation(campaign=current)
    act(client, "approve_selected", [innovation])
    first = innovation.history.earliest()
    url = f"{CHANGELIST}{innovation.pk}/history/{first.history_id}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Reverted",
            "description": "x",
            "theme": "other",
            "link": "",
            "status": "pending",
        },
    )
    assert response.status_code == 403
    innovation.refresh_from_db()
    assert innovation.status == "approved"


def test_only_the_sender_withdraws_and_a_rejection_needs_a_reason(client, moderator, current):
    innovation = make_innovation(campaign=current, title="Kept")
    url = f"{CHANGELIST}{innovation.pk}/change/"
    data = {
        "title": "Kept",
        "description": innovation.description,
        "theme": innovation.theme,
        "link": "",
        "rejection_reason": "",
        "rejection_note": "",
        "correction_request": "",
    }
    response = client.post(url, {**data, "status": "withdrawn"})
    assert response.status_code == 200
    assert "Only the sender can withdraw an innovation." in response.content.decode()
    response = client.post(url, {**data, "status": "rejected"})
    assert response.status_code == 200
    assert "Choose the reason it is not published" in response.content.decode()
    innovation.refresh_from_db()
    assert innovation.status == "pending"


def test_the_queue_filters_withdrawn_and_shows_reasons(client, moderator, current):
    reason = RejectionReason.objects.get(text="Already sent")
    make_innovation(campaign=current, title="Taken back", status="withdrawn")
    make_innovation(
        campaign=current, title="Sent twice", status="rejected", rejection_reason=reason
    )
    page = client.get(CHANGELIST + "?status=withdrawn").content.decode()
    assert "Taken back" in page and "Sent twice" not in page
    page = client.get(CHANGELIST + f"?status=all&rejection_reason__id__exact={reason.pk}")
    content = page.content.decode()
    assert "Sent twice" in content and "Taken back" not in content
    assert "Reason not published" in content
