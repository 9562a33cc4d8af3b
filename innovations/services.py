"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_update_with_history

from campaign.models import Campaign
from core.caching import mark_changed
from core.timewords import when_words
from organisations.services import organisation_resolve

from .counts import counted, counted_rows, counts_apply
from .models import Innovation, Submission
from .receipts import receipt_send


class CampaignClosed(Exception):
    """The campaign is not open at the moment the submission arrived."""


@transaction.atomic
def submission_create(
    *,
    campaign: Campaign,
    name: str,
    email: str,
    organisation_name: str,
    innovations: Sequence[Mapping[str, str]],
    organisation_choice: str = "",
    role: str = "",
    twitter: str = "",
    receipt: uuid.UUID | None = None,
    at: datetime | None = None,
) -> Submission:
    """Save one person's batch, all or nothing, and confirm it to them by email.

    Call it only once the person has agreed that the innovations may be published
    (SubmitterForm's required `consent`): the time of saving is stored as their consent.

    `innovations` are dicts of title, description, theme and link. Raises CampaignClosed
    outside the campaign's hours, OrganisationNotConfirmed for the "Did you mean…?" step,
    ValidationError for bad data, and IntegrityError when `receipt` was already used
    (a repeated POST of the same form).
    """
    if not campaign.is_open(at):
        raise CampaignClosed(when_words(campaign.closes_at))
    if not innovations:
        raise ValueError("A submission needs at least one innovation.")
    organisation = organisation_resolve(name=organisation_name, choice=organisation_choice)
    submission = Submission(
        campaign=campaign,
        organisation=organisation,
        name=name,
        email=email,
        role=role,
        twitter=twitter,
        receipt=receipt or uuid.uuid4(),
    )
    if at is not None:
        submission.created_at = at
    submission.consented_at = submission.created_at
    # The receipt's uniqueness is the database's to enforce: a clash is a repeat POST.
    # The campaign and organisation are the rows in hand: no query to see they exist.
    submission.full_clean(exclude=["campaign", "organisation"], validate_unique=False)
    submission.save()
    saved = []
    for fields in innovations:
        innovation = Innovation(
            submission=submission,
            campaign=campaign,
            organisation=organisation,
            title=fields["title"],
            description=fields["description"],
            theme=fields["theme"],
            link=fields.get("link", ""),
            created_at=submission.created_at,
        )
        # Every field is checked (the theme against its choices too); the rows it points
        # at were just saved or read, and the named CheckConstraints are the database's
        # to enforce on INSERT: asking it first cost 9 queries per innovation.
        innovation.full_clean(
            exclude=["submission", "campaign", "organisation"], validate_constraints=False
        )
        innovation.save()
        saved.append(innovation)
    # Last, so the hour's count row is locked for as short a time as possible.
    counts_apply(added=saved)
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    transaction.on_commit(lambda: receipt_send(submission, saved), robust=True)
    return submission


@transaction.atomic
def submission_innovations_sync(
    *, submission: Submission, previous_campaign_id: int | None = None, user=None
) -> int:
    """Give a submission's innovations its campaign and organisation again, after an edit.

    An innovation keeps a copy of its submission's campaign and organisation (so public
    queries need no join); when an organiser corrects the submission's organisation in
    admin, the copies must follow, with a history record saying why. Every campaign whose
    pages could show the change is marked changed on commit: the submission's, and
    `previous_campaign_id` if it was moved from another. Returns how many innovations moved.
    """
    moved = list(
        submission.innovations.filter(
            ~Q(campaign_id=submission.campaign_id) | ~Q(organisation_id=submission.organisation_id)
        )
        .select_for_update()
        .order_by("pk")
    )
    before = [counted(innovation) for innovation in moved]
    for innovation in moved:
        innovation.campaign_id = submission.campaign_id
        innovation.organisation_id = submission.organisation_id
    if moved:
        bulk_update_with_history(
            moved,
            Innovation,
            ["campaign", "organisation"],
            default_user=user,
            default_change_reason="Submission edited in admin",
        )
        counts_apply(added=moved, removed=before)
    campaign_ids = sorted({submission.campaign_id, previous_campaign_id} - {None})
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return len(moved)


@transaction.atomic
def submission_delete(*, submissions) -> int:
    """Delete submissions (a queryset) with their innovations; how many submissions went."""
    campaign_ids = sorted(set(submissions.values_list("campaign_id", flat=True)))
    count = submissions.count()
    going = Innovation.objects.filter(submission__in=submissions).select_for_update()
    counts_apply(removed=counted_rows(going))
    submissions.delete()
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return count
