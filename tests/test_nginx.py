"""nginx in front, as production runs it: deploy/nginx/default.conf.template rendered by
the real `envsubst`, served by Debian's /usr/sbin/nginx on a free port, in front of a
real gunicorn (2 workers, production settings, PostgreSQL; tests/gunicorn_server.py).

Every request goes through nginx as a TLS proxy in front of it would send it
(X-Forwarded-Proto: https) unless a test says otherwise. Whether a request reached
the app is read from the app's own log: each request carries an X-Request-ID that
nginx passes on, and the app logs one line per request with that id.

Skipped without nginx ("install nginx and envsubst: make nginx-system"); in CI
(CI=true) a missing nginx fails instead (the markers, tests/services.py).
"""

import getpass
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.gunicorn_server import (  # noqa: F401 (fixtures)
    BASE_DIR,
    fault_database,
    free_port,
    gunicorn_server,
)
from tests.submitting import innovation, payload

NGINX = "/usr/sbin/nginx"
TEMPLATE = BASE_DIR / "deploy" / "nginx" / "default.conf.template"
VARIABLES = ("APP_UPSTREAM", "LISTEN_PORT", "STATIC_ROOT", "MEDIA_ROOT", "CACHE_DIR")

# Skipped where nginx, envsubst or PostgreSQL is missing; failed instead in CI (tests/services.py).
pytestmark = [pytest.mark.nginx, pytest.mark.gunicorn]

SHARED_SECONDS = 3  # the app's PUBLIC_CACHE_SECONDS in this module: s-maxage=3
GUNICORN_ENV = {
    "PUBLIC_CACHE_SECONDS": str(SHARED_SECONDS),
    # A TLS proxy and nginx each append to X-Forwarded-For.
    "TRUSTED_PROXY_COUNT": "2",
}

OLD_CAMPAIGN = "/campaigns/140in140-2014/"  # closed: pages that change only on moderation
OPEN_CAMPAIGN = "/campaigns/housing-innovation-now/"  # open: the form takes submissions
FORM = OPEN_CAMPAIGN + "submit/"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    request_id: str

    def header(self, name):
        return self.headers.get(name, "")

    def cookies(self):
        jar = SimpleCookie()
        for line in self.headers.get_all("Set-Cookie") or []:
            jar.load(line)
        return {name: morsel.value for name, morsel in jar.items()}


class Nginx:
    """The running nginx, and a client that sends what a TLS proxy in front would."""

    def __init__(self, port, app_log, static_root, media_root):
        self.port = port
        self.app_log = app_log
        self.static_root = static_root
        self.media_root = media_root
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method, path, headers=None, body=None, proto="https"):
        request_id = f"nginx-test-{uuid.uuid4().hex}"
        sent = {"X-Request-ID": request_id, **(headers or {})}
        if proto:
            sent.setdefault("X-Forwarded-Proto", proto)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read(), request_id)
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def app_lines(self):
        lines = []
        for line in self.app_log.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def reached_app(self, answer, within=2.0):
        """True if the app logged the request with this answer's id (waits a moment)."""
        deadline = time.monotonic() + within
        while True:
            if any(line.get("request_id") == answer.request_id for line in self.app_lines()):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def app_requests_for(self, path):
        return [
            line
            for line in self.app_lines()
            if line.get("logger") == "config.requests" and line.get("path") == path
        ]


def render(values, destination):
    """The template through the real envsubst, naming the five variables as the docs do."""
    shell_format = " ".join(f"${{{name}}}" for name in VARIABLES)
    rendered = subprocess.run(
        ["envsubst", shell_format],
        input=TEMPLATE.read_text(),
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    destination.write_text(rendered)
    return rendered


def nginx_conf(tmp, rendered):
    """A minimal main config around the rendered file, every path in `tmp` so that it
    runs as any user. As root, nginx would hand its workers to `nobody`, who cannot
    read pytest's private temporary directories: keep them as this user."""
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"  {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
{user}
daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  # As Debian's own nginx.conf has it: the template must not clash with it.
  gzip on;
  access_log {tmp / "access.log"};
{temp_paths}
  include {rendered};
}}
"""


@pytest.fixture(scope="module")
def nginx(gunicorn_server, tmp_path_factory):  # noqa: F811
    tmp = tmp_path_factory.mktemp("nginx")
    media_root = tmp / "media"
    media_root.mkdir()
    port = free_port()
    values = {
        "APP_UPSTREAM": gunicorn_server.base_url.removeprefix("http://"),
        "LISTEN_PORT": f"127.0.0.1:{port}",
        "STATIC_ROOT": str(gunicorn_server.static_root),
        "MEDIA_ROOT": str(media_root),
        "CACHE_DIR": str(tmp / "cache"),
    }
    rendered = tmp / "in140.conf"
    render(values, rendered)
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, rendered))
    command = [NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Nginx(port, gunicorn_server.log_path, gunicorn_server.static_root, media_root)
    try:
        for _ in range(100):
            try:
                if server.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {process.stderr.read().decode()}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"nginx did not answer:\n{(tmp / 'error.log').read_text()}")
        yield server
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: workers finish what they serve
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_template_uses_exactly_the_five_variables():
    used = set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text()))
    assert used == set(VARIABLES)


def test_a_public_page_is_served_from_the_cache_for_its_shared_seconds(nginx):
    path = OLD_CAMPAIGN + "innovations/"
    first = nginx.get(path)
    assert first.status == 200
    assert first.header("Cache-Control") == f"public, max-age=0, s-maxage={SHARED_SECONDS}"
    assert first.header("X-Cache-Status") == "MISS"
    assert nginx.reached_app(first)

    again = nginx.get(path)
    assert again.header("X-Cache-Status") == "HIT"
    assert again.body == first.body
    assert again.header("ETag") == first.header("ETag")
    # Each response names its own request, not the one that filled the cache.
    assert again.header("X-Request-ID") == again.request_id
    assert not nginx.reached_app(again, within=0.5)
    assert len(nginx.app_requests_for(path)) == 1

    time.sleep(SHARED_SECONDS + 1)
    # Expired: this visitor gets the copy at hand while one request refreshes it.
    expired = nginx.get(path)
    assert expired.status == 200
    assert expired.header("X-Cache-Status") in {"STALE", "EXPIRED", "REVALIDATED", "UPDATING"}
    deadline = time.monotonic() + 5
    while len(nginx.app_requests_for(path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(nginx.app_requests_for(path)) == 2
    time.sleep(0.2)
    assert nginx.get(path).header("X-Cache-Status") == "HIT"


def test_a_browser_revalidating_a_cached_page_gets_304_from_nginx(nginx):
    path = OLD_CAMPAIGN + "chart.svg"
    first = nginx.get(path)
    assert first.status == 200 and first.header("ETag")
    again = nginx.get(path, headers={"If-None-Match": first.header("ETag")})
    assert again.status == 304
    assert again.body == b""


def test_the_submission_form_is_never_cached_and_sets_its_csrf_cookie(nginx):
    for _ in range(3):
        form = nginx.get(FORM)
        assert form.status == 200
        assert form.header("X-Cache-Status") in {"MISS", "BYPASS"}
        assert "no-store" in form.header("Cache-Control")
        assert "private" in form.header("Cache-Control")
        assert form.cookies().get("csrftoken")
        assert b'name="csrfmiddlewaretoken"' in form.body
        assert nginx.reached_app(form)


@pytest.mark.parametrize(
    "cookie", ["sessionid=abc123", "csrftoken=abc123", "theme=dark; sessionid=abc123"]
)
def test_a_visitor_with_a_session_or_csrf_cookie_bypasses_the_cache(nginx, cookie):
    path = OLD_CAMPAIGN + "badge.svg"
    nginx.get(path)
    assert nginx.get(path).header("X-Cache-Status") == "HIT"
    with_cookie = nginx.get(path, headers={"Cookie": cookie})
    assert with_cookie.status == 200
    assert with_cookie.header("X-Cache-Status") == "BYPASS"
    assert nginx.reached_app(with_cookie)


def test_the_admin_is_passed_straight_through(nginx):
    login = nginx.get("/admin/login/")
    assert login.status == 200
    assert "no-store" in login.header("Cache-Control")
    assert nginx.reached_app(login)
    assert nginx.reached_app(nginx.get("/admin/login/"))


class FormFields(HTMLParser):
    """The hidden inputs of the submission form (CSRF token, one-time token)."""

    def __init__(self):
        super().__init__()
        self.hidden = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.hidden[attrs["name"]] = attrs.get("value") or ""


def open_form(nginx):
    form = nginx.get(FORM)
    assert form.status == 200
    fields = FormFields()
    fields.feed(form.body.decode())
    return form.cookies()["csrftoken"], fields.hidden


def post_form(nginx, data, csrf_cookie, headers=None):
    return nginx.request(
        "POST",
        FORM,
        body=urlencode(data),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            # What a browser sends: the page's own origin, port included.
            "Origin": nginx.origin,
            "Referer": nginx.origin + FORM,
            **(headers or {}),
        },
    )


def test_a_real_submission_passes_through_with_csrf_on_a_non_standard_port(nginx):
    csrf_cookie, hidden = open_form(nginx)
    data = payload(
        innovation(title="Repairs booked by text message"),
        token=hidden["token"],
        csrfmiddlewaretoken=hidden["csrfmiddlewaretoken"],
    )
    sent = post_form(nginx, data, csrf_cookie, headers={"X-Forwarded-For": "198.51.100.20"})
    assert sent.status == 303, sent.body[:2000]
    assert re.match(
        r"^/campaigns/housing-innovation-now/thanks/[0-9a-f-]{36}/$", sent.header("Location")
    )
    assert sent.header("X-Cache-Status") == ""  # the cache is not even looked at for a POST

    thanks = nginx.get(sent.header("Location"), headers={"Cookie": f"csrftoken={csrf_cookie}"})
    assert thanks.status == 200
    assert "Repairs booked by text message" in thanks.body.decode()
    assert "no-store" in thanks.header("Cache-Control")


def test_a_form_error_comes_back_from_the_app_not_the_cache(nginx):
    csrf_cookie, hidden = open_form(nginx)
    data = payload(
        token=hidden["token"], csrfmiddlewaretoken=hidden["csrfmiddlewaretoken"], email=""
    )
    for _ in range(2):
        refused = post_form(nginx, data, csrf_cookie)
        assert refused.status == 400
        assert "Enter your email address" in refused.body.decode()
        assert nginx.reached_app(refused)


def test_a_post_without_its_csrf_token_is_refused_by_the_app(nginx):
    csrf_cookie, hidden = open_form(nginx)
    data = payload(token=hidden["token"])  # no csrfmiddlewaretoken
    refused = post_form(nginx, data, csrf_cookie)
    assert refused.status == 403
    assert nginx.reached_app(refused)


def test_the_client_address_and_request_id_reach_the_app(nginx):
    """The TLS proxy's X-Forwarded-For plus nginx's own entry: with
    TRUSTED_PROXY_COUNT=2 the app logs the visitor's address."""
    csrf_cookie, hidden = open_form(nginx)
    data = payload(
        token=hidden["token"], csrfmiddlewaretoken=hidden["csrfmiddlewaretoken"], name=""
    )
    refused = post_form(nginx, data, csrf_cookie, headers={"X-Forwarded-For": "203.0.113.7"})
    assert refused.status == 400
    assert nginx.reached_app(refused)
    logged = [line for line in nginx.app_lines() if line["request_id"] == refused.request_id]
    assert any("ip=203.0.113.7 " in line["message"] for line in logged), logged


def test_the_scheme_reaches_the_app(nginx):
    """With no TLS proxy's X-Forwarded-Proto, nginx says http and the app sends the
    visitor to https on the same host and port; with https, it serves the page."""
    plain = nginx.get(OLD_CAMPAIGN, proto=None)
    assert plain.status == 301
    assert plain.header("Location") == f"https://127.0.0.1:{nginx.port}{OLD_CAMPAIGN}"
    assert nginx.get(OLD_CAMPAIGN).status == 200


@pytest.mark.parametrize(
    "path",
    [
        OLD_CAMPAIGN,
        OLD_CAMPAIGN + "chart.svg",
        OLD_CAMPAIGN + "feed/",
        OLD_CAMPAIGN + "export.csv",
        OLD_CAMPAIGN + "export.json",
    ],
)
def test_pages_are_compressed_for_clients_that_accept_gzip(nginx, path):
    plain = nginx.get(path)
    compressed = nginx.get(path, headers={"Accept-Encoding": "gzip"})
    assert compressed.status == 200
    assert compressed.header("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in compressed.header("Vary")
    unpacked = gzip.decompress(compressed.body)
    # The same document (an export states the time it was made: the length may differ a little).
    assert unpacked[:40] == plain.body[:40]
    assert abs(len(unpacked) - len(plain.body)) < 64
    assert len(compressed.body) < len(plain.body)


def hashed_static(nginx, suffix):
    manifest = json.loads((nginx.static_root / "staticfiles.json").read_text())["paths"]
    return next(hashed for name, hashed in manifest.items() if name.endswith(suffix))


@pytest.mark.parametrize("suffix", [".css", ".js", ".svg"])
def test_hashed_static_files_are_served_from_disk_for_a_year_and_compressed(nginx, suffix):
    path = "/static/" + hashed_static(nginx, suffix)
    answer = nginx.get(path, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert answer.header("X-Content-Type-Options") == "nosniff"
    if len((nginx.static_root / path.removeprefix("/static/")).read_bytes()) > 256:
        assert answer.header("Content-Encoding") == "gzip"
    assert not nginx.reached_app(answer, within=0.3)


def test_static_files_come_from_disk_not_from_the_app(nginx):
    # Written after the app started: its WhiteNoise does not know these files.
    (nginx.static_root / "probe.0123456789ab.txt").write_text("hashed probe")
    (nginx.static_root / "probe.txt").write_text("plain probe")
    hashed = nginx.get("/static/probe.0123456789ab.txt")
    assert (hashed.status, hashed.body) == (200, b"hashed probe")
    assert "immutable" in hashed.header("Cache-Control")
    plain = nginx.get("/static/probe.txt")
    assert (plain.status, plain.body) == (200, b"plain probe")
    assert plain.header("Cache-Control") == "public, max-age=3600"
    assert not nginx.reached_app(plain, within=0.3)
    assert nginx.get("/static/not-there.css").status == 404


def test_media_files_are_served_from_disk_as_inert_files(nginx):
    image = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    (nginx.media_root / "innovations").mkdir(exist_ok=True)
    (nginx.media_root / "innovations" / "photo.png").write_bytes(image)
    (nginx.media_root / "innovations" / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    photo = nginx.get("/media/innovations/photo.png")
    assert (photo.status, photo.body) == (200, image)
    assert photo.header("Content-Type") == "image/png"
    assert photo.header("Cache-Control") == "public, max-age=604800"
    assert photo.header("X-Content-Type-Options") == "nosniff"
    drawing = nginx.get("/media/innovations/drawing.svg")
    assert drawing.status == 200
    policy = drawing.header("Content-Security-Policy")
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert not nginx.reached_app(drawing, within=0.3)
    assert nginx.get("/media/innovations/").status in {403, 404}  # no listing


def raw_exchange(port, request):
    """Send bytes, read until nginx closes: what is on the wire, body included."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("path", [OLD_CAMPAIGN, OLD_CAMPAIGN + "badge.svg", FORM])
def test_head_gets_the_headers_and_no_body(nginx, path):
    for _ in range(2):  # a miss, then (for a public page) a hit
        raw = raw_exchange(
            nginx.port,
            f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1:{nginx.port}\r\n"
            "X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n".encode(),
        )
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert body == b""


def test_a_request_body_over_60_mb_is_refused_by_nginx(nginx):
    raw = raw_exchange(
        nginx.port,
        f"POST {FORM} HTTP/1.1\r\nHost: 127.0.0.1:{nginx.port}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {61 * 1024 * 1024}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert raw.startswith(b"HTTP/1.1 413"), raw[:200]


def test_pages_are_compressed_for_a_tls_proxy_speaking_http_1_0(nginx):
    """nginx's own proxy_pass speaks HTTP/1.0 by default: the page is compressed for it too."""
    raw = raw_exchange(
        nginx.port,
        f"GET {OLD_CAMPAIGN} HTTP/1.0\r\nHost: 127.0.0.1:{nginx.port}\r\n"
        "X-Forwarded-Proto: https\r\nAccept-Encoding: gzip\r\n\r\n".encode(),
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"\r\nContent-Encoding: gzip" in head
    assert b"<html" in gzip.decompress(body)
