"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
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

from . import notifications
from .counts import counted, counted_rows, counts_apply
from .models import Answer, Innovation, Submission, manage_token_hash
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
    """Save one person's batch, all or nothing, and queue the receipt and the organisers' alerts.

    Call it only once the person has agreed that the innovations may be published
    (SubmitterForm's required `consent`): the time of saving is stored as their consent.

    `innovations` are dicts of title, description, theme (a Theme of the campaign, or its
    slug) and link, and optionally answers ({Question: text}), a stored `picture`
    (innovations.pictures.Picture) with its `image_alt`. Raises CampaignClosed
    outside the campaign's hours, OrganisationNotConfirmed for the "Did you mean…?" step,
    ValidationError for bad data, and IntegrityError when `receipt` was already used
    (a repeated POST of the same form).

    The manage link's secret is on the returned submission as `manage_token` (only its
    hash is stored): the thank-you page shows it once, and the receipt carries it.
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
    token = submission.new_manage_token()
    # The receipt's uniqueness is the database's to enforce: a clash is a repeat POST.
    # The campaign and organisation are the rows in hand: no query to see they exist.
    submission.full_clean(exclude=["campaign", "organisation"], validate_unique=False)
    submission.save()
    saved = _innovations_create(submission, innovations, at=submission.created_at)
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    # Stored in this transaction, sent by jobs once it commits: no email inside a request.
    notifications.receipt_queue(submission=submission, innovations=saved, token=token)
    notifications.new_submission_alert_schedule(submission=submission, innovations=saved)
    submission.manage_token = token
    return submission


def _innovations_create(submission, innovations, *, at) -> list[Innovation]:
    saved = []
    for fields in innovations:
        picture = fields.get("picture")
        innovation = Innovation(
            submission=submission,
            campaign=submission.campaign,
            organisation=submission.organisation,
            title=fields["title"],
            description=fields["description"],
            theme=theme_for(submission.campaign, fields["theme"]),
            link=fields.get("link", ""),
            created_at=at,
            image_key=picture.key if picture else "",
            image_widths=list(picture.widths) if picture else [],
            image_height=picture.height if picture else None,
            image_alt=fields.get("image_alt", "") if picture else "",
        )
        # Every field is checked (clean() sees the theme is the campaign's own); the rows
        # it points at were just saved or read, and the named CheckConstraints are the
        # database's to enforce on INSERT: asking it first cost 9 queries per innovation.
        # The one a person can break (a picture needs its description) is checked here.
        innovation.full_clean(
            exclude=["submission", "campaign", "organisation", "theme"],
            validate_constraints=False,
        )
        if innovation.image_key and not innovation.image_alt.strip():
            raise ValidationError(
                {"image_alt": "Describe the picture for people who cannot see it."}
            )
        innovation.save()
        for question, text in (fields.get("answers") or {}).items():
            if question.campaign_id != submission.campaign_id:
                raise ValueError("An answer must be to one of the campaign's own questions.")
            answer = Answer(innovation=innovation, question=question, text=text)
            answer.full_clean()
            answer.save()
        saved.append(innovation)
    # Last, so the hour's count row is locked for as short a time as possible.
    counts_apply(added=saved)
    return saved


# --- The manage link: what a sender can do with their own submission -------------------


class NotEditable(Exception):
    """The innovation cannot be changed that way (not pending, already withdrawn...)."""


def submission_for_manage_token(*, slug: str, token: str, at: datetime | None = None):
    """The submission whose manage link this is, or None (wrong, or expired)."""
    if not token or len(token) > 100:
        return None
    submission = (
        Submission.objects.select_related("campaign", "organisation")
        .filter(
            campaign__slug=slug,
            manage_token_hash=manage_token_hash(token),
            personal_data_removed_at__isnull=True,
        )
        .first()
    )
    if submission is None:
        return None
    at = at or timezone.now()
    if at >= submission.campaign.closes_at + notifications.MANAGE_LINK_LIFETIME:
        return None
    return submission


def _require_open(campaign: Campaign, at: datetime | None) -> None:
    if not campaign.is_open(at):
        raise CampaignClosed(when_words(campaign.closes_at))


def _sender_innovation(submission: Submission, innovation_id) -> Innovation:
    """One of this submission's innovations, locked; anything else is refused."""
    try:
        return submission.innovations.select_for_update().get(pk=int(innovation_id))
    except (Innovation.DoesNotExist, TypeError, ValueError) as error:
        raise Innovation.DoesNotExist("Not an innovation of this submission.") from error


def _save_with_reason(innovation: Innovation, reason: str, fields: list[str]) -> None:
    innovation._change_reason = reason
    innovation.save(update_fields=fields)


@transaction.atomic
def innovation_edit_by_sender(
    *, submission: Submission, innovation_id, fields: Mapping[str, str], at=None
) -> Innovation:
    """The sender corrects an innovation still waiting for moderation."""
    _require_open(submission.campaign, at)
    innovation = _sender_innovation(submission, innovation_id)
    if innovation.status != Innovation.Status.PENDING:
        raise NotEditable("Only an innovation waiting for moderation can be edited.")
    for name in ("title", "description", "theme", "link"):
        setattr(innovation, name, fields.get(name, ""))
    innovation.full_clean()
    _save_with_reason(innovation, "Edited by the sender", ["title", "description", "theme", "link"])
    campaign_id = submission.campaign_id
    transaction.on_commit(lambda: mark_changed(campaign_id), robust=True)
    return innovation


@transaction.atomic
def innovation_withdraw(*, submission: Submission, innovation_id, at=None) -> Innovation:
    """The sender takes an innovation back: off the public pages, exports and tally."""
    _require_open(submission.campaign, at)
    innovation = _sender_innovation(submission, innovation_id)
    if innovation.status == Innovation.Status.WITHDRAWN:
        raise NotEditable("This innovation is already withdrawn.")
    before = counted(innovation)
    innovation.status = Innovation.Status.WITHDRAWN
    innovation.moderated_by = None
    innovation.moderated_at = timezone.now()
    _save_with_reason(
        innovation, "Withdrawn by the sender", ["status", "moderated_by", "moderated_at"]
    )
    counts_apply(added=[innovation], removed=[before])
    campaign_id = submission.campaign_id
    transaction.on_commit(lambda: mark_changed(campaign_id), robust=True)
    return innovation


@transaction.atomic
def innovation_correction_request(
    *, submission: Submission, innovation_id, message: str, at=None
) -> Innovation:
    """The sender asks the organiser to correct a published innovation."""
    _require_open(submission.campaign, at)
    innovation = _sender_innovation(submission, innovation_id)
    if innovation.status != Innovation.Status.APPROVED:
        raise NotEditable("A correction can be asked for on a published innovation only.")
    message = message.strip()
    if not message:
        raise ValidationError({"message": "Say what should be corrected"})
    innovation.correction_request = message
    innovation.correction_requested_at = timezone.now()
    _save_with_reason(
        innovation,
        "Correction asked for by the sender",
        ["correction_request", "correction_requested_at"],
    )
    return innovation


@transaction.atomic
def submission_add_innovations(
    *, submission: Submission, innovations: Sequence[Mapping[str, str]], at=None
) -> list[Innovation]:
    """More innovations in the same submission, on the same terms as the form."""
    campaign = submission.campaign
    _require_open(campaign, at)
    if not innovations:
        raise ValueError("Adding needs at least one innovation.")
    saved = _innovations_create(submission, innovations, at=at or timezone.now())
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    notifications.new_submission_alert_schedule(submission=submission, innovations=saved)
    return saved


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
