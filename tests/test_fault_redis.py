"""Fault test: the cache (a real Redis, this test's own) stops and freezes under a real
gunicorn (production settings, PostgreSQL); pages and submissions carry on.

Expected, from issue 13 item 5 and issue 12 item 3: with Redis stopped every public
page answers 200 from the database and a submission is saved and answered 303;
/healthz stays 200 but reports the cache "degraded" while /readyz answers 503; with
Redis frozen (SIGSTOP) nothing hangs for more than about a second; once Redis is
back the pages show every change made while it was away within the cache's lifetime.
"""

import json
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest

from tests.gunicorn_server import fault_database, free_port, gunicorn_server  # noqa: F401

pytestmark = [pytest.mark.gunicorn, pytest.mark.postgres, pytest.mark.redis]

REDIS_PORT = free_port()
GUNICORN_ENV = {
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CACHE_KEY_PREFIX": "fault",
    "SUBMISSION_RATE_LIMIT": "0",
}
SLUG = "housing-innovation-now"  # the demo's open campaign
PAGES = [
    "/campaigns/",
    f"/campaigns/{SLUG}/",
    f"/campaigns/{SLUG}/innovations/",
    f"/campaigns/{SLUG}/feed/",
    f"/campaigns/{SLUG}/chart.svg",
    f"/campaigns/{SLUG}/badge.svg",
    f"/campaigns/{SLUG}/embed/",
    f"/campaigns/{SLUG}/export.csv",
    "/organisations/bromford/",
]


class Redis:
    """A redis-server of this test's own, on a free port, that the test stops and starts."""

    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="module")
def redis_server():
    server = Redis(REDIS_PORT)
    server.start()
    yield server
    if server.process.poll() is None:
        server.thaw()
        server.stop()


@pytest.fixture(scope="module")
def app(redis_server, gunicorn_server):  # noqa: F811
    return gunicorn_server


class Browser:
    """Cookies and the form's hidden fields, as a browser behind the TLS proxy keeps them."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}
        self.opener = urllib.request.build_opener(NoRedirect())

    def request(self, path, data=None, timeout=15):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        origin = self.server.base_url.replace("http://", "https://")
        headers = {**self.server.headers, "Referer": origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(  # noqa: S310
            self.server.base_url + path, data=body, headers=headers
        )
        started = time.monotonic()
        try:
            response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.read().decode(), time.monotonic() - started

    def submit(self, title):
        path = f"/campaigns/{SLUG}/submit/"
        status, page, _ = self.request(path)
        assert status == 200, page[:500]
        hidden = dict(re.findall(r'name="(csrfmiddlewaretoken|token)" value="([^"]*)"', page))
        data = {
            **hidden,
            "name": "Asha Patel",
            "email": "asha@example.org",
            "organisation": "Bromford",
            "organisation_choice": "",
            "role": "",
            "twitter": "",
            "consent": "on",
            "website": "",
            "innovations-TOTAL_FORMS": "1",
            "innovations-INITIAL_FORMS": "0",
            "innovations-MIN_NUM_FORMS": "1",
            "innovations-MAX_NUM_FORMS": "20",
            "innovations-0-title": title,
            "innovations-0-description": "Sent while the cache was having a bad day.",
            "innovations-0-theme": "other",
            "innovations-0-link": "",
        }
        return self.request(path, data)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def stored_titles(fault_database):  # noqa: F811
    with psycopg.connect(fault_database.url.replace("postgres://", "postgresql://")) as conn:
        return {row[0] for row in conn.execute("SELECT title FROM innovations_innovation")}


def test_with_redis_stopped_pages_come_from_the_database_and_submissions_are_saved(
    app,
    redis_server,
    fault_database,  # noqa: F811
):
    browser = Browser(app)
    for path in PAGES:
        assert app.get(path)[0] == 200, path
    assert json.loads(app.get("/readyz")[1])["status"] == "ready"

    redis_server.stop()
    try:
        for path in PAGES:
            status, _body, _headers, seconds = app.get(path)
            assert status == 200, path
        health = app.get("/healthz")
        assert health[0] == 200
        assert json.loads(health[1]) == {"status": "ok", "cache": "degraded"}
        assert app.get("/readyz")[0] == 503
        accepted = []
        for n in range(3):
            status, _body, _seconds = browser.submit(f"Sent with Redis down {n}")
            assert status == 303
            accepted.append(f"Sent with Redis down {n}")
        assert set(accepted) <= stored_titles(fault_database)
    finally:
        redis_server.start()

    # Back: the tally the pages show is the database's (nothing stale outlives the outage).
    deadline = time.monotonic() + 70
    while time.monotonic() < deadline:
        if app.get("/readyz")[0] == 200:
            break
        time.sleep(0.5)
    assert app.get("/readyz")[0] == 200
    body = app.get(f"/campaigns/{SLUG}/")[1].decode()
    with psycopg.connect(fault_database.url.replace("postgres://", "postgresql://")) as conn:
        received = conn.execute(
            "SELECT count(*) FROM innovations_innovation i JOIN campaign_campaign c "
            "ON i.campaign_id = c.id WHERE c.slug = %s AND i.status IN ('pending', 'approved')",
            [SLUG],
        ).fetchone()[0]
    assert f'class="tally__number">{received}<' in body


def test_with_redis_frozen_nothing_hangs_and_submissions_are_saved(
    app,
    redis_server,
    fault_database,  # noqa: F811
):
    browser = Browser(app)
    redis_server.freeze()
    try:
        slowest = 0.0
        for path in PAGES:
            status, _body, _headers, seconds = app.get(path)
            assert status == 200, path
            slowest = max(slowest, seconds)
        status, _body, seconds = browser.submit("Sent with Redis frozen")
        assert status == 303
        slowest = max(slowest, seconds)
        # One socket timeout (1 s) at most per request, not one per cache call.
        assert slowest < 4, slowest
        assert "Sent with Redis frozen" in stored_titles(fault_database)
    finally:
        redis_server.thaw()


def test_a_saved_submission_answers_303_when_its_invalidation_is_refused(
    app,
    redis_server,
    fault_database,  # noqa: F811
):
    """Issue 13 item 6: the app's Redis user may not move the version (EVAL, INCR denied)."""
    browser = Browser(app)

    def acl(*rules):
        subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "ACL", "SETUSER", "default", *rules], check=True
        )

    acl("-eval", "-incr", "-incrby")
    try:
        status, _body, _seconds = browser.submit("Sent while INCR was denied")
        assert status == 303
    finally:
        acl("+@all")
    assert "Sent while INCR was denied" in stored_titles(fault_database)
    assert "change not marked in the cache" in app.log()
