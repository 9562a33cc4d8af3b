"""Fault test: three gunicorn workers on Redis keep public pages in memory, yet every
worker shows a change made by another process within moments, and none serves a stale
page after losing its subscription.

Runs a real gunicorn (production settings) on this test's own PostgreSQL database and
the machine's Redis under this run's own key prefix and channel. Changes are made by a
separate `manage.py shell` process, as a moderator's request on another server would.
"""

import html
import os
import secrets
import subprocess
import sys
import time

import pytest
import redis

from tests.gunicorn_server import BASE_DIR, fault_database, gunicorn_server  # noqa: F401

REDIS_URL = "redis://127.0.0.1:6379/12"
PREFIX = f"fault-{secrets.token_hex(6)}"
GUNICORN_ENV = {"REDIS_URL": REDIS_URL, "CACHE_KEY_PREFIX": PREFIX, "WEB_CONCURRENCY": "3"}

SLUG = "housing-innovation-now"  # the demo's open campaign, with pending innovations
LIST = f"/campaigns/{SLUG}/innovations/"

APPROVE_ONE = f"""
from innovations.models import Innovation
from innovations.moderation import innovation_moderate
pending = Innovation.objects.filter(campaign__slug="{SLUG}", status="pending").order_by("pk")[0]
assert innovation_moderate(
    innovations=Innovation.objects.filter(pk=pending.pk), status="approved", user=None
) == 1
print(pending.title)
"""


@pytest.fixture(scope="module")
def server(gunicorn_server, fault_database):  # noqa: F811
    yield gunicorn_server
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{PREFIX}:*"))
    if keys:
        client.delete(*keys)


def approve_one_from_another_process(fault_database):  # noqa: F811
    env = {
        **os.environ,
        "DATABASE_URL": fault_database.url,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": PREFIX,
        "DJANGO_ENV": "development",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", APPROVE_ONE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def listed(server):
    status, body, _headers, _seconds = server.get(LIST)
    assert status == 200
    return body.decode()


def reads(client):
    stats = client.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget"))


def every_worker_lists(server, title, within=2.0, asks=30):
    """`asks` answers in a row (spread over the workers) list `title`, within `within` s."""
    escaped = html.escape(title)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(escaped in listed(server) for _ in range(asks)):
            return
    raise AssertionError(f"{title!r} not listed by every worker within {within}s")


def reads_in_steady_state(server, client, asks=30, within=20.0):
    """Redis reads made by `asks` requests for the list, once the workers have settled.

    A worker reads Redis until its listener has subscribed (it starts on the worker's
    first request), and again when it re-checks its campaign row (once a minute); so
    batches are tried until one runs clear of both, or `within` seconds have passed.
    Pages that were not kept in memory would cost a read on every request, every time.
    """
    deadline = time.monotonic() + within
    while True:
        before = reads(client)
        for _ in range(asks):
            listed(server)
        spent = reads(client) - before
        if spent <= 3 or time.monotonic() > deadline:
            return spent


def test_hits_come_from_memory_and_changes_reach_every_worker(server, fault_database):  # noqa: F811
    client = redis.Redis.from_url(REDIS_URL)
    # At most one read per worker in 30 requests, against 30 if hits went to Redis.
    assert reads_in_steady_state(server, client) <= 3

    title = approve_one_from_another_process(fault_database)
    every_worker_lists(server, title)

    # Every subscription is cut; a change is made while the workers resubscribe.
    client.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    title = approve_one_from_another_process(fault_database)
    every_worker_lists(server, title)
    assert "Not listening for campaign changes" in server.log()
