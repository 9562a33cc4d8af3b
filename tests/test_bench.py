"""The benchmark's own parts that can go wrong without a server: parsing, the driver, the report."""

import secrets
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from bench import report, submissions, wrk
from bench.run import Plan

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


def _size(innovations, *, home_rps, p50, queries, conditional, saved=10, missing=""):
    def row(label, path, rps, ms, floor_rps):
        figures = wrk.Figures(rps, ms, ms * 2, int(rps * 10))
        floor = wrk.Figures(floor_rps, 5, 10, int(floor_rps * 10))
        return report.Row(label, path, "ok", figures, floor)

    rows = [
        row("campaign home", "/c/", home_rps, p50, 1000),
        row("list, first page", "/l/", home_rps, p50, 900),
        report.Row("badge", "/b.svg", "missing (404)", None),
        row("innovation page", "/i/", 700, p50, 800),
    ]
    result = submissions.Result(10, saved, {}, saved / 10, 12.0, 30.0, missing=missing)
    return report.SizeResult(
        innovations=innovations,
        organisations=20,
        load_seconds=1,
        rows=rows,
        queries={"campaign home": {"status": 200, **queries}, "feed": {"status": 404}},
        conditional=[("list", conditional)],
        submissions=result,
        submissions_in_db=saved,
        peak_rss_mib=[60.0, 61.5],
    )


def test_report_judges_each_target_and_survives_missing_pages():
    fast = {"cold": 3, "changed": 3, "hit": 1}
    small = _size(100, home_rps=850, p50=5, queries=fast, conditional="304 to If-None-Match")
    large = _size(100_000, home_rps=860, p50=6, queries=fast, conditional="200, no ETag")

    verdicts = {target: ok for target, _measured, ok in report.targets([small, large])}

    # Each ratio is to the bare view run just before the page; the badge is missing.
    assert small.ratio("campaign home") == pytest.approx(0.85)
    assert small.ratio("list, first page") == pytest.approx(850 / 900)
    assert small.row("bare view").figures.requests_per_second == pytest.approx(900)
    assert verdicts["Home, list, badge ≥ 0.8× the bare view's requests/s at both sizes"] is False
    assert verdicts["Each page's p50 at 100,000 ≤ 1.5× its p50 at 100"] is False
    assert (
        verdicts[
            "Every public page ≤ 4 SQL queries on a miss (the campaign home 6), constant in size; "
            "≤ 1 on a hit"
        ]
        is False
    )
    assert verdicts["Tally, list, feed, badge send ETag/Last-Modified and answer 304"] is False
    assert verdicts["Submissions: the rate one PostgreSQL sustains with 0 errors"] is True
    text = report.markdown([small, large], {"CPU": "test"}, _plan(), seconds=60)
    assert "| badge | 100 | missing (404) |" in text
    assert "| bare view | 100 | 900 |" in text and "800–1,000 over 3 rows" in text
    assert "make bench" in text and "60 MiB" in text


def test_report_says_met_when_every_figure_is_within_target():
    fast = {"cold": 4, "changed": 4, "hit": 1}
    small = _size(100, home_rps=850, p50=5, queries=fast, conditional="304 to If-None-Match")
    large = _size(100_000, home_rps=800, p50=7, queries=fast, conditional="304 to If-None-Match")
    for size in (small, large):
        size.rows[2] = report.Row("badge", "/b.svg", "ok", *_figures(size.rows[1]))
        size.queries.pop("feed")

    verdicts = [ok for _target, _measured, ok in report.targets([small, large])]

    assert verdicts == [True] * 6


@pytest.mark.parametrize(
    ("page", "cold", "met"),
    [("campaign home", 6, True), ("campaign home", 7, False), ("innovation page", 5, False)],
)
def test_the_campaign_home_may_run_6_queries_on_a_miss_for_reach_and_spread(page, cold, met):
    sizes = []
    for n in (100, 100_000):
        size = _size(
            n,
            home_rps=850,
            p50=5,
            queries={"cold": 4, "changed": 4, "hit": 0},
            conditional="304 to If-None-Match",
        )
        size.queries.pop("feed")
        size.queries[page] = {"status": 200, "cold": cold, "changed": cold, "hit": 0}
        sizes.append(size)
    verdicts = {target: ok for target, _measured, ok in report.targets(sizes)}
    key = next(target for target in verdicts if target.startswith("Every public page"))
    assert verdicts[key] is met


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

    size = _size(100, home_rps=850, p50=5, queries={}, conditional="304 to If-None-Match")
    floors = report.combine([wrk.Figures(1000, 4, 8, 10000)] * 3)
    size.rows[0] = report.Row("campaign home", "/c/", "ok", combined, floors, (0.8, 1.0, 0.7))
    assert size.ratio("campaign home") == pytest.approx(0.8)  # not 900 / 1000


def _figures(row):
    return row.figures, row.floor


def _plan():
    return Plan(((100, 20), (100_000, 1500)), 5, 2, 16, 2, 3, 8, 20, 3, Path("x.md"), False)


def test_a_submission_form_not_there_yet_is_reported_not_met():
    fast = {"cold": 1, "changed": 1, "hit": 1}
    sizes = [
        _size(n, home_rps=900, p50=5, queries=fast, conditional="304", saved=0, missing=why)
        for n, why in ((100, "no form on the page"), (100_000, "missing (404)"))
    ]

    (measured, ok) = next(
        (m, ok) for t, m, ok in report.targets(sizes) if t.startswith("Submissions")
    )

    assert measured == "no form on the page, missing (404)" and ok is False
    assert "| 100 | no form on the page |" in report.markdown(sizes, {}, _plan(), seconds=1)
