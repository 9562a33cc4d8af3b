"""The tally: "53 innovations from 18 housing associations", and the sentence people quote.

The tally counts every innovation received that was not rejected (pending and
approved), as the organiser's own updates did, so it moves the moment someone
submits. The organisation noun is "housing associations" only when every
counted organisation is one; with a company or a charity among them (the 2014
campaign had Switchee) it says "organisations", so the sentence is never wrong.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce

from campaign.models import Campaign
from core.caching import cached
from core.timewords import clock_words, date_words
from organisations.models import Organisation

from .models import Innovation, OrganisationCount


@dataclass(frozen=True)
class Tally:
    innovations: int
    organisations: int
    all_housing_associations: bool
    # Approved: what the public list shows, so the home can say why the two differ.
    published: int = 0

    @property
    def organisation_noun(self):
        """'housing association(s)' when every counted organisation is one, else 'organisation(s)'."""
        noun = (
            "housing association"
            if self.organisations and self.all_housing_associations
            else "organisation"
        )
        return noun if self.organisations == 1 else f"{noun}s"

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
                filter=~Q(organisation__kind=Organisation.Kind.HOUSING_ASSOCIATION),
            ),
        )
        .values_list("part", "label", "a", "b", "c", "d")
    )


def tally_from(row) -> "Tally":
    """A Tally from a row of `tally_rows` (None: nothing counted yet)."""
    _part, _label, innovations, published, organisations, others = row or ("", "", 0, 0, 0, 0)
    return Tally(
        innovations=innovations or 0,
        organisations=organisations or 0,
        all_housing_associations=not others,
        published=published or 0,
    )


def campaign_tally(campaign):
    """The campaign's tally, from its organisation counts (innovations/counts.py): one
    query over a row per organisation and status, however many innovations there are."""
    return tally_from(next(iter(tally_rows(campaign)), None))


def cached_tally(campaign):
    """`campaign_tally`, cached until the next `mark_changed`."""
    return cached(f"tally:{campaign.pk}", lambda: campaign_tally(campaign))


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
