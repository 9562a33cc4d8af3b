"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.utils import bulk_update_with_history

from campaign.models import Campaign, Edition
from campaign.services import theme_for
from core.caching import mark_changed
from core.links import absolute_url
from core.timewords import minutes_words, when_words
from organisations.models import Organisation
from organisations.services import (
    NEW_ORGANISATION,
    organisation_match,
    organisation_resolve,
)

from . import notifications, ratelimit
from .counts import counted, counted_rows, counts_apply
from .models import (
    Answer,
    Email,
    Innovation,
    Question,
    Response,
    Submission,
    manage_token_hash,
)
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
    # Every innovation is pending: nothing published, no setting changed.
    transaction.on_commit(lambda: mark_changed(campaign.pk, new_submission=True), robust=True)
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


# --- "We do this too" / "We'd like to try this" -------------------------------------

RESPONSE_SALT = "innovations.response-confirm"
CONFIRM_DAYS = 14
# A note or a question with more links than this is refused: real ones need few.
MAX_LINKS = 2
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|uk|io|info|biz|ru|xyz)\b\S*",
    re.I,
)


def link_count(text: str) -> int:
    """How many web addresses `text` holds ("https://…", "www.…", "example.com")."""
    return len(_LINK.findall(text or ""))


class OwnInnovation(Exception):
    """An organisation responding to an innovation it shared."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        super().__init__(
            f"{organisation.name} shared this innovation, so it cannot respond to it: "
            "responses come from other organisations."
        )


class BadConfirmation(Exception):
    """A confirmation link that was altered, made up or too old."""

    def __init__(self, expired: bool):
        self.expired = expired
        super().__init__("expired" if expired else "invalid")


def response_token(response: Response) -> str:
    """The signed token in the confirmation link: it names the response and cannot be forged."""
    return signing.dumps(response.pk, salt=RESPONSE_SALT)


def response_from_token(token: str) -> Response:
    """The response a confirmation link is for; BadConfirmation if altered or expired;
    Response.DoesNotExist if it was deleted since."""
    try:
        pk = signing.loads(token, salt=RESPONSE_SALT, max_age=CONFIRM_DAYS * 24 * 3600)
    except signing.SignatureExpired:
        raise BadConfirmation(expired=True) from None
    except signing.BadSignature:
        raise BadConfirmation(expired=False) from None
    if not isinstance(pk, int):
        raise BadConfirmation(expired=False)
    return Response.objects.select_related("innovation__campaign", "organisation").get(pk=pk)


def response_confirm_url(response: Response) -> str:
    return absolute_url(
        reverse("innovations:response_confirm", kwargs={"token": response_token(response)})
    )


@transaction.atomic
def response_create(
    *,
    innovation: Innovation,
    kind: str,
    name: str,
    email: str,
    organisation_name: str,
    organisation_choice: str = "",
    note: str = "",
    at: datetime | None = None,
) -> tuple[Response, bool]:
    """Record a response, to count once its sender confirms it from the email we send.

    Returns (response, already_confirmed). The same person saying the same thing again
    updates their unconfirmed response and is sent the link again; once confirmed, it
    stays as it is. Raises OrganisationNotConfirmed for "Did you mean…?", OwnInnovation
    when the organisation shared the innovation, ValidationError for bad data.
    """
    if innovation.status != Innovation.Status.APPROVED:
        raise ValueError("Only a published innovation can be responded to.")
    organisation = organisation_match(name=organisation_name, choice=organisation_choice)
    if organisation is not None and organisation.pk == innovation.organisation_id:
        raise OwnInnovation(organisation)
    at = at or timezone.now()
    existing = (
        Response.objects.select_for_update()
        .filter(innovation=innovation, kind=kind, email__iexact=email)
        .first()
    )
    if existing is not None and existing.is_confirmed:
        return existing, True
    response = existing or Response(innovation=innovation, kind=kind, created_at=at)
    response.name = name
    response.email = email
    response.organisation = organisation
    response.organisation_name = organisation.name if organisation else organisation_name
    response.note = note.strip()
    response.note_status = (
        Response.NoteStatus.PENDING if response.note else Response.NoteStatus.NONE
    )
    response.consented_at = at
    response.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # The same person sent the same form a moment ago, from another tab.
        response = Response.objects.get(innovation=innovation, kind=kind, email__iexact=email)
        return response, response.is_confirmed
    notifications.response_confirmation_queue(response=response, url=response_confirm_url(response))
    return response, False


@transaction.atomic
def response_confirm(*, response: Response, at: datetime | None = None) -> bool:
    """Count a response: its sender followed the emailed link. True if this confirmed it,
    False if it was confirmed already (a link used twice changes nothing).

    A response naming an organisation we did not know creates it now. Raises
    OwnInnovation if the organisation turns out to be the innovation's own.
    """
    response = (
        # of=self: the organisation may be empty (an outer join PostgreSQL cannot lock).
        Response.objects.select_for_update(of=("self",))
        .select_related("innovation", "organisation")
        .get(pk=response.pk)
    )
    if response.is_confirmed:
        return False
    organisation = response.organisation or organisation_resolve(
        name=response.organisation_name, choice=NEW_ORGANISATION
    )
    if organisation.pk == response.innovation.organisation_id:
        raise OwnInnovation(organisation)
    response.organisation = organisation
    response.confirmed_at = at or timezone.now()
    response.save(update_fields=["organisation", "confirmed_at"])
    campaign_id = response.innovation.campaign_id
    transaction.on_commit(lambda: mark_changed(campaign_id))
    return True


@transaction.atomic
def response_notes_moderate(*, responses: Iterable[Response], status: str) -> int:
    """Approve or reject the notes of `responses` (those that have a note). Returns how many."""
    if status not in (Response.NoteStatus.APPROVED, Response.NoteStatus.REJECTED):
        raise ValueError(f"Not a moderation outcome: {status}")
    ids = [response.pk for response in responses]
    with_notes = Response.objects.filter(pk__in=ids).exclude(note="")
    campaign_ids = sorted(set(with_notes.values_list("innovation__campaign_id", flat=True)))
    count = with_notes.update(note_status=status)
    transaction.on_commit(lambda: mark_changed(*campaign_ids))
    return count


# --- Ask the innovator -------------------------------------------------------------

STOP_SALT = "innovations.stop-questions"


class QuestionRefused(Exception):
    """A message that will not be relayed, and why (`reason` for the log)."""

    def __init__(self, reason: str, message: str, retry_after: int | None = None):
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(message)


def asker_key(email: str) -> str:
    """A keyed hash of the asker's address: enough to count their messages, not to read it."""
    return salted_hmac("innovations.question-asker", email.strip().lower()).hexdigest()


def stop_token(submission: Submission) -> str:
    return signing.dumps(submission.pk, salt=STOP_SALT)


def submission_from_stop_token(token: str) -> Submission:
    """The submission a "stop these messages" link is for; BadConfirmation if altered."""
    try:
        pk = signing.loads(token, salt=STOP_SALT)
    except signing.BadSignature:
        raise BadConfirmation(expired=False) from None
    if not isinstance(pk, int):
        raise BadConfirmation(expired=False)
    return Submission.objects.select_related("campaign", "organisation").get(pk=pk)


def can_be_asked(submission: Submission) -> bool:
    """False once the submitter's personal data is purged or they stopped messages."""
    return submission.personal_data_removed_at is None and submission.questions_stopped_at is None


def _within(rate_text: str, setting: str, count_since) -> int | None:
    """None if one more is allowed under `rate_text`, else the seconds until one is."""
    rate = ratelimit.parse_rate(rate_text, name=setting)
    if rate is None:
        return None
    limit, seconds = rate
    if count_since(timezone.now() - timedelta(seconds=seconds)) < limit:
        return None
    return seconds


@transaction.atomic
def question_ask(*, innovation: Innovation, name: str, email: str, message: str) -> Question:
    """Queue a message to the person who shared `innovation`, to be emailed by a job.

    Refused (QuestionRefused) once their personal data is purged or they stopped
    messages, and over the limits per asker address and per innovation. The
    innovation's row is locked while counting, so two requests cannot both pass the limit.
    """
    innovation = (
        Innovation.objects.select_for_update()
        .select_related("submission")
        .get(pk=innovation.pk, status=Innovation.Status.APPROVED)
    )
    if not can_be_asked(innovation.submission):
        raise QuestionRefused(
            "not-reachable",
            "The person who shared this innovation can no longer be contacted through this site.",
        )
    key = asker_key(email)
    wait = _within(
        settings.QUESTION_LIMIT_PER_ASKER,
        "QUESTION_LIMIT_PER_ASKER",
        lambda since: Question.objects.filter(asker_key=key, created_at__gte=since).count(),
    )
    if wait is not None:
        raise QuestionRefused(
            "asker-limit",
            f"You have sent as many messages as we relay in {minutes_words(wait)}. "
            "Please try again later.",
            wait,
        )
    wait = _within(
        settings.QUESTION_LIMIT_PER_INNOVATION,
        "QUESTION_LIMIT_PER_INNOVATION",
        lambda since: Question.objects.filter(innovation=innovation, created_at__gte=since).count(),
    )
    if wait is not None:
        raise QuestionRefused(
            "innovation-limit",
            "This innovation has had as many messages as we relay for now. "
            "Please try again tomorrow.",
            wait,
        )
    question = Question(innovation=innovation, asker_key=key)
    question.full_clean()
    question.email = notifications.question_queue(
        innovation=innovation, asker_name=name, asker_email=email, message=message
    )
    question.save()
    return question


@transaction.atomic
def submission_stop_questions(*, submission: Submission) -> bool:
    """No more messages about this submission's innovations. False if already stopped."""
    updated = Submission.objects.filter(pk=submission.pk, questions_stopped_at__isnull=True).update(
        questions_stopped_at=timezone.now()
    )
    # Anything queued and not sent yet is not sent either, and its text goes.
    questions_not_sent(
        Question.objects.filter(innovation__submission=submission),
        reason="Not sent: the person who shared the innovation stopped messages",
    )
    return bool(updated)


def questions_not_sent(questions, *, reason: str) -> int:
    """Questions in `questions` still waiting: never sent, their text and asker's address gone.

    In the caller's transaction. An email a worker is sending at this moment goes.
    """
    waiting = questions.filter(status=Question.Status.QUEUED)
    Email.objects.filter(
        question__in=waiting, status__in=[Email.Status.QUEUED, Email.Status.FAILED]
    ).update(
        status=Email.Status.FAILED,
        reply_to="",
        subject="",
        body_text="",
        body_html="",
        last_error=reason,
    )
    return waiting.update(status=Question.Status.NOT_SENT)
