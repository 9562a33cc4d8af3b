"""Writes that span several models: merging duplicate organisations."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from simple_history.utils import bulk_update_with_history

from campaign.freshness import mark_changed
from innovations.models import Innovation, Submission

from .matching import match_key
from .models import Organisation, OrganisationAlias


@dataclass(frozen=True)
class MergeResult:
    innovations: int
    submissions: int
    aliases_moved: int
    aliases_added: int
    merged: int


@transaction.atomic
def organisation_merge(*, keep: Organisation, others: Iterable[Organisation]) -> MergeResult:
    """Fold `others` into `keep`: one organisation where there were several.

    Their innovations, submissions and aliases move to `keep`, their names become
    aliases of `keep` (so the form recognises them next time), then they are
    deleted. All or nothing. An alias equal to `keep`'s own name, ignoring case,
    is dropped; no alias is ever duplicated.
    """
    other_ids = sorted({other.pk for other in others} - {keep.pk})
    if not other_ids:
        raise ValueError("Choose at least one other organisation to merge into the one kept.")
    # Lock every row involved, so a concurrent submission cannot pick an
    # organisation that is about to disappear.
    locked = list(
        Organisation.objects.select_for_update().filter(pk__in=[keep.pk, *other_ids]).order_by("pk")
    )
    if len(locked) != len(other_ids) + 1:
        raise Organisation.DoesNotExist("An organisation to merge no longer exists.")
    keep = next(org for org in locked if org.pk == keep.pk)
    others = [org for org in locked if org.pk != keep.pk]

    campaign_ids = set(
        Submission.objects.filter(organisation_id__in=other_ids).values_list(
            "campaign_id", flat=True
        )
    )
    submissions = Submission.objects.filter(organisation_id__in=other_ids).update(organisation=keep)
    # Innovations are moved with a history record, so their history says why
    # the organisation changed.
    innovations = list(Innovation.objects.filter(organisation_id__in=other_ids))
    for innovation in innovations:
        innovation.organisation = keep
    campaign_ids.update(innovation.campaign_id for innovation in innovations)
    if innovations:
        bulk_update_with_history(
            innovations,
            Innovation,
            ["organisation"],
            default_change_reason=f"Organisation merged into {keep.name}",
        )

    own_name = keep.name.lower()
    OrganisationAlias.objects.annotate(lower=Lower("name")).filter(
        organisation_id__in=other_ids, lower=own_name
    ).delete()
    aliases_moved = OrganisationAlias.objects.filter(organisation_id__in=other_ids).update(
        organisation=keep
    )
    taken = set(
        OrganisationAlias.objects.annotate(lower=Lower("name"))
        .filter(lower__in=[org.name.lower() for org in others])
        .values_list("lower", flat=True)
    )
    new_aliases = []
    for org in others:
        lower = org.name.lower()
        if lower != own_name and lower not in taken:
            taken.add(lower)
            new_aliases.append(OrganisationAlias(organisation=keep, name=org.name))
    for alias in new_aliases:
        alias.match_key = match_key(alias.name)  # bulk_create skips save()
    OrganisationAlias.objects.bulk_create(new_aliases)

    Organisation.objects.filter(pk__in=other_ids).delete()
    transaction.on_commit(lambda: mark_changed(*sorted(campaign_ids)))
    return MergeResult(
        innovations=len(innovations),
        submissions=submissions,
        aliases_moved=aliases_moved,
        aliases_added=len(new_aliases),
        merged=len(others),
    )
