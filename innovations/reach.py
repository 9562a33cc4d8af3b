"""Reach and spread: how much of the sector took part, and how practice travels.

Reach: "18 of 1,412 housing associations in the register have taken part", with a
breakdown by region. Only the current register counts (organisations gone from it
do not), and an organisation has taken part when the tally counts an innovation of
theirs (pending or approved, as the tally does).

Spread: "12 innovations picked up by 9 other organisations": published innovations
that another organisation said it does too or would like to try, confirmed from the
emailed link, each organisation counted once however many of its staff said so.

The campaign's home reads the tally, reach and spread in one query whatever the size
(`campaign_figures`, a UNION ALL of the three aggregates), cached with the campaign's
fragments until the next change (`core.caching.cached`).
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Value

from campaign.models import DEFAULT_PARTICIPANT_NOUN, singular
from core.caching import cached
from organisations.models import Organisation

from .models import Innovation, OrganisationCount, Response
from .tally import Tally, tally_from, tally_rows

NO_REGION = "Region not given"


@dataclass(frozen=True)
class RegionReach:
    region: str
    taken_part: int
    registered: int

    @property
    def percent(self):
        return round(self.taken_part * 100 / self.registered) if self.registered else 0


@dataclass(frozen=True)
class Reach:
    taken_part: int
    registered: int
    all_housing_associations: bool
    regions: tuple[RegionReach, ...]

    @property
    def percent(self):
        return round(self.taken_part * 100 / self.registered) if self.registered else 0


def reach_rows(campaign):
    """Reach by region as a values query: ("reach", region, registered, taken part, not
    housing associations, 0) per region of the current register. Taking part is read from
    the kept counts (innovations/counts.py), so the query does not grow with innovations."""
    participants = OrganisationCount.objects.filter(
        campaign=campaign, status__in=Innovation.COUNTED, n__gt=0
    ).values("organisation_id")
    return (
        Organisation.objects.registered()
        .order_by()
        .annotate(part=Value("reach"))
        .values("part", "region")
        .annotate(
            a=Count("pk"),
            b=Count("pk", filter=Q(pk__in=participants)),
            # Registered organisations not of the kind the campaign's noun names.
            c=Count("pk", filter=~Q(kind=campaign.participant_kind))
            if campaign.participant_kind
            else Value(0),
            d=Value(0),
        )
        .values_list("part", "region", "a", "b", "c", "d")
    )


def reach_from(rows) -> Reach:
    regions, others = [], 0
    for _part, region, registered, taken_part, not_housing_associations, _ in rows:
        others += not_housing_associations
        regions.append(RegionReach(region or NO_REGION, taken_part, registered))
    # Named regions A to Z, then the organisations without one.
    regions.sort(key=lambda r: (r.region == NO_REGION, r.region.casefold()))
    return Reach(
        taken_part=sum(r.taken_part for r in regions),
        registered=sum(r.registered for r in regions),
        all_housing_associations=others == 0,
        regions=tuple(regions),
    )


def campaign_reach(campaign) -> Reach:
    """The campaign's reach in the current register, by region, from one query."""
    return reach_from(reach_rows(campaign))


def cached_reach(campaign) -> Reach:
    return cached_figures(campaign)[1]


def reach_noun(campaign, reach: Reach) -> str:
    """What the register's organisations are called, by the tally's rule: the campaign's
    `participant_noun` ("housing associations", "councils") when every organisation in
    the register is of the kind it names (or it names none), else "organisations"."""
    plural = (
        campaign.participant_noun if reach.all_housing_associations else DEFAULT_PARTICIPANT_NOUN
    )
    return singular(plural) if reach.registered == 1 else plural


def reach_sentence(campaign, reach: Reach) -> str:
    """'18 of 1,412 housing associations in the register have taken part'."""
    verb = "has" if reach.taken_part == 1 else "have"
    return (
        f"{reach.taken_part:,} of {reach.registered:,} {reach_noun(campaign, reach)} "
        f"in the register {verb} taken part"
    )


@dataclass(frozen=True)
class Spread:
    innovations: int  # published innovations picked up by at least one other organisation
    organisations: int  # organisations that picked up at least one
    doing: int  # organisations that said "We do this too" (to any innovation)
    trying: int  # organisations that said "We'd like to try this"

    def sentence(self):
        """'12 innovations picked up by 9 other organisations'."""
        if not self.innovations:
            return "No innovations picked up by other organisations yet"
        return (
            f"{_plural(self.innovations, 'innovation')} picked up by "
            f"{_plural(self.organisations, 'other organisation')}"
        )


def _plural(n, noun):
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def spread_rows(campaign):
    """The spread as a values query of one row: ("spread", "", innovations, organisations,
    doing, trying), over confirmed responses to the campaign's published innovations."""
    return (
        Response.objects.confirmed()
        .for_campaign(campaign)
        .order_by()
        .annotate(part=Value("spread"), label=Value(""))
        .values("part", "label")
        .annotate(
            a=Count("innovation", distinct=True),
            b=Count("organisation", distinct=True),
            c=Count("organisation", distinct=True, filter=Q(kind=Response.Kind.DOES_TOO)),
            d=Count("organisation", distinct=True, filter=Q(kind=Response.Kind.WANTS_TO_TRY)),
        )
        .values_list("part", "label", "a", "b", "c", "d")
    )


def spread_from(row) -> Spread:
    _part, _label, innovations, organisations, doing, trying = row or ("", "", 0, 0, 0, 0)
    return Spread(innovations, organisations, doing, trying)


def campaign_spread(campaign) -> Spread:
    return spread_from(next(iter(spread_rows(campaign)), None))


def campaign_figures(campaign) -> tuple[Tally, Reach, Spread]:
    """The tally, reach and spread from ONE query (a UNION ALL of the three), so the
    campaign's home stays within 4 queries on a miss (issue 12) while showing all three."""
    rows = {"tally": [], "reach": [], "spread": []}
    for row in tally_rows(campaign).union(reach_rows(campaign), spread_rows(campaign), all=True):
        rows[row[0]].append(row)
    return (
        tally_from(campaign, rows["tally"][0] if rows["tally"] else None),
        reach_from(rows["reach"]),
        spread_from(rows["spread"][0] if rows["spread"] else None),
    )


def cached_figures(campaign) -> tuple[Tally, Reach, Spread]:
    """`campaign_figures`, cached until the next change. The tally is stored as the
    tally's own fragment too, so the pages that read only the tally share it."""

    def compute():
        figures = campaign_figures(campaign)
        cached(f"tally:{campaign.pk}", lambda: figures[0])
        return figures

    return cached(f"figures:{campaign.pk}", compute)


def cached_spread(campaign) -> Spread:
    return cached_figures(campaign)[2]


def spread_sentence(campaign) -> str:
    """For the PDF summary and anywhere else that quotes the spread."""
    return cached_spread(campaign).sentence()


def reach_summary(campaign, figures=None) -> dict:
    """What the campaign page and the PDF summary show of reach and spread (cached)."""
    _tally, reach, spread = figures or cached_figures(campaign)
    return {
        "reach": reach if reach.registered else None,
        "reach_sentence": reach_sentence(campaign, reach) if reach.registered else "",
        "reach_noun": reach_noun(campaign, reach),
        "spread": spread,
    }


@dataclass(frozen=True)
class Responders:
    """Who responded to one innovation: organisations, each once, A to Z, and approved notes."""

    doing: tuple[Organisation, ...]
    trying: tuple[Organisation, ...]
    notes: tuple[Response, ...]

    def sentence(self):
        """'Also done at 3 organisations · 5 want to try it'."""
        parts = []
        if self.doing:
            parts.append(f"Also done at {_plural(len(self.doing), 'organisation')}")
        if self.trying:
            verb = "wants" if len(self.trying) == 1 else "want"
            parts.append(f"{len(self.trying):,} {verb} to try it")
        return " · ".join(parts)


def innovation_responders(innovation) -> Responders:
    """One query: the confirmed responses to `innovation` with their organisations."""
    doing, trying, notes = {}, {}, []
    responses = (
        Response.objects.confirmed()
        .filter(innovation=innovation)
        .select_related("organisation")
        .order_by("confirmed_at", "pk")
    )
    for response in responses:
        target = doing if response.kind == Response.Kind.DOES_TOO else trying
        target.setdefault(response.organisation_id, response.organisation)
        if response.note and response.note_status == Response.NoteStatus.APPROVED:
            notes.append(response)

    def by_name(found):
        return tuple(sorted(found.values(), key=lambda org: org.name.casefold()))

    return Responders(by_name(doing), by_name(trying), tuple(notes))


def organisation_responses(organisation, *, limit=200) -> dict:
    """What an organisation also does and wants to try: published innovations, each once."""
    responses = (
        Response.objects.confirmed()
        .filter(organisation=organisation, innovation__status=Innovation.Status.APPROVED)
        .select_related("innovation__campaign", "innovation__organisation")
        .order_by("-confirmed_at", "-pk")[: limit * 2]
    )
    found = {Response.Kind.DOES_TOO: {}, Response.Kind.WANTS_TO_TRY: {}}
    for response in responses:
        found[response.kind].setdefault(response.innovation_id, response.innovation)
    return {
        "also_does": list(found[Response.Kind.DOES_TOO].values())[:limit],
        "wants_to_try": list(found[Response.Kind.WANTS_TO_TRY].values())[:limit],
    }
