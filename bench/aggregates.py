"""The campaign's aggregates three ways, timed in SQL: why the counts are kept beside the
innovations (innovations/counts.py) rather than counted from them.

1. before: what the tally and the pace chart did before, an aggregate over every counted
   innovation of the campaign with the indexes the site has (the tally reads the table;
   the hours already read the index on (campaign, status, created_at) alone).
2. covering index: the tally grouped by organisation over a covering index on
   (campaign, organisation, status), so PostgreSQL reads the index alone (`Index Only
   Scan`, no heap fetches after VACUUM); the hours as before. The index is made for the
   measurement and dropped.
3. kept counts: what the site does now, the same answers from OrganisationCount and
   HourCount.

Each is the median of a few runs in one connection, warm, on the bench's own database.
"""

import statistics
import time

from django.db import connection

REPEATS = 5
SCAN_TALLY = """
SELECT count(i.id), count(DISTINCT i.organisation_id),
       count(DISTINCT i.organisation_id) FILTER (WHERE o.kind <> 'housing_association')
FROM innovations_innovation i JOIN organisations_organisation o ON o.id = i.organisation_id
WHERE i.campaign_id = %s AND i.status IN ('pending', 'approved')"""
INDEX_TALLY = """
SELECT sum(g.n), count(*), count(*) FILTER (WHERE o.kind <> 'housing_association')
FROM (SELECT organisation_id, count(*) AS n FROM innovations_innovation
      WHERE campaign_id = %s AND status IN ('pending', 'approved') GROUP BY organisation_id) g
JOIN organisations_organisation o ON o.id = g.organisation_id"""
HOURS = """
SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AS hour, count(*)
FROM innovations_innovation WHERE campaign_id = %s AND status IN ('pending', 'approved')
GROUP BY 1 ORDER BY 1"""
COUNTS_TALLY = """
SELECT sum(c.n), count(DISTINCT c.organisation_id),
       count(DISTINCT c.organisation_id) FILTER (WHERE o.kind <> 'housing_association')
FROM innovations_organisationcount c JOIN organisations_organisation o ON o.id = c.organisation_id
WHERE c.campaign_id = %s AND c.status IN ('pending', 'approved') AND c.n > 0"""
COUNTS_HOURS = """
SELECT hour, sum(n) FROM innovations_hourcount
WHERE campaign_id = %s AND status IN ('pending', 'approved') AND n > 0 GROUP BY hour ORDER BY hour"""
COVERING = "bench_innovation_campaign_org_status"


def _timed(cursor, sql, campaign_id):
    times, plan = [], ""
    for _ in range(REPEATS):
        started = time.perf_counter()
        cursor.execute(sql, [campaign_id])
        cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    cursor.execute("EXPLAIN " + sql, [campaign_id])  # noqa: S608 (constant SQL)
    plan = " ".join(row[0] for row in cursor.fetchall())
    return {"ms": statistics.median(times), "index_only": "Index Only Scan" in plan}


def measure(campaign_id):
    """{approach: {"tally": {...}, "hours": {...}}} for the campaign (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        before = {
            "tally": _timed(cursor, SCAN_TALLY, campaign_id),
            "hours": _timed(cursor, HOURS, campaign_id),
        }
        cursor.execute(
            "RESET enable_indexonlyscan; RESET enable_indexscan; RESET enable_bitmapscan"
        )
        cursor.execute(
            f"CREATE INDEX {COVERING} ON innovations_innovation (campaign_id, organisation_id, status)"
        )
        try:
            cursor.execute("VACUUM ANALYZE innovations_innovation")
            index_only = {
                "tally": _timed(cursor, INDEX_TALLY, campaign_id),
                "hours": _timed(cursor, HOURS, campaign_id),
            }
        finally:
            cursor.execute(f"DROP INDEX {COVERING}")
        counts = {
            "tally": _timed(cursor, COUNTS_TALLY, campaign_id),
            "hours": _timed(cursor, COUNTS_HOURS, campaign_id),
        }
    return {"before": before, "covering index": index_only, "kept counts": counts}
