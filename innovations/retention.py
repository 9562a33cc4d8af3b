"""Retention of submitters' personal data.

A submitter's name, email, role and Twitter handle are needed while a campaign runs
(to check and follow up submissions) and not long after. `purge_personal_data`
replaces them with placeholders for one campaign, keeping every submission and
innovation (the public record, the tally) intact. When the submitter agreed to
publication (`consented_at`) is kept too: it is not personal data by itself, and it is
the evidence that publishing was agreed.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from campaign.models import Campaign

from .models import Question, Response, Submission

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
    Question.objects.filter(innovation__campaign=campaign, status=Question.Status.QUEUED).update(
        status=Question.Status.NOT_SENT, asker_name="", asker_email="", message=""
    )
    return len(submissions)
