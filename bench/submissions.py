"""Load drivers for the submission form: each submission GETs the form then POSTs it.

Each client keeps its own cookies (the CSRF cookie) and copies every hidden input
of the form (CSRF token, one-time token, formset management data) into its POST,
as a browser would. A 303 answer is a saved submission; anything else a failure.

`drive` is N clients as fast as they can; `drive_paced` starts one submission every
1/rate seconds whatever the answers take (the deadline rush), from a pool of clients.
"""

import http.client
import itertools
import queue
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode

TITLE_MARKER = "Resident-led repairs pilot "
THEMES = ["digital_inclusion", "skills_employment", "customer_insight", "health_wellbeing"]


# The driver shares the 2 cores with what it measures, so it reads the form with three
# regular expressions, not html.parser: on the form at 100,000 innovations (a list of
# 1,500 organisations) the parser took ~8 ms of CPU a submission, 0.17 of a core at 20
# a second. Django writes every attribute in double quotes and escapes `>` inside them.
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*"([^"]*)"')


def _attributes(text):
    return {name.lower(): unescape(value) for name, value in ATTRIBUTE.findall(text)}


def hidden_inputs(html):
    """The hidden inputs of the page's POST forms, by name."""
    hidden = {}
    for form, body in FORM.findall(html):
        if _attributes(form).get("method", "get").lower() != "post":
            continue
        for tag in INPUT.findall(body):
            attributes = _attributes(tag)
            if attributes.get("type", "").lower() == "hidden" and attributes.get("name"):
                hidden[attributes["name"]] = attributes.get("value", "")
    return hidden


def cookies_from(response, jar):
    """Keep name=value of every Set-Cookie (the Secure flag is ignored: local plain HTTP)."""
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def submission_fields(hidden, *, n, organisation):
    """What a person types, on top of everything hidden the form carries."""
    fields = {
        "innovations-TOTAL_FORMS": "1",
        "innovations-INITIAL_FORMS": "0",
        "innovations-MIN_NUM_FORMS": "0",
        "innovations-MAX_NUM_FORMS": "20",
        **hidden,
        "name": f"Bench Person {n}",
        "email": f"bench{n}@example.org",
        "organisation": organisation,
        "role": "Innovation lead",
        "twitter": "",
        "consent": "on",
        "innovations-0-title": f"{TITLE_MARKER}{n}",
        "innovations-0-description": "Residents book and rate repairs by text message.\n"
        "It began on one estate and now covers every home we manage.",
        "innovations-0-theme": THEMES[n % len(THEMES)],
        "innovations-0-link": "",
    }
    return fields


@dataclass
class Tally:
    saved: int = 0
    statuses: Counter = field(default_factory=Counter)
    post_ms: list = field(default_factory=list)
    form_ms: list = field(default_factory=list)
    begun_at: list = field(default_factory=list)
    last_saved_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status, elapsed_ms):
        with self.lock:
            if status == 303:
                self.saved += 1
                self.post_ms.append(elapsed_ms)
                self.last_saved_at = time.monotonic()
            else:
                self.statuses[str(status)] += 1

    def record_form(self, elapsed_ms):
        with self.lock:
            self.form_ms.append(elapsed_ms)

    def record_begun(self):
        with self.lock:
            self.begun_at.append(time.monotonic())


@dataclass
class Result:
    seconds: float
    saved: int
    errors: dict
    per_second: float
    post_p50_ms: float | None
    post_p99_ms: float | None
    missing: str = ""  # why nothing was driven: "missing (404)", "no form on the page"
    started: int = 0  # submissions begun (paced driver)
    rate: float = 0.0  # the rate asked for (paced driver)
    last_saved_at: float | None = None  # time.monotonic() of the last 303
    form_p50_ms: float | None = None  # the form's GET
    form_p99_ms: float | None = None

    @property
    def failed(self):
        return sum(self.errors.values())


def _request(conn, method, path, jar, body=None):
    headers = {"Host": f"{conn.host}:{conn.port}"}
    if jar:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    content = response.read()
    cookies_from(response, jar)
    if response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, content


def _submit_once(conn, path, jar, n, organisations, tally):
    """GET the form, POST it filled in; the answer is recorded. False if the connection broke."""
    try:
        started = time.monotonic()
        status, page = _request(conn, "GET", path, jar)
        tally.record_form((time.monotonic() - started) * 1000)
        if status != 200:
            tally.record(f"GET {status}", 0)
            return True
        fields = submission_fields(
            hidden_inputs(page.decode("utf-8", "replace")),
            n=n,
            organisation=organisations[n % len(organisations)],
        )
        started = time.monotonic()
        status, _ = _request(conn, "POST", path, jar, urlencode(fields))
        tally.record(status, (time.monotonic() - started) * 1000)
        return True
    except (OSError, http.client.HTTPException) as error:
        tally.record(type(error).__name__, 0)
        conn.close()
        return False


def _client(host, port, path, organisations, counter, tally, stop_at):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    jar = {}
    while time.monotonic() < stop_at:
        _submit_once(conn, path, jar, next(counter), organisations, tally)
    conn.close()


def _percentile(values, q):
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _check_form(host, port, path):
    """Why the form cannot be driven ("missing (404)", "no form on the page"), or ""."""
    probe = http.client.HTTPConnection(host, port, timeout=10)
    status, page = _request(probe, "GET", path, {})
    probe.close()
    if status != 200:
        return f"missing ({status})"
    if "csrfmiddlewaretoken" not in hidden_inputs(page.decode("utf-8", "replace")):
        return "no form on the page"
    return ""


def _result(tally, elapsed, **extra):
    return Result(
        seconds=elapsed,
        saved=tally.saved,
        errors=dict(tally.statuses),
        per_second=tally.saved / elapsed,
        post_p50_ms=_percentile(tally.post_ms, 50),
        post_p99_ms=_percentile(tally.post_ms, 99),
        last_saved_at=tally.last_saved_at,
        form_p50_ms=_percentile(tally.form_ms, 50),
        form_p99_ms=_percentile(tally.form_ms, 99),
        **extra,
    )


def drive(host, port, path, *, organisations, clients, seconds):
    """`clients` concurrent people submitting for `seconds`; what was saved and refused."""
    if missing := _check_form(host, port, path):
        return Result(0, 0, {}, 0.0, None, None, missing=missing)
    tally, counter = Tally(), itertools.count(1)
    started = time.monotonic()
    stop_at = started + seconds
    threads = [
        threading.Thread(
            target=_client,
            args=(host, port, path, organisations, counter, tally, stop_at),
            daemon=True,
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    return _result(tally, time.monotonic() - started)


def _paced_client(host, port, path, organisations, jobs, tally):
    conn, jar = http.client.HTTPConnection(host, port, timeout=10), {}
    while (n := jobs.get()) is not None:
        tally.record_begun()
        if not _submit_once(conn, path, jar, n, organisations, tally):
            conn = http.client.HTTPConnection(host, port, timeout=10)


def drive_paced(host, port, path, *, organisations, rate, seconds, clients=20, first=1):
    """Start a submission every 1/`rate` seconds for `seconds`, from `clients` people
    (each with its own connection and cookies); waits for the last to be answered.

    A submission not begun on time because every client is busy starts late: the
    result's `per_second` (saved ÷ the time over which they were begun) then falls
    short of `rate`, which the report shows.
    """
    if missing := _check_form(host, port, path):
        return Result(0, 0, {}, 0.0, None, None, missing=missing, rate=rate)
    tally, jobs = Tally(), queue.Queue()
    threads = [
        threading.Thread(
            target=_paced_client,
            args=(host, port, path, organisations, jobs, tally),
            daemon=True,
        )
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    count = int(rate * seconds)
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put(first + i)
    for _ in threads:
        jobs.put(None)
    for thread in threads:
        thread.join(timeout=60)
    spread = max(tally.begun_at, default=started) - started + 1 / rate
    return _result(tally, max(spread, seconds), started=count, rate=rate)
