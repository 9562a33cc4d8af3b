"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from campaign.models import Campaign, Edition
from campaign.services import theme_for
from core.caching import mark_changed
from core.timewords import when_words
from organisations.services import organisation_resolve

from .models import Answer, Innovation, Submission
from .receipts import receipt_send
from .report import changes_since, render_pdf, report_contents


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

    `innovations` are dicts of title, description, theme (a Theme of the campaign, or its
    slug) and link, and optionally answers ({Question: text}), a stored `picture`
    (innovations.pictures.Picture) with its `image_alt`. Raises CampaignClosed
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
        picture = fields.get("picture")
        innovation = Innovation(
            submission=submission,
            campaign=campaign,
            organisation=organisation,
            title=fields["title"],
            description=fields["description"],
            theme=theme_for(campaign, fields["theme"]),
            link=fields.get("link", ""),
            created_at=submission.created_at,
            image_key=picture.key if picture else "",
            image_widths=list(picture.widths) if picture else [],
            image_height=picture.height if picture else None,
            image_alt=fields.get("image_alt", "") if picture else "",
        )
        innovation.full_clean()
        innovation.save()
        for question, text in (fields.get("answers") or {}).items():
            if question.campaign_id != campaign.pk:
                raise ValueError("An answer must be to one of the campaign's own questions.")
            answer = Answer(innovation=innovation, question=question, text=text)
            answer.full_clean()
            answer.save()
        saved.append(innovation)
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
def edition_publish(*, campaign: Campaign, at=None) -> Edition:
    """Publish the next PDF edition of the campaign's collated list.

    The PDF is made now, stored once under a dated name and never changed; an earlier
    edition stays where it was. It says what changed since the edition before (added,
    taken off, retitled), from the list each edition records.
    """
    at = at or timezone.now()
    # Lock the campaign row: two organisers publishing at once get editions 2 and 3.
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    previous = campaign.editions.order_by("-number").first()
    contents = report_contents(campaign)
    edition = Edition(
        campaign=campaign,
        number=(previous.number + 1) if previous else 1,
        published_at=at,
        contents=contents,
        changes=changes_since(previous.contents, contents) if previous else "",
        provisional=campaign.is_open(at),
    )
    pdf = render_pdf(campaign, at=at, edition=edition, changes=edition.changes)
    local = timezone.localtime(at)
    name = f"{campaign.slug}-edition-{edition.number}-{local:%Y-%m-%d}.pdf"
    edition.file.save(name, ContentFile(pdf), save=False)
    stored = edition.file.name
    try:
        edition.full_clean(exclude=["file"])
        edition.save()
        Campaign.objects.filter(pk=campaign.pk).update(edition_count=F("edition_count") + 1)
    except Exception:
        edition.file.storage.delete(stored)
        raise
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    return edition
