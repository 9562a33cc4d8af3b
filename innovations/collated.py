"""The collated list: approved innovations grouped by organisation, A to Z.

Three queries whatever the size: every matching organisation's initial and count
(one small row per organisation, from the counts kept per organisation when nothing
is filtered, which gives the pages, the A-Z index and the totals), this page's
organisations, then their innovations. Pages hold whole
organisations, so a group is not cut in half, and about the same number of
innovations, so a page weighs the same at 100 innovations or 100,000. Only an
organisation with more innovations than a page holds is spread over several pages
(the synthetic 100,000 has one with 980: on one page, that page was 480 KB).
"""

from dataclasses import dataclass, field

from django import forms
from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Sum, Value, When, Window
from django.db.models.functions import Coalesce, Lower, RowNumber, Substr, Upper

from campaign.themes import campaign_themes
from organisations.matching import search_words
from organisations.models import Organisation

from .models import Innovation, Response

ORGANISATIONS_PER_PAGE = 50
INNOVATIONS_PER_PAGE = 120
MAX_SEARCH_WORDS = 8
LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


class ListFilterForm(forms.Form):
    """The filter bar: a plain GET form, so every filtered list has a shareable URL.

    `?theme=` takes a theme's slug: the themes that existed before themes belonged to
    campaigns kept their old values as slugs, so old links still filter.
    """

    theme = forms.ChoiceField(
        choices=[("", "All themes")],
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

    def __init__(self, data=None, *, campaign):
        super().__init__(data)
        self.themes = {theme.slug: theme for theme in campaign_themes(campaign)}
        self.fields["theme"].choices = [
            ("", "All themes"),
            *((slug, theme.name) for slug, theme in self.themes.items()),
        ]

    def filters(self):
        """(theme id or None, words) from the valid fields; invalid ones are ignored.

        The words are folded as the stored search text is (search_words), so case,
        accents and hyphens do not matter, on SQLite as on PostgreSQL.
        """
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        words = search_words(data.get("q") or "")[:MAX_SEARCH_WORDS]
        theme = self.themes.get(data.get("theme") or "")
        return (theme.pk if theme else None), words


def innovation_filter(theme, words, prefix="", organisation="organisation__"):
    """A Q for approved innovations matching the theme and every search word (folded:
    see ListFilterForm.filters), in their title, description or organisation's name.

    `prefix` leads to the innovation's fields, `organisation` to its organisation's.
    """
    q = Q(**{f"{prefix}status": Innovation.Status.APPROVED})
    if theme:
        q &= Q(**{f"{prefix}theme_id": theme})
    for word in words:
        q &= Q(**{f"{prefix}search_text__contains": word}) | Q(
            **{f"{organisation}search_name__contains": word}
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
    """An organisation's innovations on one page: all of them, or `start` to `stop` of `count`."""

    organisation: Organisation
    count: int
    start: int
    stop: int
    innovations: list = field(default_factory=list)
    anchor: str = ""

    @property
    def continued(self):
        """It began on the page before."""
        return self.start > 0

    @property
    def continues(self):
        """It goes on on the next page."""
        return self.stop < self.count

    @property
    def partial(self):
        return self.continued or self.continues

    @property
    def shown(self):
        """Which of its innovations this page shows, counted from 1: '121 to 240', 'number 3'."""
        if self.stop - self.start == 1:
            return f"number {self.stop}"
        return f"{self.start + 1} to {self.stop}"


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


def paginate(counts, *, per_page, innovations_per_page):
    """Split organisations (their innovation counts, in list order) into pages.

    A page holds at most `per_page` organisations and `innovations_per_page`
    innovations, and whole organisations: the next one that would not fit starts a
    new page. An organisation with more innovations than a page holds has full pages
    of its own, and what is left of it starts the next page, filled as usual.
    Returns a list of pages, each a list of (position in `counts`, start, stop):
    that organisation's innovations start to stop (0-based, stop excluded).
    """
    pages, current, size = [], [], 0
    for position, count in enumerate(counts):
        start = 0
        while count - start > innovations_per_page:
            if current:
                pages.append(current)
                current, size = [], 0
            pages.append([(position, start, start + innovations_per_page)])
            start += innovations_per_page
        rest = count - start
        if current and (len(current) >= per_page or size + rest > innovations_per_page):
            pages.append(current)
            current, size = [], 0
        current.append((position, start, count))
        size += rest
    pages.append(current)
    return pages


def _within_slices(groups):
    """A filter keeping only each partial group's own innovations (by their place in it).

    Numbering is by the list's order within the organisation; whole groups keep all.
    """
    partial = [group for group in groups if group.partial]
    if not partial:
        return None, None
    after = Case(
        *(When(organisation_id=g.organisation.pk, then=Value(g.start)) for g in partial),
        default=Value(0),
    )
    up_to = Case(
        *(When(organisation_id=g.organisation.pk, then=Value(g.stop)) for g in partial),
        default=Value(max(g.count for g in groups)),
    )
    return after, up_to


def collated_page(
    campaign,
    *,
    theme="",
    words=(),
    page=1,
    per_page=ORGANISATIONS_PER_PAGE,
    innovations_per_page=INNOVATIONS_PER_PAGE,
):
    # 1. Every matching organisation's initial and count, A to Z: small rows (one per
    # organisation, ~1,500 for the whole sector), from which pages and the index follow.
    # Unfiltered, the counts kept per organisation (innovations/counts.py) give them;
    # a filter has to look at the innovations themselves.
    if theme or words:
        match = innovation_filter(theme, words, prefix="innovations__", organisation="")
        organisations = Organisation.objects.filter(
            Q(innovations__campaign=campaign) & match
        ).annotate(count=Count("innovations"))
    else:
        organisations = Organisation.objects.filter(
            innovation_counts__campaign=campaign,
            innovation_counts__status=Innovation.Status.APPROVED,
            innovation_counts__n__gt=0,
        ).annotate(count=Sum("innovation_counts__n"))
    rows = list(
        organisations.annotate(initial=_initial())
        .order_by("initial", Lower("name"), "pk")
        .values_list("pk", "initial", "count")
    )
    pages = paginate(
        [count for _pk, _initial, count in rows],
        per_page=per_page,
        innovations_per_page=innovations_per_page,
    )
    number = _page_number(page, len(pages))

    page_of, first_of_letter = {}, {}
    for page_number, slices in enumerate(pages, start=1):
        for position, start, _stop in slices:
            if start == 0:  # where the organisation begins
                page_of[position] = page_number
    for position, (pk, initial, _count) in enumerate(rows):
        first_of_letter.setdefault(initial, (position, pk))
    index = [
        {"letter": letter, "anchor": anchor_for(letter), "page": page_of[position]}
        for letter, (position, _pk) in first_of_letter.items()
    ]
    index += [
        {"letter": letter, "anchor": anchor_for(letter), "page": None}
        for letter in LETTERS
        if letter not in first_of_letter
    ]
    index.sort(key=lambda entry: (not entry["letter"].isalpha(), entry["letter"]))

    # 2. This page's organisations.
    on_page = [(*rows[position], start, stop) for position, start, stop in pages[number - 1]]
    details = Organisation.objects.only("pk", "name", "slug", "kind").in_bulk(
        [pk for pk, *_rest in on_page]
    )
    groups = {
        pk: Group(details[pk], count, start, stop) for pk, _initial, count, start, stop in on_page
    }
    anchors = {pk for _letter, (_position, pk) in first_of_letter.items()}
    for pk, initial, _count, start, _stop in on_page:
        if pk in anchors and start == 0:
            groups[pk].anchor = anchor_for(initial)

    # 3. Their innovations, in one query.
    if groups:
        order = [Lower("title").asc(), F("pk").asc()]
        innovations = (
            Innovation.objects.for_campaign(campaign)
            .filter(innovation_filter(theme, words), organisation_id__in=groups)
            .annotate(summary=Substr("description", 1, 240))
            .only(
                "pk",
                "title",
                "theme_id",
                "organisation_id",
                "created_at",
                "campaign_id",
                "image_key",
                "image_widths",
                "image_height",
                "image_alt",
            )
            .order_by("organisation_id", *order)
        )
        after, up_to = _within_slices(groups.values())
        if after is not None:
            place = Window(RowNumber(), partition_by=F("organisation_id"), order_by=order)
            innovations = innovations.annotate(place=place).filter(
                place__gt=after, place__lte=up_to
            )
        themes = {theme.pk: theme for theme in campaign_themes(campaign)}
        for innovation in innovations:
            innovation.campaign = campaign  # for get_absolute_url, without a query
            innovation.theme = themes.get(innovation.theme_id)  # from the cached list
            groups[innovation.organisation_id].innovations.append(innovation)

    return CollatedPage(
        groups=[groups[pk] for pk, *_rest in on_page],
        index=index,
        number=number,
        num_pages=len(pages),
        organisations=len(rows),
        innovations=sum(count for _pk, _initial, count in rows),
    )


def _responding(kind):
    """How many other organisations confirmed `kind` for the row's innovation (a subquery)."""
    counted = (
        Response.objects.confirmed()
        .filter(innovation=OuterRef("pk"), kind=kind)
        .order_by()
        .values("innovation")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


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
            "link",
            "created_at",
            "image_key",
            "image_widths",
            "image_alt",
            theme_name=F("theme__name"),
            theme_slug=F("theme__slug"),
            organisation_name=F("organisation__name"),
            organisation_slug=F("organisation__slug"),
            organisation_kind=F("organisation__kind"),
            also_done_at=_responding(Response.Kind.DOES_TOO),
            want_to_try=_responding(Response.Kind.WANTS_TO_TRY),
        )
        .iterator(chunk_size=2000)
    )
