"""Fault test: a real gunicorn (2 workers, production settings) on PostgreSQL loses its
database while clients poll, and recovers without being restarted.

The outage is made on this test's own database only (refuse new connections and end
the open ones, as a PostgreSQL restart does), so other databases on the server are
not disturbed. Needs PostgreSQL on 127.0.0.1:5432, not DATABASE_URL: it runs in
every CI pass.
"""

import json
import threading
import time

import pytest

from tests.gunicorn_server import fault_database, gunicorn_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.gunicorn, pytest.mark.postgres]

CAMPAIGN_PAGE = "/campaigns/140in140-2014/"


class Poller(threading.Thread):
    """Asks /healthz and the campaign page in turn until stopped; records every answer."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.results = []  # (path, status, body, seconds)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for path in ("/healthz", CAMPAIGN_PAGE):
                status, body, _headers, seconds = self.server.get(path, timeout=10)
                self.results.append((path, status, body, seconds))
            time.sleep(0.05)

    def wait_for(self, path, status, within=15):
        deadline = time.monotonic() + within
        seen = len(self.results)
        while time.monotonic() < deadline:
            if any(r[0] == path and r[1] == status for r in self.results[seen:]):
                return
            time.sleep(0.05)
        raise AssertionError(f"no {status} from {path} within {within}s: {self.results[-6:]}")

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)


@pytest.fixture
def poller(gunicorn_server):  # noqa: F811
    poller = Poller(gunicorn_server)
    poller.start()
    yield poller
    poller.stop()


def test_database_outage_fails_cleanly_and_recovers_without_restarting_gunicorn(
    gunicorn_server,  # noqa: F811
    fault_database,  # noqa: F811
    poller,
):
    workers_before = gunicorn_server.worker_pids()
    assert len(workers_before) == 2

    poller.wait_for(CAMPAIGN_PAGE, 200)
    fault_database.refuse_connections()
    try:
        poller.wait_for("/healthz", 503)
        poller.wait_for(CAMPAIGN_PAGE, 503)
        time.sleep(2)  # stay down a while: every request in this time must fail fast
    finally:
        fault_database.accept_connections()
    poller.wait_for("/healthz", 200)
    poller.wait_for(CAMPAIGN_PAGE, 200)
    time.sleep(1)
    poller.stop()

    results = poller.results
    statuses = {(path, status) for path, status, _, _ in results}
    # Clean failures only: an answer every time, 200 or 503, never a 500 or a hang.
    assert {status for _, status in statuses} <= {200, 503}, statuses
    assert max(seconds for *_, seconds in results) < 5
    # The person sees the friendly page; the load balancer sees JSON.
    down_page = next(
        body for path, status, body, _ in results if (path, status) == (CAMPAIGN_PAGE, 503)
    )
    assert b"cannot reach our database" in down_page
    assert b"Traceback" not in down_page
    down_health = next(
        body for path, status, body, _ in results if (path, status) == ("/healthz", 503)
    )
    assert json.loads(down_health) == {"status": "unavailable", "cache": "ok"}
    # Recovered: the last answers are all 200, from the same gunicorn and workers.
    assert [status for _, status, _, _ in results[-4:]] == [200, 200, 200, 200]
    assert gunicorn_server.process.poll() is None
    assert gunicorn_server.worker_pids() == workers_before
    log = gunicorn_server.log()
    assert "WORKER TIMEOUT" not in log

    # Every event was logged as one JSON line with a request id, 503s included.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "config.requests"]
    # (successful health checks excepted: they are not logged)
    logged = [r for r in results if (r[0], r[1]) != ("/healthz", 200)]
    assert len(requests) >= len(logged)
    assert any(line["status"] == 503 and line["path"] == CAMPAIGN_PAGE for line in requests)
    assert all(len(line["request_id"]) == 32 for line in requests)


def test_connections_ended_between_requests_are_replaced_unnoticed(
    gunicorn_server,  # noqa: F811
    fault_database,  # noqa: F811
):
    # What a quick PostgreSQL restart does to idle persistent connections: Django's
    # connection health check notices at the next request and reconnects.
    for _ in range(4):
        assert gunicorn_server.get(CAMPAIGN_PAGE)[0] == 200
    fault_database.terminate_backends()
    answers = [gunicorn_server.get(path)[0] for path in ["/healthz", CAMPAIGN_PAGE] * 4]
    assert answers == [200] * 8
