"""Reach and spread: how much of the sector took part, and how practice travels.

Reach: "18 of 1,412 housing associations in the register have taken part", with a
breakdown by region. Only the current register counts (organisations gone from it
do not), and an organisation has taken part when the tally counts an innovation of
theirs (pending or approved, as the tally does).

Spread: "12 innovations picked up by 9 other organisations": published innovations
that another organisation said it does too or would like to try, confirmed from the
emailed link, each organisation counted once however many of its staff said so.

Each figure is one aggregate query whatever the size, cached with the campaign's
fragments until the next change (`core.caching.cached`).
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from core.caching import cached
from organisations.models import Organisation

from .models import Innovation, Response

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


def campaign_reach(campaign) -> Reach:
    """The campaign's reach in the current register, by region, from one query."""
    participants = Innovation.objects.for_campaign(campaign).counted().values("organisation_id")
    rows = (
        Organisation.objects.registered()
        .values("region")
        .annotate(
            registered=Count("pk"),
            taken_part=Count("pk", filter=Q(pk__in=participants)),
            others=Count("pk", filter=~Q(kind=Organisation.Kind.HOUSING_ASSOCIATION)),
        )
        .order_by("region")
    )
    regions, others = [], 0
    for row in rows:
        others += row["others"]
        regions.append(
            RegionReach(row["region"] or NO_REGION, row["taken_part"], row["registered"])
        )
    # Named regions A to Z, then the organisations without one.
    regions.sort(key=lambda r: (r.region == NO_REGION, r.region.casefold()))
    return Reach(
        taken_part=sum(r.taken_part for r in regions),
        registered=sum(r.registered for r in regions),
        all_housing_associations=others == 0,
        regions=tuple(regions),
    )


def cached_reach(campaign) -> Reach:
    return cached(f"reach:{campaign.pk}", lambda: campaign_reach(campaign))


def reach_noun(campaign, reach: Reach) -> str:
    """What the register's organisations are called: the one place to change the noun.

    The tally's rule: "housing associations" when every organisation in the register
    is one, else "organisations". (Where a campaign names its own participants, issue
    15's `Campaign.participant_noun`, this is where to use it.)
    """
    noun = "housing association" if reach.all_housing_associations else "organisation"
    return noun if reach.registered == 1 else f"{noun}s"


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


def campaign_spread(campaign) -> Spread:
    row = (
        Response.objects.confirmed()
        .for_campaign(campaign)
        .aggregate(
            innovations=Count("innovation", distinct=True),
            organisations=Count("organisation", distinct=True),
            doing=Count("organisation", distinct=True, filter=Q(kind=Response.Kind.DOES_TOO)),
            trying=Count("organisation", distinct=True, filter=Q(kind=Response.Kind.WANTS_TO_TRY)),
        )
    )
    return Spread(**row)


def cached_spread(campaign) -> Spread:
    return cached(f"spread:{campaign.pk}", lambda: campaign_spread(campaign))


def spread_sentence(campaign) -> str:
    """For the PDF summary and anywhere else that quotes the spread."""
    return cached_spread(campaign).sentence()


def reach_summary(campaign) -> dict:
    """What the campaign page and the PDF summary show of reach and spread (cached)."""
    reach = cached_reach(campaign)
    return {
        "reach": reach if reach.registered else None,
        "reach_sentence": reach_sentence(campaign, reach) if reach.registered else "",
        "reach_noun": reach_noun(campaign, reach),
        "spread": cached_spread(campaign),
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
