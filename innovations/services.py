"""Writes that span several models: a submission, its innovations, maybe a new organisation."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from simple_history.utils import bulk_update_with_history

from campaign import freshness
from campaign.models import Campaign
from campaign.timewords import when_words
from organisations import matching
from organisations.models import Organisation, OrganisationAlias

from .models import Innovation, Submission

# The answer to "Did you mean…?" that means "none of those: add mine".
NEW_ORGANISATION = "new"


class CampaignClosed(Exception):
    """The campaign is not open at the moment the submission arrived."""


class OrganisationNotConfirmed(Exception):
    """The name is close to known organisations but not one of them: ask before adding it."""

    def __init__(self, name: str, suggestions: list[Organisation]):
        super().__init__(name)
        self.name = name
        self.suggestions = suggestions


def organisation_suggestions(name: str) -> list[Organisation]:
    """Known organisations whose name or an alias is close to `name`, best first."""
    candidates = dict(Organisation.objects.values_list("name", "pk"))
    candidates.update(OrganisationAlias.objects.values_list("name", "organisation_id"))
    ids = [pk for pk, _score in matching.closest(name, candidates)]
    found = Organisation.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def organisation_resolve(*, name: str, choice: str = "") -> Organisation:
    """The organisation someone means by `name`.

    An exact match (name or alias, ignoring case, spacing and punctuation) wins. A name
    close to known ones raises OrganisationNotConfirmed unless `choice` answers the
    "Did you mean…?" question: one of the suggested ids, or "new". A genuinely new
    organisation is created with kind "other" for the organiser to correct in admin.
    """
    exact = Organisation.objects.find_by_name(name)
    if exact is not None:
        return exact
    if choice != NEW_ORGANISATION:
        suggestions = organisation_suggestions(name)
        chosen = [org for org in suggestions if str(org.pk) == choice]
        if chosen:
            return chosen[0]
        if suggestions:
            raise OrganisationNotConfirmed(name, suggestions)
    organisation = Organisation(name=name, kind=Organisation.Kind.OTHER)
    # Uniqueness is the database's to enforce (see the IntegrityError below).
    organisation.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        # Someone added the same name a moment ago: use theirs.
        existing = Organisation.objects.find_by_name(name)
        if existing is None:
            raise
        return existing
    return organisation


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
    transaction.on_commit(lambda: freshness.mark_changed(campaign.pk))
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
    transaction.on_commit(lambda: freshness.mark_changed(*campaign_ids))
    return len(moved)
