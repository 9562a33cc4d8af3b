"""Run inside the bench's Django settings (a subprocess): ids to measure, and SQL counts.

`python -m bench.probe SLUG` prints JSON: an approved innovation's id, the
busiest organisation's slug, some organisation names for the submission driver,
and for every public page its status and SQL queries on an empty cache, after a new
submission (`mark_changed(new_submission=True)`), after any other change (a
moderation, an edit: `mark_changed()`) and on a repeat (a cache hit), and what
building it after a new submission costs: milliseconds (median of a few) and bytes.
"""

import json
import os
import statistics
import sys
import time

import django

from bench import aggregates
from bench.pages import public
from bench.stack import HOST

REBUILD_REPEATS = 5


def main(slug):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from campaign.models import Campaign
    from core.caching import mark_changed
    from innovations import collated
    from innovations.models import Innovation

    campaign = Campaign.objects.get(slug=slug)
    approved = Innovation.objects.for_campaign(campaign).public()
    innovation = approved.order_by("-created_at", "-pk").first()
    busiest = (
        approved.values("organisation__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "organisation__slug")
        .first()
    )
    names = list(
        Innovation.objects.for_campaign(campaign)
        .values_list("organisation__name", flat=True)
        .distinct()
        .order_by("organisation__name")[:40]
    )
    client = Client()

    def get(path):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, HTTP_HOST=HOST)
            if response.streaming:
                b"".join(response.streaming_content)
        return response.status_code, len(queries)

    def busiest_list_page():
        """The list page where the busiest organisation begins: the heaviest one to build."""
        number = 1
        while True:
            page = collated.collated_page(campaign, page=number)
            slugs = {group.organisation.slug for group in page.groups}
            if busiest["organisation__slug"] in slugs or number >= page.num_pages:
                return number
            number += 1

    def rebuilt(path, repeats=REBUILD_REPEATS):
        """(median milliseconds, bytes) of the page built again after a change."""
        times = []
        for _ in range(repeats):
            mark_changed(campaign.pk, new_submission=True)
            started = time.perf_counter()
            response = client.get(path, HTTP_HOST=HOST)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), len(body)

    paths = public(slug, innovation.pk, busiest["organisation__slug"], busiest_list_page())
    for _label, path in paths:  # warm up: connection, templates, URL resolver
        get(path)
    queries = {}
    for label, path in paths:
        cache.delete_pattern("*")  # this bench's keys only (its KEY_PREFIX), not FLUSHDB
        status, cold = get(path)
        mark_changed(campaign.pk, new_submission=True)
        _, changed = get(path)
        mark_changed(campaign.pk)
        _, other = get(path)
        _, hit = get(path)
        rebuild_ms, size = rebuilt(path)
        queries[label] = {
            "status": status,
            "cold": cold,
            "changed": changed,
            "other": other,
            "hit": hit,
            "rebuild_ms": rebuild_ms,
            "bytes": size,
        }
    print(
        json.dumps(
            {
                "innovation_id": innovation.pk,
                "organisation_slug": busiest["organisation__slug"],
                "organisation_names": names,
                "queries": queries,
                "aggregates": aggregates.measure(campaign.pk),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
