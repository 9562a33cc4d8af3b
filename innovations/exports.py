"""The collated list as CSV (for spreadsheets) and JSON (for programs), streamed.

Both stream rows straight from a database iterator: a campaign of 100,000
innovations never sits in memory as one string. The first row is read before the
response starts (`_started`), so a database that fails is the 503 page, not a 200
that breaks off halfway. Neither includes the
submitter's name, email, role or Twitter handle: those are personal data,
kept for the organiser (in admin), never published.

The answers to the campaign's own questions follow the fixed columns, one column
per question, read a chunk of rows at a time. The public exports carry only the
questions shown publicly; the organisers' exports (from admin) carry them all.
"""

import csv
import itertools
import json
from itertools import islice

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from campaign.themes import campaign_questions
from core.links import absolute_url

from .collated import export_rows
from .models import Answer

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
CHUNK = 2000


def export_questions(campaign, *, include_private=False):
    """The questions whose answers an export carries (the list is cached per campaign)."""
    return [q for q in campaign_questions(campaign) if include_private or q.public]


def with_answers(rows, questions):
    """Each row with `answers` {question id: text}: one query per chunk of rows."""
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        answers = {}
        if questions:
            for innovation_id, question_id, text in Answer.objects.filter(
                innovation_id__in=[row["pk"] for row in chunk], question__in=questions
            ).values_list("innovation_id", "question_id", "text"):
                answers.setdefault(innovation_id, {})[question_id] = text
        for row in chunk:
            row["answers"] = answers.get(row["pk"], {})
            yield row


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


def csv_lines(campaign, rows, questions=()):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # the byte order mark: Excel then reads the file as UTF-8
    # Then one column per question the campaign asks (public ones only in public exports).
    yield writer.writerow([*CSV_HEADER, *(safe_cell(q.text) for q in questions)])
    for row in with_answers(rows, questions):
        yield writer.writerow(
            [
                safe_cell(row["organisation_name"]),
                safe_cell(row["title"]),
                safe_cell(row["description"]),
                safe_cell(row["theme_name"]),
                safe_cell(row["link"]),
                f"{_local(row['created_at']):%Y-%m-%d %H:%M}",
                row["also_done_at"],
                row["want_to_try"],
                *(safe_cell(row["answers"].get(q.pk, "")) for q in questions),
            ]
        )


def _started(rows):
    """The rows, with the query already run: a database error is raised here, in the view,
    while a status can still be chosen, rather than after the 200 has been sent."""
    rows = iter(rows)
    first = next(rows, None)
    return rows if first is None else itertools.chain([first], rows)


def export_csv(request, campaign, theme=None, words=(), include_private=False):
    questions = export_questions(campaign, include_private=include_private)
    response = StreamingHttpResponse(
        csv_lines(campaign, _started(export_rows(campaign, theme=theme, words=words)), questions),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-innovations.csv"'
    return response


def json_chunks(campaign, rows, questions=()):
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
    for row in with_answers(rows, questions):
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
            "theme": row["theme_slug"],
            "theme_label": row["theme_name"],
            "link": row["link"] or None,
            "submitted_at": _local(row["created_at"]).isoformat(timespec="seconds"),
            "answers": [
                {"question": q.text, "answer": row["answers"][q.pk]}
                for q in questions
                if row["answers"].get(q.pk)
            ],
            # Other organisations that confirmed "We do this too" / "We'd like to try this".
            "also_done_at": row["also_done_at"],
            "want_to_try": row["want_to_try"],
        }
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ", "
    yield "]}\n"


def export_json(request, campaign, theme=None, words=(), include_private=False):
    questions = export_questions(campaign, include_private=include_private)
    response = StreamingHttpResponse(
        json_chunks(campaign, _started(export_rows(campaign, theme=theme, words=words)), questions),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{campaign.slug}-innovations.json"'
    return response
