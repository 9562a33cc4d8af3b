"""The register of the sector: the organisations in it, imported from a CSV file.

For social housing it is the regulator's list of registered providers. The file is
UTF-8 CSV with the header `name,kind,region,homes,website`; one file is the whole
register. Importing it is two steps, so the organiser can look before saving:

1. `plan_register(file)` reads and checks every row and works out what would
   change, writing nothing: the organisations to add, those to update, those gone
   from the register, and the near misses (a row close to an organisation we know
   but not exactly it, e.g. "Knightsone" for Knightstone) to confirm. Any bad row
   raises RegisterError with every problem by its line in the file (the header is
   line 1), so nothing is imported.
2. `apply_register(plan)` saves it in one transaction.

Rows are matched to known organisations exactly as the submission form matches a
typed name (`Organisation.objects.find_by_name`: the name or an alias, ignoring
case, accents, spacing and punctuation; the lowest id wins). A near miss is never
merged silently: unless the organiser confirms it is the same organisation, the
row becomes a new one (and the admin's "possible duplicates" lists the pair).

Both steps work from dicts built once (names, aliases, slugs), not a query per row,
so 20,000 rows import in seconds, with progress reported every few thousand rows.
"""

import codecs
import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from core.text import SINGLE_LINE_UNSAFE

from . import matching
from .models import Organisation, OrganisationAlias, RegisterImport

HEADER = ["name", "kind", "region", "homes", "website"]
MAX_ERRORS = 50  # listed in full; beyond this, "and N more"
PROGRESS_EVERY = 5000
BATCH = 1000
NEW = "new"  # the answer to a near miss that means "a different organisation"

Progress = Callable[[str], None]


class RegisterError(Exception):
    """The file cannot be imported; `errors` says why, line by line."""

    def __init__(self, errors: list[str], total: int | None = None):
        self.errors = errors[:MAX_ERRORS]
        self.total = total if total is not None else len(errors)
        more = self.total - len(self.errors)
        lines = self.errors + ([f"… and {more} more"] if more > 0 else [])
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    name: str
    kind: str
    region: str
    homes: int | None
    website: str

    @property
    def key(self):
        return matching.match_key(self.name)


@dataclass(frozen=True, slots=True)
class Update:
    row: Row
    pk: int
    name: str  # the organisation's name (kept: published links and pages use it)
    changes: tuple[str, ...]  # "kind", "region", "homes", "website", "register"
    confirmed: bool = False  # a near miss the organiser said is this organisation


@dataclass(frozen=True, slots=True)
class NearMiss:
    row: Row
    candidates: tuple[tuple[int, str, int], ...]  # (organisation id, name, score)


@dataclass
class Plan:
    rows: int = 0
    added: list[Row] = field(default_factory=list)
    updated: list[Update] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # ids listed again, nothing to change
    gone: list[tuple[int, str]] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)

    @property
    def listed_ids(self):
        return [update.pk for update in self.updated] + self.unchanged


def _kinds():
    """Every way to write a kind: its value and its label, ignoring case."""
    found = {}
    for value, label in Organisation.Kind.choices:
        found[value.casefold()] = value
        found[str(label).casefold()] = value
    return found


_url = URLValidator(schemes=["http", "https"])
_spaces = re.compile(r"\s+")
_NAME_MAX = Organisation._meta.get_field("name").max_length
_REGION_MAX = Organisation._meta.get_field("region").max_length
_WEBSITE_MAX = Organisation._meta.get_field("website").max_length
_HOMES_MAX = 2_147_483_647


def _row(line: int, cells: list[str], kinds: dict) -> tuple[Row | None, list[str]]:
    errors = []
    at = f"Line {line}"
    if len(cells) != len(HEADER):
        return None, [
            f"{at}: expected {len(HEADER)} fields ({','.join(HEADER)}), found {len(cells)}"
        ]
    name, kind, region, homes, website = (_spaces.sub(" ", cell).strip() for cell in cells)
    for field_name, value in zip(HEADER, (name, kind, region, homes, website), strict=True):
        if SINGLE_LINE_UNSAFE.search(value):
            errors.append(
                f"{at}: the {field_name} has invisible control characters "
                "(such as escape codes or text direction marks): remove them"
            )
    if not name:
        errors.append(f"{at}: the name is empty")
    elif len(name) > _NAME_MAX:
        errors.append(f"{at}: the name is longer than {_NAME_MAX} characters")
    elif not matching.match_key(name):
        errors.append(f"{at}: the name “{name}” has no letters or digits")
    kind_value = kinds.get(kind.casefold())
    if kind_value is None:
        choices = ", ".join(value for value, _label in Organisation.Kind.choices)
        what = f"unknown kind “{kind}”" if kind else "the kind is empty"
        errors.append(f"{at}: {what}: use one of {choices} (or its label)")
    if len(region) > _REGION_MAX:
        errors.append(f"{at}: the region is longer than {_REGION_MAX} characters")
    homes_value = None
    if homes:
        digits = homes.replace(",", "").replace(" ", "")
        if digits.isdigit() and int(digits) <= _HOMES_MAX:
            homes_value = int(digits)
        else:
            errors.append(f"{at}: homes must be a whole number or empty, not “{homes}”")
    if website:
        if "://" not in website:
            website = f"https://{website}"
        try:
            if len(website) > _WEBSITE_MAX:
                raise ValidationError("too long")
            _url(website)
        except ValidationError:
            errors.append(f"{at}: the website “{cells[4].strip()}” is not a web address")
    if errors:
        return None, errors
    return Row(line, name, kind_value, region, homes_value, website), []


def _text_lines(file, where):
    """The file's lines as text, one at a time: a byte that is not UTF-8 is found on its line."""
    for number, raw in enumerate(file, start=1):
        where[0] = number
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        yield raw.decode("utf-8")


def read_rows(file, progress: Progress | None = None) -> list[Row]:
    """Every row of a register file (bytes), checked; RegisterError lists every bad one."""
    kinds = _kinds()
    where = [1]  # the physical line being decoded, for the message if it is not UTF-8
    reader = csv.reader(_text_lines(file, where), strict=True)
    rows, errors, total_errors = [], [], 0
    seen = {}  # match_key -> the first line with it
    line = 1
    try:
        header = next(reader, None)
        if header is None:
            raise RegisterError(["Line 1: the file is empty; the first line must be the header"])
        if [cell.strip().casefold() for cell in header] != HEADER:
            raise RegisterError(
                [
                    f"Line 1: the header must be exactly {','.join(HEADER)} (found {','.join(header)})"
                ]
            )
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not cells or not any(cell.strip() for cell in cells):
                continue  # a blank line
            row, problems = _row(start, cells, kinds)
            if row is not None:
                first = seen.setdefault(row.key, start)
                if first != start:
                    problems = [f"Line {start}: “{row.name}” is already on line {first}"]
            if problems:
                total_errors += len(problems)
                errors.extend(problems[: max(0, MAX_ERRORS - len(errors))])
            else:
                rows.append(row)
            if progress and (len(rows) + total_errors) % PROGRESS_EVERY == 0:
                progress(f"Read {len(rows) + total_errors:,} rows")
    except UnicodeDecodeError:
        errors.append(
            f"Line {where[0]}: the file is not UTF-8 text. Save it as “CSV UTF-8” and try again"
        )
        total_errors += 1
    except csv.Error as error:
        errors.append(f"Line {line}: this is not a CSV file the importer can read ({error})")
        total_errors += 1
    if errors:
        raise RegisterError(errors, total_errors)
    if not rows:
        raise RegisterError(["Line 2: the register has no organisations in it"])
    return rows


def known_keys() -> dict[str, int]:
    """match_key -> organisation id, by name and by alias, as `find_by_name` matches."""
    keys = {}
    pairs = [
        *Organisation.objects.values_list("match_key", "pk"),
        *OrganisationAlias.objects.values_list("match_key", "organisation_id"),
    ]
    for key, pk in pairs:
        if key and (key not in keys or pk < keys[key]):
            keys[key] = pk
    return keys


_FIELDS = ("kind", "region", "homes", "website")


def plan_register(
    file, *, confirmed: dict[int, str] | None = None, progress: Progress | None = None
) -> Plan:
    """What importing `file` would change, writing nothing (see the module docstring).

    `confirmed` answers near misses: {line: organisation id as text, or NEW}. A near
    miss without an answer is planned as a new organisation and listed in `near_misses`.
    """
    confirmed = confirmed or {}
    rows = read_rows(file, progress)
    keys = known_keys()
    existing = {
        org["pk"]: org
        for org in Organisation.objects.values("pk", "name", "register", *_FIELDS).iterator(
            chunk_size=5000
        )
    }
    plan = Plan(rows=len(rows))
    matched = {}  # organisation id -> line, to find two rows that are one organisation
    unmatched = []
    errors = []
    for row in rows:
        pk = keys.get(row.key)
        if pk is None:
            unmatched.append(row)
            continue
        if pk in matched:
            name = existing[pk]["name"]
            errors.append(f"Line {row.line}: “{row.name}” is {name}, already on line {matched[pk]}")
            continue
        matched[pk] = row.line
        _plan_update(plan, row, existing[pk])
    if errors:
        raise RegisterError(errors)

    # Near misses: only against the organisations no row matched exactly.
    candidates = {}
    for pk, org in existing.items():
        if pk not in matched:
            candidates[org["name"]] = pk
    if candidates:
        for alias, pk in OrganisationAlias.objects.values_list("name", "organisation_id"):
            if pk not in matched:
                candidates.setdefault(alias, pk)
    near = matching.closest_each([row.name for row in unmatched], candidates)
    for row in unmatched:
        found = near.get(row.name)
        answer = confirmed.get(row.line, "")
        if found and answer != NEW:
            chosen = [pk for pk, _score in found if str(pk) == answer]
            if chosen and chosen[0] not in matched:
                matched[chosen[0]] = row.line
                _plan_update(plan, row, existing[chosen[0]], confirmed=True)
                continue
            plan.near_misses.append(
                NearMiss(
                    row, tuple((pk, existing[pk]["name"], round(score)) for pk, score in found)
                )
            )
        plan.added.append(row)
    if progress:
        progress(
            f"Checked {len(rows):,} rows: {len(plan.added):,} new, {len(plan.updated):,} to update, "
            f"{len(plan.unchanged):,} unchanged"
        )

    plan.gone = [
        (pk, org["name"])
        for pk, org in existing.items()
        if org["register"] == Organisation.Register.LISTED and pk not in matched
    ]
    plan.gone.sort(key=lambda item: item[1].casefold())
    return plan


def _plan_update(plan: Plan, row: Row, org: dict, *, confirmed: bool = False) -> None:
    changes = [name for name in _FIELDS if getattr(row, name) != org[name]]
    if org["register"] != Organisation.Register.LISTED:
        changes.append("register")
    if changes or confirmed:
        plan.updated.append(Update(row, org["pk"], org["name"], tuple(changes), confirmed))
    else:
        plan.unchanged.append(org["pk"])


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique_slugs(names: list[str]) -> list[str]:
    taken = set(Organisation.objects.values_list("slug", flat=True).iterator(chunk_size=5000))
    slugs = []
    for name in names:
        base = slugify(name)[:200] or "organisation"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


@transaction.atomic
def apply_register(
    plan: Plan, *, file_name: str, user=None, note: str = "", progress: Progress | None = None
) -> RegisterImport:
    """Save `plan`: add, update, mark gone. One transaction: all of it or none."""
    now = timezone.now()
    record = RegisterImport.objects.create(
        file_name=file_name[:255],
        imported_by=user,
        rows=plan.rows,
        added=len(plan.added),
        updated=len(plan.updated),
        unchanged=len(plan.unchanged),
        gone=len(plan.gone),
        note=note[:300],
    )
    listed = {"register": Organisation.Register.LISTED, "register_gone_at": None}
    done = 0

    slugs = _unique_slugs([row.name for row in plan.added])
    for batch in _chunks(list(zip(plan.added, slugs, strict=True))):
        Organisation.objects.bulk_create(
            [
                Organisation(
                    name=row.name,
                    slug=slug,
                    match_key=row.key,  # bulk_create skips save()
                    kind=row.kind,
                    region=row.region,
                    homes=row.homes,
                    website=row.website,
                    register_import=record,
                    **listed,
                )
                for row, slug in batch
            ]
        )
        done += len(batch)
        _report(progress, done, plan.rows)

    for batch in _chunks(plan.updated):
        organisations = []
        for update in batch:
            row = update.row
            organisations.append(
                Organisation(
                    pk=update.pk,
                    kind=row.kind,
                    region=row.region,
                    homes=row.homes,
                    website=row.website,
                    register_import=record,
                    **listed,
                )
            )
        Organisation.objects.bulk_update(
            organisations, [*_FIELDS, "register", "register_gone_at", "register_import"]
        )
        aliases = [
            OrganisationAlias(
                organisation_id=update.pk,
                name=update.row.name,
                match_key=update.row.key,
            )
            for update in batch
            if update.confirmed and update.row.key != matching.match_key(update.name)
        ]
        OrganisationAlias.objects.bulk_create(aliases)
        done += len(batch)
        _report(progress, done, plan.rows)

    for batch in _chunks(plan.unchanged):
        Organisation.objects.filter(pk__in=batch).update(register_import=record)
        done += len(batch)
        _report(progress, done, plan.rows)

    for batch in _chunks([pk for pk, _name in plan.gone]):
        Organisation.objects.filter(pk__in=batch).update(
            register=Organisation.Register.GONE, register_gone_at=now
        )
    return record


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress and (done % PROGRESS_EVERY < BATCH or done == total):
        progress(f"Saved {done:,} of {total:,} rows")
