"""The collated list: approved innovations grouped by organisation, A to Z.

Three queries whatever the size: the initial letters present (with how many
organisations each, which also gives the total for paging), one page of
organisations with their counts, then those organisations' innovations. Pages
hold whole organisations, so a group is never cut in half.
"""

import math
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, F, Q
from django.db.models.functions import Lower, Substr, Upper

from innovations.models import Innovation, Theme
from organisations.models import Organisation

ORGANISATIONS_PER_PAGE = 50
MAX_SEARCH_WORDS = 8
LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


class ListFilterForm(forms.Form):
    """The filter bar: a plain GET form, so every filtered list has a shareable URL."""

    theme = forms.ChoiceField(
        choices=[("", "All themes"), *Theme.choices],
        required=False,
        label="Theme",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    q = forms.CharField(
        max_length=100,
        required=False,
        label="Search",
        widget=forms.SearchInput(attrs={"class": "form-control"}),
    )

    def filters(self):
        """(theme, words) from the valid fields; invalid ones are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        words = (data.get("q") or "").split()[:MAX_SEARCH_WORDS]
        return data.get("theme") or "", words


def innovation_filter(theme, words, prefix=""):
    """A Q for approved innovations matching the theme and every search word."""
    q = Q(**{f"{prefix}status": Innovation.Status.APPROVED})
    if theme:
        q &= Q(**{f"{prefix}theme": theme})
    for word in words:
        q &= Q(**{f"{prefix}title__icontains": word}) | Q(
            **{f"{prefix}description__icontains": word}
        )
    return q


def _initial():
    return Upper(Substr("name", 1, 1))


def anchor_for(letter):
    return (
        f"letter-{letter}" if letter.isascii() and letter.isalnum() else f"letter-u{ord(letter):x}"
    )


@dataclass
class Group:
    organisation: Organisation
    count: int
    innovations: list = field(default_factory=list)
    anchor: str = ""


@dataclass
class CollatedPage:
    groups: list
    index: list  # [{"letter", "anchor", "page" or None}]
    number: int
    num_pages: int
    organisations: int
    innovations: int

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages


def _page_number(raw, num_pages):
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)


def collated_page(campaign, *, theme="", words=(), page=1, per_page=ORGANISATIONS_PER_PAGE):
    match = innovation_filter(theme, words, prefix="innovations__")
    organisations = Organisation.objects.filter(Q(innovations__campaign=campaign) & match).annotate(
        initial=_initial()
    )

    # 1. The letters present, how many organisations and innovations under each.
    letters = list(
        organisations.values("initial")
        .annotate(
            n=Count("pk", distinct=True),
            innovations=Count("innovations"),
        )
        .order_by("initial")
    )
    total_orgs = sum(row["n"] for row in letters)
    total_innovations = sum(row["innovations"] for row in letters)
    num_pages = max(1, math.ceil(total_orgs / per_page))
    number = _page_number(page, num_pages)

    index, seen = [], 0
    for row in letters:
        index.append(
            {
                "letter": row["initial"],
                "anchor": anchor_for(row["initial"]),
                "page": seen // per_page + 1,
            }
        )
        seen += row["n"]
    present = {entry["letter"] for entry in index}
    index += [
        {"letter": letter, "anchor": anchor_for(letter), "page": None}
        for letter in LETTERS
        if letter not in present
    ]
    index.sort(key=lambda entry: (not entry["letter"].isalpha(), entry["letter"]))

    # 2. This page's organisations, A to Z, with their counts.
    offset = (number - 1) * per_page
    page_orgs = list(
        organisations.annotate(count=Count("innovations"))
        .order_by("initial", Lower("name"), "pk")
        .only("pk", "name", "slug", "kind")[offset : offset + per_page]
    )

    # 3. Their innovations, in one query.
    groups = {org.pk: Group(org, org.count) for org in page_orgs}
    if groups:
        rows = (
            Innovation.objects.for_campaign(campaign)
            .filter(innovation_filter(theme, words), organisation_id__in=groups)
            .annotate(summary=Substr("description", 1, 240))
            .only("pk", "title", "theme", "organisation_id", "created_at", "campaign_id")
            .order_by("organisation_id", Lower("title"), "pk")
        )
        for innovation in rows:
            innovation.campaign = campaign  # for get_absolute_url, without a query
            groups[innovation.organisation_id].innovations.append(innovation)

    # The first organisation under each letter carries that letter's anchor.
    first_seen = set()
    for org in page_orgs:
        if org.initial not in first_seen:
            first_seen.add(org.initial)
            groups[org.pk].anchor = anchor_for(org.initial)

    return CollatedPage(
        groups=[groups[org.pk] for org in page_orgs],
        index=index,
        number=number,
        num_pages=num_pages,
        organisations=total_orgs,
        innovations=total_innovations,
    )


def export_rows(campaign, *, theme="", words=()):
    """The collated list for exports, as plain rows, streamed from the database."""
    return (
        Innovation.objects.for_campaign(campaign)
        .filter(innovation_filter(theme, words))
        .order_by(Lower("organisation__name"), "organisation_id", Lower("title"), "pk")
        .values(
            "pk",
            "title",
            "description",
            "theme",
            "link",
            "created_at",
            organisation_name=F("organisation__name"),
            organisation_slug=F("organisation__slug"),
            organisation_kind=F("organisation__kind"),
        )
        .iterator(chunk_size=2000)
    )
