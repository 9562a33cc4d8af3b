"""The exports stream: a campaign of 100,000 innovations is never one string in memory.

Measured on thousands of synthetic innovations (`manage.py load_synthetic`): the rows
come from one database query, read in chunks; the first row is sent before the rest is
read; and the memory a whole export needs stops growing with the campaign's size.
"""

import csv
import io
import json
import tracemalloc

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign.models import Campaign
from innovations.collated import export_rows
from innovations.models import Innovation

pytestmark = pytest.mark.django_db


def load(slug, innovations):
    call_command(
        "load_synthetic",
        "--innovations",
        str(innovations),
        "--organisations",
        str(innovations // 40),
        "--campaign",
        slug,
        stdout=io.StringIO(),
    )
    campaign = Campaign.objects.get(slug=slug)
    return campaign, Innovation.objects.for_campaign(campaign).public().count()


def export(client, campaign, name):
    return client.get(reverse(f"campaign:{name}", kwargs={"slug": campaign.slug}))


def streamed_peak(client, campaign, name):
    """(peak bytes of Python memory from request to the export's last byte, bytes sent)."""
    sent = 0
    tracemalloc.start()
    try:
        response = export(client, campaign, name)
        for chunk in response.streaming_content:
            sent += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sent


@pytest.fixture
def big():
    return load("big-export", 5000)


def test_csv_export_streams_its_first_row_before_reading_the_rest(client, big):
    campaign, approved = big
    assert approved > 4000
    with CaptureQueriesContext(connection) as queries:
        response = export(client, campaign, "export_csv")
        assert isinstance(response, StreamingHttpResponse)
        chunks = iter(response.streaming_content)
        head = [next(chunks) for _ in range(3)]  # byte order mark, header, first row
        at_first_row = len(queries.captured_queries)
        rest = b"".join(chunks)
    assert head[0].decode() == "\ufeff"
    assert head[1].decode().startswith("Organisation,Title,Description")
    # One query for the campaign, one for its questions (the columns after the fixed
    # ones), one for the rows, read in chunks: nothing more, however many rows follow
    # (no page-by-page queries, no query per row).
    assert at_first_row <= 3
    assert len(queries.captured_queries) == at_first_row
    rows = list(csv.reader(io.StringIO(b"".join(head[1:]).decode() + rest.decode())))
    assert len(rows) == approved + 1  # the header, then every approved innovation
    assert len(rest) > 100 * len(head[2])


def test_json_export_has_every_approved_innovation(client, big):
    campaign, approved = big
    response = export(client, campaign, "export_json")
    assert isinstance(response, StreamingHttpResponse)
    data = json.loads(b"".join(response.streaming_content))
    assert len(data["innovations"]) == approved


def test_export_memory_is_a_chunk_of_rows_not_the_whole_campaign(client):
    campaign, approved = load("huge-export", 12000)
    streamed_peak_bytes, sent = streamed_peak(client, campaign, "export_csv")
    # What holding every row at once takes (before any CSV is even written).
    tracemalloc.start()
    try:
        rows = list(export_rows(campaign))
        _current, all_rows_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == approved
    print(
        f"\nexport_csv of {approved} rows ({sent / 1e6:.1f} MB): peak of Python memory "
        f"{streamed_peak_bytes / 1e6:.1f} MB from request to last byte; holding every row "
        f"at once takes {all_rows_peak / 1e6:.1f} MB"
    )
    # Streamed, the rows are read in chunks (2,000 at a time, 2 chunks at once at most):
    # well under what holding the whole campaign takes, and it stays so as campaigns grow.
    assert streamed_peak_bytes < 0.5 * all_rows_peak


@pytest.mark.parametrize("name", ["export_csv", "export_json"])
def test_export_answers_503_when_the_database_fails_before_any_byte_is_sent(client, name):
    campaign, _approved = load("outage-export", 50)
    # The campaign lookup is cached; now the rows fail. Read the first export to its end,
    # as a server does (the test client then closes it): left unread, its server-side
    # cursor is closed whenever the garbage collector gets to it, which on PostgreSQL may
    # be in the middle of the next query on the same connection, and psycopg waits for
    # itself.
    first = export(client, campaign, name)
    b"".join(first.streaming_content)

    def outage(execute, sql, params, many, context):
        if "innovations_innovation" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client.raise_request_exception = False  # answered by the site's error handler
    with connection.execute_wrapper(outage):
        response = export(client, campaign, name)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"try again" in response.content.lower()
