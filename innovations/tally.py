"""The tally: "53 innovations from 18 housing associations", and the sentence people quote.

The tally counts every innovation received that was not rejected (pending and
approved), as the organiser's own updates did, so it moves the moment someone
submits. Who took part is named by the campaign's `participant_noun` ("housing
associations", "councils"). When the campaign says which kind of organisation the
noun is true of (`participant_kind`), the noun is used only while every counted
organisation is of that kind; with a company or a charity among them (the 2014
campaign had Switchee) it says "organisations", so the sentence is never wrong. A
campaign with no kind ("organisations", "teams") always uses its noun.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from campaign.models import DEFAULT_PARTICIPANT_NOUN, Campaign, singular
from core.caching import cached, recent
from core.timewords import clock_words, date_words

from .models import Innovation, OrganisationCount


@dataclass(frozen=True)
class Tally:
    innovations: int
    organisations: int
    # Every counted organisation is of the kind the campaign's noun names (or it names none).
    all_of_named_kind: bool = True
    # Approved: what the public list shows, so the home can say why the two differ.
    published: int = 0
    participant_noun: str = DEFAULT_PARTICIPANT_NOUN

    @property
    def organisation_noun(self):
        """The campaign's noun ('18 councils', '1 council') when it is true, else 'organisation(s)'."""
        plural = (
            self.participant_noun
            if self.organisations and self.all_of_named_kind
            else DEFAULT_PARTICIPANT_NOUN
        )
        return singular(plural) if self.organisations == 1 else plural

    @property
    def innovation_noun(self):
        return "innovation" if self.innovations == 1 else "innovations"

    def summary(self):
        """'53 innovations from 18 housing associations'."""
        return (
            f"{self.innovations:,} {self.innovation_noun} "
            f"from {self.organisations:,} {self.organisation_noun}"
        )

    def percent_of(self, target):
        """Whole per cent of the target, rounded half up: 53 of 140 is 38."""
        return (self.innovations * 100 * 2 + target) // (target * 2)


def tally_rows(campaign):
    """The tally as a values query of one row or none: ("tally", "", innovations, published,
    organisations, others), over the campaign's organisation counts (innovations/counts.py).

    In this shape so the campaign's home can read it in the same statement as reach and
    spread (innovations/reach.py `campaign_figures`)."""
    return (
        OrganisationCount.objects.filter(campaign=campaign, status__in=Innovation.COUNTED, n__gt=0)
        .order_by()
        .annotate(part=Value("tally"), label=Value(""))
        .values("part", "label")
        .annotate(
            a=Coalesce(Sum("n"), 0),
            b=Coalesce(Sum("n", filter=Q(status=Innovation.Status.APPROVED)), 0),
            c=Count("organisation", distinct=True),
            d=Count(
                "organisation",
                distinct=True,
                filter=~Q(organisation__kind=campaign.participant_kind),
            )
            if campaign.participant_kind
            else Value(0),
        )
        .values_list("part", "label", "a", "b", "c", "d")
    )


def tally_from(campaign, row) -> "Tally":
    """The campaign's Tally from a row of `tally_rows` (None: nothing counted yet)."""
    _part, _label, innovations, published, organisations, others = row or ("", "", 0, 0, 0, 0)
    return Tally(
        innovations=innovations or 0,
        organisations=organisations or 0,
        all_of_named_kind=not others,
        published=published or 0,
        participant_noun=campaign.participant_noun,
    )


def campaign_tally(campaign):
    """The campaign's tally, from its organisation counts (innovations/counts.py): one
    query over a row per organisation and status, however many innovations there are.

    With a participant kind set, the campaign's noun is used only while every counted
    organisation is of that kind ("others" counts those that are not)."""
    return tally_from(campaign, next(iter(tally_rows(campaign)), None))


def cached_tally(campaign):
    """`campaign_tally`, cached until the next `mark_changed`."""
    return cached(f"tally:{campaign.pk}", lambda: campaign_tally(campaign))


def recent_tally(campaign):
    """The tally at most `PUBLIC_CACHE_SECONDS` (1) old, for the form, which is never cached
    whole: in a deadline rush it then costs a query a second, not one a submission, and is
    as fresh as the public pages behind nginx."""
    return recent(f"tally:{campaign.pk}", lambda: campaign_tally(campaign))


def campaigns_with_counts():
    """Every campaign, newest first, with `received` and `organisation_count` (counted ones)."""
    counted = Q(organisation_counts__status__in=Innovation.COUNTED, organisation_counts__n__gt=0)
    return list(
        Campaign.objects.annotate(
            received=Coalesce(Sum("organisation_counts__n", filter=counted), 0),
            organisation_count=Count(
                "organisation_counts__organisation", filter=counted, distinct=True
            ),
        ).order_by("-opens_at")
    )


def as_of_sentence(tally, at):
    """'As of 4pm Thursday 3 July 2014, we've had 53 innovations from 18 housing associations'."""
    when = f"{clock_words(at)} {date_words(at)}"
    if tally.innovations == 0:
        return f"As of {when}, we've had no innovations yet"
    return f"As of {when}, we've had {tally.summary()}"
