"""Fault test: a submission POSTed while PostgreSQL is unreachable comes back as a 503 page
with everything typed still in the form, and goes through once the database is back.

Real gunicorn (one worker, production settings, CSRF on) on its own PostgreSQL database,
made unreachable as a restart does (see tests/gunicorn_server.py). In an outage the first
thing to fail is reading the campaign, before any submission code runs.
"""

import html
import re
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest

from tests.gunicorn_server import fault_database, gunicorn_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.gunicorn, pytest.mark.postgres]

# One worker: the form's GET leaves its copy of the campaign in that worker's cache.
GUNICORN_ENV = {"WEB_CONCURRENCY": "1", "SUBMISSION_RATE_LIMIT": "0"}
OPEN = "/campaigns/housing-innovation-now/submit/"
ARCHIVE = "/campaigns/140in140-2014/submit/"  # its form was never shown: no copy kept


class Browser:
    """Just enough of a browser for a form: cookies (Secure ones too: the proxy is TLS),
    the hidden fields, Origin and Referer for Django's HTTPS CSRF check."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}
        netloc = urllib.parse.urlsplit(server.base_url).netloc
        self.origin = f"https://{netloc}"

    def _open(self, path, data=None):
        headers = {**self.server.headers, "Referer": self.origin + path, "Origin": self.origin}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.server.base_url + path, body, headers)  # noqa: S310
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response = opener.open(request, timeout=15)
            status, text, got = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, got = error.code, error.read().decode(), error.headers
        for cookie in got.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, text, got

    def get(self, path):
        return self._open(path)

    def post(self, path, data):
        return self._open(path, data)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def hidden(page, name):
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def typed(page, token, csrf):
    return {
        "csrfmiddlewaretoken": csrf,
        "token": token,
        "name": "Asha Patel",
        "email": "asha@bromford.example",
        "organisation": "Bromford",
        "organisation_choice": "",
        "role": "Head of repairs",
        "twitter": "",
        "consent": "on",
        "website": "",
        "innovations-TOTAL_FORMS": "2",
        "innovations-INITIAL_FORMS": "0",
        "innovations-MIN_NUM_FORMS": "1",
        "innovations-MAX_NUM_FORMS": "20",
        "innovations-0-title": "Outage test: repairs booked by text",
        "innovations-0-description": "Tenants text a photo & we book the visit.",
        "innovations-0-theme": "digital_inclusion",
        "innovations-0-link": "",
        "innovations-1-title": "Outage test: café mornings",
        "innovations-1-description": "A welcome, with the neighbours.",
        "innovations-1-theme": "health_wellbeing",
        "innovations-1-link": "",
    }


def stored_titles(database):
    with psycopg.connect(database.url.replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT title FROM innovations_innovation WHERE title IN (%s, %s) ORDER BY title",
            ["Outage test: café mornings", "Outage test: repairs booked by text"],
        ).fetchall()
    return [title for (title,) in rows]


def assert_everything_typed_is_kept(page):
    assert "Everything you typed is still here" in page
    for value in [
        'value="Asha Patel"',
        'value="asha@bromford.example"',
        'value="Bromford"',
        'value="Head of repairs"',
        'value="Outage test: repairs booked by text"',
        "Tenants text a photo &amp; we book the visit.</textarea>",
        'value="Outage test: café mornings"',
        "A welcome, with the neighbours.</textarea>",
    ]:
        assert value in page, value
    assert 'name="consent" checked' in page or "checked" in page
    assert "Traceback" not in page


def test_a_post_during_a_database_outage_keeps_everything_typed_on_a_503(
    gunicorn_server,  # noqa: F811
    fault_database,  # noqa: F811
):
    open_form = Browser(gunicorn_server)
    status, page, _ = open_form.get(OPEN)
    assert status == 200
    open_data = typed(page, hidden(page, "token"), hidden(page, "csrfmiddlewaretoken"))
    archive_form = Browser(gunicorn_server)
    archive_form.get(OPEN)  # only for the CSRF cookie and a token
    _, page, _ = archive_form.get(OPEN)
    archive_data = typed(page, hidden(page, "token"), hidden(page, "csrfmiddlewaretoken"))

    fault_database.refuse_connections()
    try:
        status, page, headers = open_form.post(OPEN, open_data)
        assert status == 503
        assert_everything_typed_is_kept(page)
        assert f'action="{OPEN}"' in page
        assert "no-store" in headers["Cache-Control"]
        # The campaign's own copy, kept by the form's GET: its name and deadline show.
        assert "140 innovations in 140 hours: the sequel" in page
        assert f'name="token" value="{open_data["token"]}"' in page

        # A campaign whose form this worker never showed: the same, from the URL alone.
        status, page, _ = archive_form.post(ARCHIVE, archive_data)
        assert status == 503
        assert_everything_typed_is_kept(page)
        assert f'action="{ARCHIVE}"' in page
    finally:
        fault_database.accept_connections()

    assert stored_titles(fault_database) == []
    # Back again: the very same form is saved, once.
    for _ in range(50):
        status, _page, headers = open_form.post(OPEN, open_data)
        if status != 503:
            break
    assert status == 303, status
    assert open_form.post(OPEN, open_data)[0] == 303  # a repeat: the same receipt
    assert stored_titles(fault_database) == [
        "Outage test: café mornings",
        "Outage test: repairs booked by text",
    ]
    log = gunicorn_server.log()
    assert "reason=database-error" in log
    assert "Internal Server Error" not in log
