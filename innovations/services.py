"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from simple_history.utils import bulk_update_with_history

from campaign.models import Campaign
from core.caching import mark_changed
from core.timewords import when_words
from organisations.services import organisation_resolve
from organisations import register
from organisations.models import RegisterImport

from .models import Innovation, Submission


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
    submission.full_clean(validate_unique=False)
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
        innovation.full_clean()
        innovation.save()
        saved.append(innovation)
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    transaction.on_commit(lambda: _send_confirmation(submission, saved), robust=True)
    return submission


def _send_confirmation(submission: Submission, innovations: list[Innovation]) -> None:
    campaign = submission.campaign
    count = len(innovations)
    url = settings.SITE_URL + reverse(
        "innovations:thanks", kwargs={"slug": campaign.slug, "receipt": submission.receipt}
    )
    titles = "\n".join(f"- {innovation.title}" for innovation in innovations)
    noun = "innovation" if count == 1 else "innovations"
    send_mail(
        subject=f"Thank you: {count} {noun} received for {campaign.title}",
        message=(
            f"Hello {submission.name},\n\n"
            f"Thank you for sharing {count} {noun} from {submission.organisation.name} "
            f"with {campaign.title}:\n\n{titles}\n\n"
            "The organiser reads every one before it appears on the public list.\n"
            f"What you sent: {url}\n"
        ),
        from_email=None,
        recipient_list=[submission.email],
    )


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
        ).order_by("pk")
    )
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
    campaign_ids = sorted({submission.campaign_id, previous_campaign_id} - {None})
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return len(moved)


@transaction.atomic
def submission_delete(*, submissions) -> int:
    """Delete submissions (a queryset) with their innovations; how many submissions went."""
    campaign_ids = sorted(set(submissions.values_list("campaign_id", flat=True)))
    count = submissions.count()
    submissions.delete()
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return count


@transaction.atomic
def register_import(
    *,
    file,
    file_name: str,
    user=None,
    confirmed: dict[int, str] | None = None,
    note: str = "",
    progress: register.Progress | None = None,
) -> tuple[RegisterImport, register.Plan]:
    """Import the register of the sector from a CSV file (bytes), all or nothing.

    Raises register.RegisterError, listing the bad rows by line, before writing
    anything. Returns the import's record and what was planned (with the near misses,
    imported as new organisations unless `confirmed` says otherwise). Reach appears on
    every campaign's page, so every campaign is marked changed.
    """
    plan = register.plan_register(file, confirmed=confirmed, progress=progress)
    record = register.apply_register(
        plan, file_name=file_name, user=user, note=note, progress=progress
    )
    campaign_ids = list(Campaign.objects.values_list("pk", flat=True))
    transaction.on_commit(lambda: mark_changed(*campaign_ids), robust=True)
    return record, plan
