"""Run inside the bench's Django settings (a subprocess): ids to measure, and SQL counts.

`python -m bench.probe SLUG` prints JSON: an approved innovation's id, the
busiest organisation's slug, some organisation names for the submission driver,
and for every public page its status and SQL queries on a cold cache, after
`mark_changed` (what a new submission does) and on a repeat (a cache hit).
"""

import json
import os
import sys

import django

from bench.pages import public
from bench.stack import HOST


def main(slug):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from campaign.freshness import mark_changed
    from campaign.models import Campaign
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

    paths = public(slug, innovation.pk, busiest["organisation__slug"])
    for _label, path in paths:  # warm up: connection, templates, URL resolver
        get(path)
    queries = {}
    for label, path in paths:
        cache.clear()
        status, cold = get(path)
        mark_changed(campaign.pk)
        _, changed = get(path)
        _, hit = get(path)
        queries[label] = {"status": status, "cold": cold, "changed": changed, "hit": hit}
    print(
        json.dumps(
            {
                "innovation_id": innovation.pk,
                "organisation_slug": busiest["organisation__slug"],
                "organisation_names": names,
                "queries": queries,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
