"""Retention of submitters' personal data.

A submitter's name, email, role and Twitter handle are needed while a campaign runs
(to check and follow up submissions) and not long after. `purge_personal_data`
replaces them with placeholders for one campaign, keeping every submission and
innovation (the public record, the tally) intact. When the submitter agreed to
publication (`consented_at`) is kept too: it is not personal data by itself, and it is
the evidence that publishing was agreed.
"""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign

from .models import Email, Innovation, Question, Response, Submission
from .pictures import FOLDER, picture_files_delete
from .services import questions_not_sent

REMOVED = "(removed)"


def removed_email(pk):
    """A placeholder that is still a valid address but reaches no one (RFC 2606)."""
    return f"removed-{pk}@removed.invalid"


def submissions_holding_personal_data(campaign: Campaign):
    return Submission.objects.filter(campaign=campaign, personal_data_removed_at__isnull=True)


@transaction.atomic
def purge_personal_data(*, campaign: Campaign, at=None) -> int:
    """Replace the personal data of every submission to `campaign` not purged yet.

    Also rewrites copies elsewhere: historical rows (if Submission ever gets a
    django-simple-history `history`) and the admin log, whose `object_repr` holds
    str(submission), i.e. the submitter's name. Returns the number of submissions.
    """
    at = at or timezone.now()
    submissions = list(submissions_holding_personal_data(campaign).select_for_update())
    for submission in submissions:
        submission.name = REMOVED
        submission.email = removed_email(submission.pk)
        submission.role = ""
        submission.twitter = ""
        submission.personal_data_removed_at = at
    Submission.objects.bulk_update(
        submissions, ["name", "email", "role", "twitter", "personal_data_removed_at"]
    )

    history = getattr(Submission, "history", None)
    for submission in submissions:
        if history is not None:
            history.filter(id=submission.pk).update(
                name=REMOVED, email=removed_email(submission.pk), role="", twitter=""
            )
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Submission),
            object_id=str(submission.pk),
        ).update(object_repr=str(submission)[:200])
        # The emails sent to them hold their address, name and what they sent: the record
        # that an email went (kind, when, state) stays; who and what it said does not.
        Email.objects.filter(submission=submission).update(
            to=removed_email(submission.pk), subject="", body_text="", body_html="", last_error=""
        )
    # Emails not sent by now never will be: their submission is gone from the public pages.
    Email.objects.filter(
        submission__in=submissions, status__in=[Email.Status.QUEUED, Email.Status.SENDING]
    ).update(status=Email.Status.FAILED, last_error="Personal data removed before it was sent")

    # The people who responded to the campaign's innovations ("We do this too") and
    # questions not relayed yet: their names and addresses go too. What they said stays.
    responses = list(
        Response.objects.filter(
            innovation__campaign=campaign, personal_data_removed_at__isnull=True
        ).select_for_update()
    )
    for response in responses:
        response.name = REMOVED
        response.email = f"removed-response-{response.pk}@removed.invalid"
        response.personal_data_removed_at = at
    Response.objects.bulk_update(responses, ["name", "email", "personal_data_removed_at"])
    Email.objects.filter(campaign=campaign, kind=Email.Kind.RESPONSE).update(
        to="removed-response@removed.invalid", subject="", body_text="", body_html=""
    )
    Email.objects.filter(
        campaign=campaign,
        kind=Email.Kind.RESPONSE,
        status__in=[Email.Status.QUEUED, Email.Status.SENDING],
    ).update(status=Email.Status.FAILED, last_error="Personal data removed before it was sent")
    questions_not_sent(
        Question.objects.filter(innovation__campaign=campaign),
        reason="Personal data removed before it was sent",
    )
    return len(submissions)


@transaction.atomic
def pictures_purge(*, campaign: Campaign) -> int:
    """Delete the pictures of the campaign's rejected innovations: never published, and
    a photo may show people. Returns how many innovations lost their picture; the files
    go once the change commits.
    """
    rejected = list(
        Innovation.objects.for_campaign(campaign)
        .filter(status=Innovation.Status.REJECTED)
        .exclude(image_key="")
    )
    names = [name for innovation in rejected for name in innovation.picture.names()]
    Innovation.objects.filter(pk__in=[i.pk for i in rejected]).update(
        image_key="", image_widths=[], image_height=None, image_alt=""
    )
    transaction.on_commit(lambda: picture_files_delete(names), robust=True)
    return len(rejected)


def unclaimed_pictures_purge(*, older_than=timedelta(days=1), now=None) -> int:
    """Delete stored pictures no innovation uses, older than `older_than`: those kept for a
    form that came back with an error and was never sent again. Returns how many files."""
    now = now or timezone.now()
    try:
        _folders, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    used = {
        key.rsplit("/", 1)[-1]
        for key in Innovation.objects.exclude(image_key="").values_list("image_key", flat=True)
    }
    stale = []
    for name in files:
        key = name.rsplit("-", 1)[0]
        if key in used:
            continue
        path = f"{FOLDER}/{name}"
        if now - default_storage.get_modified_time(path) >= older_than:
            stale.append(path)
    picture_files_delete(stale)
    return len(stale)
