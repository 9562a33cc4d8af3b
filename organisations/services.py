"""Finding the organisation someone means, merging duplicates, and the names people
confirmed through "Did you mean…?" becoming aliases."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from core.caching import mark_changed

from . import matching, register
from .matching import match_key
from .models import ConfirmedName, Organisation, OrganisationAlias, RegisterImport

# The answer to "Did you mean…?" that means "none of those: add mine".
NEW_ORGANISATION = "new"


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


def organisation_match(*, name: str, choice: str = "") -> Organisation | None:
    """The known organisation someone means by `name`, or None for a new one.

    The form's rule, creating nothing: an exact match (name or alias) wins; a name close
    to known ones raises OrganisationNotConfirmed unless `choice` answers "Did you
    mean…?" with one of the suggested ids, or "new" (then None).
    """
    exact = Organisation.objects.find_by_name(name)
    if exact is not None:
        return exact
    if choice != NEW_ORGANISATION:
        suggestions = organisation_suggestions(name)
        chosen = [org for org in suggestions if str(org.pk) == choice]
        if chosen:
            # The organiser is offered this spelling as an alias (organisation admin).
            confirmed_name_record(organisation=chosen[0], name=name)
            return chosen[0]
        if suggestions:
            raise OrganisationNotConfirmed(name, suggestions)
    return None


def organisation_resolve(*, name: str, choice: str = "") -> Organisation:
    """The organisation someone means by `name`.

    An exact match (name or alias, ignoring case, spacing and punctuation) wins. A name
    close to known ones raises OrganisationNotConfirmed unless `choice` answers the
    "Did you mean…?" question: one of the suggested ids, or "new". A genuinely new
    organisation is created with kind "other" for the organiser to correct in admin.
    """
    known = organisation_match(name=name, choice=choice)
    if known is not None:
        return known
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


@dataclass(frozen=True)
class MergeResult:
    moved: (
        dict  # verbose name plural of each model that pointed at a merged organisation: rows moved
    )
    aliases_moved: int
    aliases_added: int
    merged: int

    @property
    def innovations(self):
        return self.moved.get("innovations", 0)

    @property
    def submissions(self):
        return self.moved.get("submissions", 0)


def _references():
    """Every foreign key to Organisation from another model (aliases aside), as (model, field).

    Organisations sit below the apps that refer to them, so a merge finds those
    references through the model registry instead of importing them.
    """
    return [
        (relation.related_model, relation.field.name)
        for relation in Organisation._meta.related_objects
        if relation.one_to_many
        and not relation.hidden
        and relation.related_model not in (OrganisationAlias, ConfirmedName)
    ]


def _move_references(keep, other_ids):
    """Point every reference to `other_ids` at `keep`; {model's plural name: rows moved}.

    Rows of a model with a history (simple_history) move with a history record saying
    why; a model with a `merge_organisation_rows(keep, other_ids)` class method (the
    innovation counts) merges its own rows; the others move in one UPDATE.
    """
    moved = {}
    for model, field in _references():
        if hasattr(model, "merge_organisation_rows"):
            # Rows keyed by organisation (counts) that cannot simply be repointed: the
            # model folds them itself. They are bookkeeping, not something moved.
            model.merge_organisation_rows(keep, other_ids)
            continue
        rows = model._default_manager.filter(**{f"{field}_id__in": other_ids})
        if hasattr(model, "history"):
            changing = list(rows)
            for row in changing:
                setattr(row, field, keep)
            if changing:
                bulk_update_with_history(
                    changing,
                    model,
                    [field],
                    default_change_reason=f"Organisation merged into {keep.name}",
                )
            count = len(changing)
        else:
            count = rows.update(**{field: keep})
        name = str(model._meta.verbose_name_plural)
        moved[name] = moved.get(name, 0) + count
    return moved


@transaction.atomic
def organisation_merge(*, keep: Organisation, others: Iterable[Organisation]) -> MergeResult:
    """Fold `others` into `keep`: one organisation where there were several.

    Everything that referred to them (submissions, innovations, …) and their aliases
    move to `keep`, their names become aliases of `keep` (so the form recognises them
    next time), then they are deleted. All or nothing. An alias equal to `keep`'s own
    name, ignoring case, is dropped; no alias is ever duplicated.
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
    moved = _move_references(keep, other_ids)

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

    _move_confirmed_names(keep, other_ids)

    Organisation.objects.filter(pk__in=other_ids).delete()
    transaction.on_commit(mark_changed, robust=True)
    return MergeResult(
        moved=moved,
        aliases_moved=aliases_moved,
        aliases_added=len(new_aliases),
        merged=len(others),
    )


@transaction.atomic
def organisation_save(*, organisation: Organisation) -> Organisation:
    """Save an organiser's edit (a new name, kind or website): it shows wherever it appears."""
    organisation.save()
    transaction.on_commit(mark_changed, robust=True)
    return organisation


def _move_confirmed_names(keep, other_ids):
    """Names confirmed as the merged organisations are names of the one kept now (one
    row per spelling; none that is `keep`'s own name)."""
    kept_keys = set(keep.confirmed_names.values_list("match_key", flat=True)) | {keep.match_key}
    for confirmed in ConfirmedName.objects.filter(organisation_id__in=other_ids).order_by("pk"):
        if confirmed.match_key in kept_keys:
            confirmed.delete()
        else:
            kept_keys.add(confirmed.match_key)
            confirmed.organisation = keep
            confirmed.save(update_fields=["organisation"])


def confirmed_name_record(*, organisation: Organisation, name: str) -> ConfirmedName | None:
    """Remember that someone typed `name` and confirmed it means `organisation`.

    Called when a "Did you mean…?" answer picks a suggestion. A name already known for
    the organisation (its own or an alias) is not recorded; a repeat counts up.
    """
    key = match_key(name)
    if not key or key == organisation.match_key:
        return None
    if organisation.aliases.filter(match_key=key).exists():
        return None
    confirmed, created = ConfirmedName.objects.get_or_create(
        organisation=organisation, match_key=key, defaults={"name": name}
    )
    if not created:
        ConfirmedName.objects.filter(pk=confirmed.pk).update(
            times=F("times") + 1, last_confirmed_at=timezone.now()
        )
    return confirmed


@transaction.atomic
def confirmed_name_accept(*, confirmed: ConfirmedName) -> OrganisationAlias:
    """Make a confirmed name an alias of its organisation, and forget the suggestion.

    Raises ValidationError when another organisation already has that alias.
    """
    alias = OrganisationAlias(organisation=confirmed.organisation, name=confirmed.name)
    try:
        alias.full_clean()
    except ValidationError as error:
        raise ValidationError(
            f"“{confirmed.name}” cannot be an alias of {confirmed.organisation.name}: "
            + " ".join(error.messages)
        ) from error
    alias.save()
    confirmed.delete()
    return alias


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
    every campaign's page, so the public pages are marked changed.
    """
    plan = register.plan_register(file, confirmed=confirmed, progress=progress)
    try:
        with transaction.atomic():
            record = register.apply_register(
                plan, file_name=file_name, user=user, note=note, progress=progress
            )
    except IntegrityError:
        # Someone added one of these organisations (a submission, another import) between
        # reading and saving: nothing was saved; the same file works a moment later.
        raise register.RegisterError(
            [
                "Line 1: the organisations changed while this file was being imported, so "
                "nothing was imported. Import it again."
            ]
        ) from None
    transaction.on_commit(mark_changed, robust=True)
    return record, plan
