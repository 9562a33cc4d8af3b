"""The collated list as a magazine-ready PDF, made by WeasyPrint from an HTML print template.

A cover (the campaign, its dates, the tally sentence, the organiser), a summary (by theme,
by kind of organisation, the pace), then the organisations A to Z with their approved
innovations, in the public list's order (initial, then name, then title). Every page has
the campaign's title as a running header and "Page 3 of 12" at its foot; an organisation
that runs on to a new page has "Bromford (continued)" at the head of that page (CSS
`string-set` read by an `@page` margin box); while the campaign is open every page says
"Provisional". Pictures are read straight from the storage, never over the network.
"""

import mimetypes
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.db.models.functions import Lower, Substr, Upper
from django.template.loader import render_to_string
from django.utils import timezone

from campaign import sitesettings
from campaign.themes import campaign_themes
from organisations.models import Organisation

from . import charts
from .models import Innovation
from .reach import reach_summary, spread_sentence
from .tally import as_of_sentence, campaign_tally

PICTURE_WIDTH = 960  # the stored width used in print (about 300 dpi at 8 cm)


@dataclass
class OrganisationSection:
    organisation: Organisation
    innovations: list = field(default_factory=list)


def report_sections(campaign):
    """Approved innovations grouped by organisation, in the public list's order (two queries)."""
    innovations = list(
        Innovation.objects.public()
        .for_campaign(campaign)
        .annotate(initial=Upper(Substr("organisation__name", 1, 1)))
        .select_related("organisation")
        .order_by("initial", Lower("organisation__name"), "organisation_id", Lower("title"), "pk")
    )
    themes = {theme.pk: theme for theme in campaign_themes(campaign)}
    sections = []
    for innovation in innovations:
        innovation.theme = themes.get(innovation.theme_id)
        if not sections or sections[-1].organisation.pk != innovation.organisation_id:
            sections.append(OrganisationSection(innovation.organisation))
        sections[-1].innovations.append(innovation)
    return sections


def summary(campaign, sections):
    """Numbers by theme and by kind of organisation, among the approved innovations."""
    by_theme = Counter(i.theme.name for s in sections for i in s.innovations if i.theme)
    kinds = dict(Organisation.Kind.choices)
    by_kind = Counter(kinds.get(s.organisation.kind, s.organisation.kind) for s in sections)
    innovations_by_kind = Counter()
    for section in sections:
        innovations_by_kind[kinds.get(section.organisation.kind)] += len(section.innovations)
    return {
        "themes": [
            (theme.name, by_theme.get(theme.name, 0))
            for theme in campaign_themes(campaign)
            if by_theme.get(theme.name) or not theme.hidden
        ],
        "kinds": [
            (kind, count, innovations_by_kind[kind]) for kind, count in by_kind.most_common()
        ],
    }


def report_context(campaign, *, at=None, edition=None, changes=""):
    at = at or timezone.now()
    sections = report_sections(campaign)
    tally = campaign_tally(campaign)
    counts = charts.hourly_counts(campaign)
    approved = sum(len(s.innovations) for s in sections)
    return {
        "campaign": campaign,
        "site": sitesettings.current(),
        "sections": sections,
        "approved": approved,
        "organisation_count": len(sections),
        "tally_sentence": as_of_sentence(tally, min(at, campaign.closes_at)),
        "pace": charts.pace(campaign, counts, at).describe(campaign),
        "reach_sentence": reach_summary(campaign)["reach_sentence"],
        "spread_sentence": spread_sentence(campaign),
        "summary": summary(campaign, sections),
        "provisional": campaign.is_open(at),
        "generated_at": at,
        "edition": edition,
        "changes": changes,
        "picture_width": PICTURE_WIDTH,
    }


class StorageFetcher:
    """WeasyPrint's URL fetcher for the report: `media:` from the storage, `static:` from
    the static files; nothing from the network."""

    def __new__(cls):
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class _Fetcher(URLFetcher):
            def fetch(self, url, headers=None):
                if url.startswith("media:"):
                    name = url.removeprefix("media:")
                    with default_storage.open(name) as stored:
                        body = stored.read()
                elif url.startswith("static:"):
                    path = finders.find(url.removeprefix("static:"))
                    if path is None:
                        raise ValueError(f"no static file {url}")
                    with open(path, "rb") as stored:
                        body = stored.read()
                else:
                    raise ValueError(f"the report fetches nothing from {url}")
                mime = mimetypes.guess_type(url.split(":", 1)[1])[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})

        return _Fetcher(allowed_protocols={"media", "static"})


def render_pdf(campaign, *, at=None, edition=None, changes=""):
    """The PDF's bytes."""
    from weasyprint import HTML

    html = render_to_string(
        "campaign/report_print.html",
        report_context(campaign, at=at, edition=edition, changes=changes),
    )
    return HTML(string=html, base_url="static:", url_fetcher=StorageFetcher()).write_pdf()


def report_contents(campaign):
    """What the report lists now: {innovation id (str): [title, organisation name]}."""
    rows = (
        Innovation.objects.public()
        .for_campaign(campaign)
        .values_list("pk", "title", "organisation__name")
    )
    return {str(pk): [title, organisation] for pk, title, organisation in rows}


def changes_since(before, now):
    """Plain lines saying what changed between two editions' contents."""
    added = [now[key] for key in now if key not in before]
    removed = [before[key] for key in before if key not in now]
    retitled = [
        (before[key][0], now[key][0])
        for key in now
        if key in before and before[key][0] != now[key][0]
    ]
    lines = [f"Added: {title} ({organisation})" for title, organisation in added]
    lines += [f"Taken off: {title} ({organisation})" for title, organisation in removed]
    lines += [f"Retitled: {old} is now {new}" for old, new in retitled]
    return "\n".join(lines) or "Nothing changed since the edition before."
