"""The collated list as CSV (for spreadsheets) and JSON (for programs), streamed.

Both stream rows straight from a database iterator: a campaign of 100,000
innovations never sits in memory as one string. The first row is read before the
response starts (`_started`), so a database that fails is the 503 page, not a 200
that breaks off halfway. Neither includes the
submitter's name, email, role or Twitter handle: those are personal data,
kept for the organiser (in admin), never published.
"""

import csv
import itertools
import json

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from core.links import absolute_url

from .collated import export_rows
from .models import Theme

CSV_HEADER = [
    "Organisation",
    "Title",
    "Description",
    "Theme",
    "Link",
    "Submitted",
    "Also done at (organisations)",
    "Want to try it (organisations)",
]
# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
THEMES = dict(Theme.choices)


def safe_cell(value):
    """Text a spreadsheet shows as text: a leading formula character gets a quote mark."""
    value = str(value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    """A file-like object whose write() hands the line back to csv.writer's caller."""

    def write(self, value):
        return value


def _local(value):
    return timezone.localtime(value)


def csv_lines(campaign, rows):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # the byte order mark: Excel then reads the file as UTF-8
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow(
            [
                safe_cell(row["organisation_name"]),
                safe_cell(row["title"]),
                safe_cell(row["description"]),
                THEMES.get(row["theme"], row["theme"]),
                safe_cell(row["link"]),
                f"{_local(row['created_at']):%Y-%m-%d %H:%M}",
                row["also_done_at"],
                row["want_to_try"],
            ]
        )


def _started(rows):
    """The rows, with the query already run: a database error is raised here, in the view,
    while a status can still be chosen, rather than after the 200 has been sent."""
    rows = iter(rows)
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def export_csv(request, campaign, theme="", words=()):
    response = StreamingHttpResponse(
        csv_lines(campaign, _started(export_rows(campaign, theme=theme, words=words))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-innovations.csv"'
    return response


def json_chunks(campaign, rows):
    head = {
        "campaign": {
            "title": campaign.title,
            "slug": campaign.slug,
            "url": absolute_url(campaign.get_absolute_url()),
            "target": campaign.target,
            "opens_at": _local(campaign.opens_at).isoformat(),
            "closes_at": _local(campaign.closes_at).isoformat(),
        },
        "generated_at": _local(timezone.now()).isoformat(timespec="seconds"),
    }
    # The head, then "innovations": [ ... ] one item at a time.
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "innovations": ['
    separator = ""
    for row in rows:
        item = {
            "id": row["pk"],
            "url": absolute_url(
                reverse("campaign:innovation", kwargs={"slug": campaign.slug, "pk": row["pk"]})
            ),
            "organisation": {
                "name": row["organisation_name"],
                "slug": row["organisation_slug"],
                "kind": row["organisation_kind"],
            },
            "title": row["title"],
            "description": row["description"],
            "theme": row["theme"],
            "theme_label": THEMES.get(row["theme"], row["theme"]),
            "link": row["link"] or None,
            "submitted_at": _local(row["created_at"]).isoformat(timespec="seconds"),
            # Other organisations that confirmed "We do this too" / "We'd like to try this".
            "also_done_at": row["also_done_at"],
            "want_to_try": row["want_to_try"],
        }
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ", "
    yield "]}\n"


def export_json(request, campaign, theme="", words=()):
    response = StreamingHttpResponse(
        json_chunks(campaign, _started(export_rows(campaign, theme=theme, words=words))),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{campaign.slug}-innovations.json"'
    return response
