"""The benchmark's own parts that can go wrong without a server: parsing, the driver, the report."""

import os
import secrets
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from bench import pages, report, stack, submissions, wrk
from bench.run import Plan, tally_in

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8180/__bench__/bare/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.20ms  20.00ms   80.00%
    Req/Sec     1.56k   100.00     1.80k    70.00%
  Latency Distribution
     50%  812.00us
     75%    5.50ms
     90%    6.50ms
     99%    1.02s
  46789 requests in 15.00s, 10.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 5
Requests/sec:   3119.27
Transfer/sec:    682.00KB
"""


def test_wrk_figures_with_every_unit_and_error_kind():
    figures = wrk.parse(WRK_OUTPUT)

    assert figures.requests_per_second == 3119.27
    assert figures.p50_ms == pytest.approx(0.812)
    assert figures.p99_ms == pytest.approx(1020.0)
    assert figures.requests == 46789
    assert figures.errors == {"non-2xx/3xx": 5, "read": 3, "timeout": 2}


def test_wrk_output_without_figures_is_refused():
    with pytest.raises(ValueError, match="unexpected wrk output"):
        wrk.parse("unable to connect to 127.0.0.1:8180 Connection refused\n")


def test_hidden_inputs_come_from_post_forms_only():
    html = """
    <form method="get" action="/search"><input type="hidden" name="q" value="x"></form>
    <form method="POST" action="">
      <input type="hidden" name="csrfmiddlewaretoken" value="abc&amp;d">
      <input type="hidden" name="innovations-TOTAL_FORMS" value="3">
      <input type="text" name="name" value="typed">
      <input type="hidden" name="token">
    </form>"""

    assert submissions.hidden_inputs(html) == {
        "csrfmiddlewaretoken": "abc&d",
        "innovations-TOTAL_FORMS": "3",
        "token": "",
    }


class FakeForm:
    """A form like the real one: CSRF cookie and token, one-time token, 303 on success."""

    def __init__(self):
        self.tokens, self.saved = set(), []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        if environ["REQUEST_METHOD"] == "GET":
            csrf = cookie["csrftoken"].value if "csrftoken" in cookie else secrets.token_hex(8)
            once = secrets.token_hex(8)
            with self.lock:
                self.tokens.add(once)
            page = (
                '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
                f'value="{csrf}"><input type="hidden" name="once" value="{once}"></form>'
            )
            start_response(
                "200 OK",
                [("Content-Type", "text/html"), ("Set-Cookie", f"csrftoken={csrf}; Secure")],
            )
            return [page.encode()]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        data = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        with self.lock:
            fresh = data.get("once") in self.tokens
            self.tokens.discard(data.get("once"))
            ok = (
                fresh
                and "csrftoken" in cookie
                and data.get("csrfmiddlewaretoken") == cookie["csrftoken"].value
                and data.get("consent") == "on"
                and data.get("innovations-0-theme")
            )
            if ok:
                self.saved.append(data)
        if ok:
            start_response("303 See Other", [("Location", "/thanks/")])
        else:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b""]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(app):
        server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_driver_copies_cookies_and_hidden_inputs_and_counts_303(serve):
    app = FakeForm()
    port = serve(app)

    result = submissions.drive(
        "127.0.0.1", port, "/submit/", organisations=["Riverside"], clients=2, seconds=0.5
    )

    assert result.errors == {}
    assert result.saved == len(app.saved) > 0
    assert all(row["organisation"] == "Riverside" for row in app.saved)
    assert result.post_p50_ms is not None


def test_driver_reports_a_page_without_a_form(serve):
    def no_form(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<h1>Share an innovation</h1>"]

    result = submissions.drive(
        "127.0.0.1", serve(no_form), "/submit/", organisations=["X"], clients=2, seconds=0.5
    )

    assert result.missing == "no form on the page" and result.saved == 0


def test_paced_driver_starts_submissions_at_the_rate_asked_and_notes_the_last_saved(serve):
    app = FakeForm()
    port = serve(app)

    result = submissions.drive_paced(
        "127.0.0.1", port, "/submit/", organisations=["Riverside"], rate=20, seconds=0.5
    )

    assert (result.started, result.saved, result.failed) == (10, 10, 0)
    assert len(app.saved) == 10
    # Begun over half a second (later on a busy machine, never sooner).
    assert 10 <= result.per_second <= 25
    assert result.last_saved_at is not None and result.form_p50_ms is not None


def test_the_tally_is_read_from_the_badge_s_text_alternative_with_its_commas():
    html = b'<p><img src="/b.svg" alt="The badge: 95,014 / 140 innovations"></p>'
    assert tally_in(html) == 95014
    assert tally_in(b"<p>Closed</p>") is None


def test_each_page_has_its_own_static_stand_in():
    paths = {
        pages.same_size_path(label, extension)
        for label, _path, extension in pages.through_nginx("s", 1)
    }
    assert len(paths) == 4
    assert "/static/bench-same-size/list-first-page.html" in paths


@pytest.mark.nginx
def test_the_template_is_rendered_with_its_five_variables_inside_a_minimal_http_block(tmp_path):
    values = {
        "APP_UPSTREAM": "127.0.0.1:8180",
        "LISTEN_PORT": "127.0.0.1:8181",
        "STATIC_ROOT": "/srv/static",
        "MEDIA_ROOT": "/srv/media",
        "CACHE_DIR": str(tmp_path / "cache"),
    }
    os.environ.update({"APP_UPSTREAM": "leaked"})  # only the values given are used
    try:
        rendered = stack.render_template(values)
    finally:
        del os.environ["APP_UPSTREAM"]

    assert "server 127.0.0.1:8180;" in rendered and "listen 127.0.0.1:8181;" in rendered
    assert "${" not in rendered  # the five are filled in...
    assert "$http_host" in rendered  # ...and nginx's own variables left alone
    conf = stack.nginx_conf(tmp_path, tmp_path / "in140.conf")
    assert f"include {tmp_path / 'in140.conf'};" in conf
    # Debian's tcp_nopush stalled cached pages of 64 KB by a delayed ACK (~40 ms each).
    assert not any(line.strip().startswith("tcp_nopush on") for line in conf.splitlines())


def _figures(rps, p99=2.0):
    return wrk.Figures(rps, 0.5, p99, int(rps * 10))


def _pair(label, page_rps, floor_rps, *, bytes_=9000):
    return report.Row(
        label,
        f"/{label}/",
        "ok",
        _figures(page_rps),
        _figures(floor_rps),
        (page_rps / floor_rps,),
        bytes=bytes_,
    )


def _rush(*, quiet=20000, busy=16000, p99=12.0, saved=100, failed=0, delay=0.4, in_db=None):
    result = submissions.Result(
        5,
        saved,
        {"500": failed} if failed else {},
        saved / 5,
        40.0,
        80.0,
        started=saved + failed,
        rate=20.0,
        form_p50_ms=30.0,
        form_p99_ms=60.0,
    )
    return report.Rush(
        quiet=_figures(quiet),
        busy=_figures(busy, p99),
        submissions=result,
        in_database=saved if in_db is None else in_db,
        tally_database=1000,
        tally_seen=1000 if delay is not None else 990,
        tally_delay_s=delay,
    )


def _size(innovations, *, nginx_ratio=0.9, gunicorn_ratio=0.7, rush=None, rebuild_ms=12.0):
    queries = {
        "campaign home": {
            "status": 200,
            "cold": 4,
            "changed": 4,
            "hit": 0,
            "rebuild_ms": rebuild_ms,
            "bytes": 9000,
        },
        "badge": {
            "status": 200,
            "cold": 2,
            "changed": 2,
            "hit": 0,
            "rebuild_ms": 4.0,
            "bytes": 600,
        },
    }
    return report.SizeResult(
        innovations=innovations,
        organisations=20,
        load_seconds=1,
        nginx_rows=[
            _pair("campaign home", 10000 * nginx_ratio, 10000),
            _pair("badge", 30000, 30000, bytes_=600),
        ],
        gunicorn_rows=[_pair("campaign home", 2000 * gunicorn_ratio, 2000)],
        queries=queries,
        conditional=[("list", "304 to If-None-Match (ETag)")],
        rush=rush or _rush(),
        peak_rss_mib=[60.0, 61.5],
    )


def _plan():
    return Plan(((100, 20), (100_000, 1500)), 4, 2, 16, 2, 3, 4, 20.0, 20, 20, Path("x.md"), False)


def test_report_says_met_when_every_figure_is_within_target():
    sizes = [_size(100), _size(100_000)]

    verdicts = [ok for _target, _measured, ok in report.targets(sizes)]

    assert verdicts == [True] * 9
    timed = {"tally": {"ms": 40.0, "index_only": True}, "hours": {"ms": 0.5, "index_only": False}}
    sizes[1].aggregates = {"covering index": timed, "kept counts": timed}
    text = report.markdown(sizes, {"CPU": "test"}, _plan(), seconds=60)
    assert "make bench" in text and "62 MiB" in text
    assert (
        "| tally (innovations, organisations) | 100,000 | 40.0 (index only) | 40.0 (index only) |"
        in text
    )
    assert "| campaign home | 100,000 | 8.8 | 9,000 |" in text


@pytest.mark.parametrize(
    ("size", "target"),
    [
        (_size(100, nginx_ratio=0.7), "Through nginx"),
        (_size(100, rush=_rush(busy=13000)), "Deadline rush: readers"),
        (_size(100, rush=_rush(p99=30)), "Deadline rush: read p99"),
        (_size(100, rush=_rush(failed=1)), "Deadline rush: submissions"),
        (_size(100, rush=_rush(in_db=99)), "Deadline rush: every accepted"),
        (_size(100, rush=_rush(delay=2.5)), "Deadline rush: the tally"),
        (_size(100, rush=_rush(delay=None)), "Deadline rush: the tally"),
        (_size(100, gunicorn_ratio=0.4), "Straight to gunicorn: a cached page"),
        (_size(100_000, rebuild_ms=51), "Building each public page"),
    ],
)
def test_report_says_not_met_for_the_one_target_missed(size, target):
    other = _size(100_000) if size.innovations == 100 else _size(100)
    verdicts = {t: ok for t, _measured, ok in report.targets([size, other])}

    missed = [t for t, ok in verdicts.items() if not ok]
    assert len(missed) == 1 and missed[0].startswith(target)


@pytest.mark.parametrize("when", ["cold", "changed", "other"])
def test_a_miss_over_four_queries_is_not_met_whenever_it_happens(when):
    size = _size(100)
    size.queries["campaign home"].update(cold=4, changed=3, other=4)
    verdicts = {t: (m, ok) for t, m, ok in report.targets([size, _size(100_000)])}
    measured, ok = next(v for t, v in verdicts.items() if "a miss" in t)
    assert ok
    assert measured == "worst: 4 (empty cache 4, after a submission 4, after another change 4)"

    size.queries["badge"][when] = 5
    verdicts = {t: ok for t, _m, ok in report.targets([size, _size(100_000)])}
    assert [t for t, ok in verdicts.items() if not ok] == [
        next(t for t in verdicts if "a miss" in t)
    ]
    text = report.markdown([size, _size(100_000)], {}, _plan(), seconds=1)
    assert "| campaign home | 4 | 3 | 4 | 0 |" in text


def test_a_page_or_form_not_there_is_reported_not_met():
    missing = submissions.Result(0, 0, {}, 0.0, None, None, missing="missing (404)", rate=20.0)
    size = _size(100, rush=report.Rush(_figures(1), None, missing, 0, 0, None, None))
    size.nginx_rows.append(report.Row("list, first page", "/l/", "missing (404)", None))

    verdicts = {t: ok for t, _measured, ok in report.targets([size, _size(100_000)])}

    assert verdicts[next(t for t in verdicts if t.startswith("Through nginx"))] is False
    assert verdicts[next(t for t in verdicts if t.startswith("Deadline rush: readers"))] is False
    text = report.markdown([size, _size(100_000)], {}, _plan(), seconds=1)
    assert "| list, first page | 100 | – | missing (404) |" in text
    assert "| 100 | missing (404) |" in text


def test_a_row_s_ratio_is_its_median_round_and_its_runs_are_combined():
    runs = [
        wrk.Figures(800, 5, 9, 8000),
        wrk.Figures(1000, 7, 11, 10000, {"timeout": 1}),
        wrk.Figures(900, 6, 30, 9000),
    ]
    combined = report.combine(runs)
    assert combined.requests_per_second == pytest.approx(900)
    assert (combined.p50_ms, combined.p99_ms, combined.requests) == (6, 11, 27000)
    assert combined.errors == {"timeout": 1}

    floors = report.combine([wrk.Figures(1000, 4, 8, 10000)] * 3)
    row = report.Row("campaign home", "/c/", "ok", combined, floors, (0.8, 1.0, 0.7))
    assert row.ratio == pytest.approx(0.8)  # not 900 / 1000
