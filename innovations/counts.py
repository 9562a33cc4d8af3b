"""Counts kept beside the innovations, so public pages never count 100,000 rows.

Two small tables (innovations/models.py): `OrganisationCount`, innovations per
(campaign, organisation, status), read by the tally, the list of campaigns and the
collated list; and `HourCount`, innovations per (campaign, UTC hour, status), read
by the pace chart. Building the campaign home after a change at 100,000 innovations
went from ~170 ms to a few (docs/performance.md).

They stay exact because every service that writes innovations calls `counts_apply`
inside its own transaction, with what it added and removed (a moderation removes
the old status and adds the new one). Each change is one `INSERT … ON CONFLICT DO
UPDATE SET n = n + excluded.n` per count that goes up (an UPDATE per count that goes
down): the database adds under a row lock, so concurrent submissions never lose a
count, and keys are written in sorted order so two writers cannot deadlock. `bulk_create` and `QuerySet.update()` skip every
service: a loader that uses them (dev/) calls `counts_rebuild` afterwards.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncHour

from .models import HourCount, Innovation, OrganisationCount


class Counted(NamedTuple):
    """What the counts know of one innovation."""

    campaign_id: int
    organisation_id: int
    status: str
    created_at: datetime


def counted(innovation) -> Counted:
    return Counted(
        innovation.campaign_id, innovation.organisation_id, innovation.status, innovation.created_at
    )


def counted_rows(innovations) -> list[Counted]:
    """`Counted` for every innovation in a queryset, in one query (before it changes)."""
    return [
        Counted(*row)
        for row in innovations.order_by().values_list(
            "campaign_id", "organisation_id", "status", "created_at"
        )
    ]


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def counts_apply(*, added: Iterable = (), removed: Iterable = ()) -> None:
    """Add `added` innovations to the counts and take `removed` away (`Counted` or models)."""
    by_organisation, by_hour = Counter(), Counter()
    for sign, rows in ((1, added), (-1, removed)):
        for row in rows:
            row = row if isinstance(row, Counted) else counted(row)
            by_organisation[(row.campaign_id, row.organisation_id, row.status)] += sign
            by_hour[(row.campaign_id, hour_of(row.created_at), row.status)] += sign
    _add(OrganisationCount, ("campaign_id", "organisation_id", "status"), by_organisation)
    adapt = connection.ops.adapt_datetimefield_value
    _add(
        HourCount,
        ("campaign_id", "hour", "status"),
        {(c, adapt(h), s): n for (c, h, s), n in by_hour.items()},
    )


def _add(model, key_columns, deltas):
    """Add each key's delta to its row, one statement per key, in sorted key order."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(key_columns)
    # A count that goes up may be the first: insert it, or add to the row already there.
    # One that goes down has its row (made when it went up): a plain UPDATE, since the
    # row proposed by an INSERT with a negative n would break n >= 0 before the conflict.
    upsert = (
        f"INSERT INTO {table} ({columns}, n) VALUES ({', '.join(['%s'] * len(key_columns))}, %s) "  # noqa: S608 (names from _meta)
        f"ON CONFLICT ({columns}) DO UPDATE SET n = {table}.n + excluded.n"
    )
    where = " AND ".join(f"{column} = %s" for column in key_columns)
    update = f"UPDATE {table} SET n = n + %s WHERE {where}"  # noqa: S608 (names from _meta)
    with connection.cursor() as cursor:
        for key, n in sorted(deltas.items()):
            if n > 0:
                cursor.execute(upsert, [*key, n])
            elif n < 0:
                cursor.execute(update, [n, *key])
                if cursor.rowcount != 1:
                    raise RuntimeError(f"{model.__name__} {key} was never counted")


def counts_rebuild(campaign_ids: Iterable[int]) -> None:
    """Count the campaigns' innovations afresh (after a bulk load that skipped the services).

    Call it inside the transaction that loaded them.
    """
    campaign_ids = sorted(set(campaign_ids))
    OrganisationCount.objects.filter(campaign_id__in=campaign_ids).delete()
    HourCount.objects.filter(campaign_id__in=campaign_ids).delete()
    innovations = Innovation.objects.filter(campaign_id__in=campaign_ids).order_by()
    OrganisationCount.objects.bulk_create(
        OrganisationCount(**row)
        for row in innovations.values("campaign_id", "organisation_id", "status").annotate(
            n=Count("pk")
        )
    )
    HourCount.objects.bulk_create(
        HourCount(**row)
        for row in innovations.annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("campaign_id", "hour", "status")
        .annotate(n=Count("pk"))
    )


def counts_merge_organisations(*, keep_id: int, other_ids: Iterable[int]) -> None:
    """Fold the organisation counts of `other_ids` into `keep_id`'s (an organisation merge)."""
    others = OrganisationCount.objects.filter(organisation_id__in=list(other_ids))
    moved = Counter()
    for campaign_id, status, n in others.values_list("campaign_id", "status", "n"):
        moved[(campaign_id, keep_id, status)] += n
    others.delete()
    _add(OrganisationCount, ("campaign_id", "organisation_id", "status"), moved)
