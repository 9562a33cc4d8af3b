"""The figures as Markdown (docs/performance.md), with each issue-12 target met or not."""

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import django
import gunicorn
import psycopg
import redis

from bench import stack, wrk
from bench.probe import REBUILD_REPEATS

COMMAND = "make bench  # = .venv/bin/python -m bench.run"
# Targets of issue 12.
NGINX_RATIO = 0.8  # a page through nginx ÷ a static file of its size through the same nginx
GUNICORN_RATIO = 0.5  # a cached page straight from gunicorn ÷ the bare view
RUSH_READ_RATIO = 0.7  # readers during the rush ÷ the same readers alone
RUSH_P99_MS = 25.0
TALLY_WITHIN_S = 2.0
MISS_QUERIES = 4
REBUILD_MS = 50.0
REBUILD_AT = 100_000


@dataclass
class Row:
    label: str
    path: str
    outcome: str  # "ok", "missing (404)", "answered 500"…
    figures: object  # wrk.Figures or None (over every round)
    floor: object = None  # what it is compared with, measured just before it (wrk.Figures)
    ratios: tuple = ()  # page ÷ floor's requests/s, in each round
    floor_path: str = ""
    bytes: int = 0

    @property
    def ratio(self):
        """The median round's ratio (or of the means, with no rounds)."""
        if not (self.figures and self.floor):
            return None
        if self.ratios:
            return statistics.median(self.ratios)
        return self.figures.requests_per_second / self.floor.requests_per_second


def combine(runs):
    """One wrk.Figures for several runs: mean requests/s, median p50 and p99, errors summed."""
    errors = {}
    for run in runs:
        for kind, count in run.errors.items():
            errors[kind] = errors.get(kind, 0) + count
    return wrk.Figures(
        requests_per_second=statistics.fmean(r.requests_per_second for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        requests=sum(r.requests for r in runs),
        errors=errors,
    )


@dataclass
class Rush:
    """The deadline rush: readers of the campaign home through nginx while people submit."""

    quiet: object  # wrk.Figures: the same read with no writes (before and after)
    busy: object  # wrk.Figures during the submissions, or None
    submissions: object  # submissions.Result
    in_database: int  # the rush's submissions found in the database
    tally_database: int  # the tally by the database after the last submission
    tally_seen: int | None  # what nginx showed last
    tally_delay_s: float | None  # seconds from the last 303 until nginx showed it; None: never

    @property
    def read_ratio(self):
        if not (self.busy and self.quiet):
            return None
        return self.busy.requests_per_second / self.quiet.requests_per_second

    def describe(self):
        s = self.submissions
        if s.missing:
            return s.missing
        delay = "never" if self.tally_delay_s is None else f"{self.tally_delay_s:.2f}s"
        busy = self.busy.requests_per_second if self.busy else 0
        p99 = self.busy.p99_ms if self.busy else 0
        return (
            f"read {busy:,.0f} req/s (alone {self.quiet.requests_per_second:,.0f}), p99 {p99:.1f} ms; "
            f"{s.saved}/{s.started} saved at {s.per_second:.1f}/s, {s.failed} failed, "
            f"{self.in_database} in the database; tally {self.tally_seen} of {self.tally_database} after {delay}"
        )


@dataclass
class SizeResult:
    innovations: int
    organisations: int
    load_seconds: float
    nginx_rows: list
    gunicorn_rows: list
    queries: dict
    conditional: list
    rush: object
    peak_rss_mib: list = field(default_factory=list)
    aggregates: dict = field(default_factory=dict)  # bench/aggregates.py


def _first_line(path, prefix):
    for line in Path(path).read_text().splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip()
    return "unknown"


def describe_machine(plan, *, load_before):
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{stack.DB_NAME}") as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(stack.REDIS_URL).info("server")["redis_version"]
    wrk_version = subprocess.run(
        ["wrk", "-v"], capture_output=True, text=True, check=False, timeout=10
    ).stdout.split(" [")[0]
    memory_kib = int(_first_line("/proc/meminfo", "MemTotal").split()[0])
    now = datetime.now(UTC)
    return {
        "Date": f"{now:%Y-%m-%d %H:%M} UTC ({now.astimezone(ZoneInfo('Europe/London')):%-d %B %Y})",
        "CPU": f"{os.cpu_count()} × {_first_line('/proc/cpuinfo', 'model name')}",
        "Memory": f"{memory_kib / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": postgres,
        "Redis": redis_version,
        "gunicorn": (
            f"{gunicorn.__version__}, {plan.workers} sync workers, 127.0.0.1:{stack.PORT}, "
            "the rest from gunicorn.conf.py (app preloaded, a worker replaced after ~20,000 requests)"
        ),
        "nginx": (
            f"{_nginx_version()} (Debian), deploy/nginx/default.conf.template rendered by "
            f"envsubst, 127.0.0.1:{stack.NGINX_PORT}, worker_processes auto, access log off"
        ),
        "Load average before the run (1, 5, 15 min)": load_before,
        "Load": (
            f"{wrk_version}: -t{plan.threads} -c{plan.connections} -d{plan.seconds}s, "
            f"{plan.rounds} rounds per page, each after a run of what it is compared with "
            f"(and {plan.warmup_seconds}s of warm-up before the first), on the same machine"
        ),
    }


def _nginx_version():
    result = subprocess.run(
        [stack.NGINX, "-v"], capture_output=True, text=True, check=False, timeout=10
    )
    return result.stderr.strip().removeprefix("nginx version: ") or "unknown"


def _ms(value):
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def _verdict(ok):
    return {True: "**met**", False: "**not met**", None: "not measured"}[ok]


def _errors(figures):
    return ", ".join(f"{k} {v}" for k, v in figures.errors.items()) or "0"


def pairs_table(results, attribute, floor_label):
    lines = [
        f"| Page | Innovations | KB | Requests/s | p50 ms | p99 ms | {floor_label} req/s | "
        "× it (median round) | Errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for size in results:
        for row in getattr(size, attribute):
            if row.figures is None:
                lines.append(
                    f"| {row.label} | {size.innovations:,} | – | {row.outcome} | – | – | – | – | – |"
                )
                continue
            f = row.figures
            lines.append(
                f"| {row.label} | {size.innovations:,} | {row.bytes / 1024:.1f} | "
                f"{f.requests_per_second:,.0f} | {_ms(f.p50_ms)} | {_ms(f.p99_ms)} | "
                f"{row.floor.requests_per_second:,.0f} | {_ratio(row.ratio)} | {_errors(f)} |"
            )
    return lines


def rush_table(results):
    lines = [
        "| Innovations | Read alone req/s | Read in the rush req/s | × alone | p99 in the rush ms "
        "| Submissions saved / begun | Per second | Failed | In the database | Form GET p50 / p99 ms "
        "| POST p50 / p99 ms | Tally through nginx after the last |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for size in results:
        r, s = size.rush, size.rush.submissions
        if s.missing or r.busy is None:
            lines.append(f"| {size.innovations:,} | {s.missing or 'not measured'} |" + " – |" * 10)
            continue
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(s.errors.items())) or "0"
        tally = (
            f"{r.tally_seen:,} = database after {r.tally_delay_s:.2f}s"
            if r.tally_delay_s is not None
            else f"{r.tally_seen} ≠ {r.tally_database:,} after 10s"
        )
        lines.append(
            f"| {size.innovations:,} | {r.quiet.requests_per_second:,.0f} | "
            f"{r.busy.requests_per_second:,.0f} | {_ratio(r.read_ratio)} | {_ms(r.busy.p99_ms)} | "
            f"{s.saved:,} / {s.started:,} | {s.per_second:.1f} | {errors} | {r.in_database:,} | "
            f"{_ms(s.form_p50_ms)} / {_ms(s.form_p99_ms)} | {_ms(s.post_p50_ms)} / {_ms(s.post_p99_ms)} | "
            f"{tally} |"
        )
    return lines


def queries_table(results):
    header = "| Page |" + "".join(
        f" empty cache {s.innovations:,} | after a submission {s.innovations:,} |"
        f" after another change {s.innovations:,} | hit {s.innovations:,} |"
        for s in results
    )
    lines = [header, "| --- |" + " ---: | ---: | ---: | ---: |" * len(results)]
    for label in results[0].queries:
        cells = []
        for size in results:
            q = size.queries.get(label, {})
            if q.get("status") != 200:
                cells += [f"answered {q.get('status')}", "–", "–", "–"]
            else:
                cells += [
                    str(q["cold"]),
                    str(q["changed"]),
                    str(q.get("other", "–")),
                    str(q["hit"]),
                ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def rebuild_table(results):
    """What building each page costs after a change (a cache miss), at each size."""
    header = "| Page |" + "".join(
        f" ms at {s.innovations:,} | KB at {s.innovations:,} |" for s in results
    )
    lines = [header, "| --- |" + " ---: | ---: |" * len(results)]
    for label in results[0].queries:
        cells = []
        for size in results:
            q = size.queries.get(label, {})
            if q.get("status") != 200 or "rebuild_ms" not in q:
                cells += ["–", "–"]
            else:
                cells += [_ms(q["rebuild_ms"]), f"{q['bytes'] / 1024:.0f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def aggregates_table(results):
    sized = [s for s in results if s.aggregates]
    if not sized:
        return ["Not measured (PostgreSQL only)."]
    approaches = list(sized[0].aggregates)
    lines = [
        "| Aggregate | Innovations | " + " | ".join(f"{a} ms" for a in approaches) + " |",
        "| --- | ---: |" + " ---: |" * len(approaches),
    ]
    for size in sized:
        for what, label in (
            ("tally", "tally (innovations, organisations)"),
            ("hours", "per hour (chart)"),
        ):
            cells = []
            for approach in approaches:
                found = size.aggregates[approach][what]
                cells.append(_ms(found["ms"]) + (" (index only)" if found["index_only"] else ""))
            lines.append(f"| {label} | {size.innovations:,} | " + " | ".join(cells) + " |")
    return lines


def conditional_table(results):
    lines = ["| Page |" + "".join(f" {s.innovations:,} |" for s in results)]
    lines.append("| --- |" + " --- |" * len(results))
    for i, (label, _) in enumerate(results[0].conditional):
        lines.append(f"| {label} | " + " | ".join(s.conditional[i][1] for s in results) + " |")
    return lines


def _ratios_target(results, attribute, least):
    found = {
        (row.label, s.innovations): row.ratio for s in results for row in getattr(s, attribute)
    }
    shown = ", ".join(
        f"{label} {n:,}: {_ratio(r) if r is not None else 'missing'}"
        for (label, n), r in found.items()
    )
    return shown, bool(found) and all(r is not None and r >= least for r in found.values())


def targets(results):
    """(target, what was measured, met?) for every target of issue 12."""
    out = []
    shown, ok = _ratios_target(results, "nginx_rows", NGINX_RATIO)
    out.append(
        (
            f"Through nginx: home, list, innovation page, badge ≥ {NGINX_RATIO}× a static file "
            "of the same size (same nginx, same run), at both sizes",
            shown,
            ok,
        )
    )
    rushes = [(s.innovations, s.rush) for s in results]

    def each(describe, judge):
        shown = ", ".join(f"{n:,}: {describe(r)}" for n, r in rushes)
        return shown, all(not r.submissions.missing and r.busy and judge(r) for _, r in rushes)

    out.append(
        (
            f"Deadline rush: readers ≥ {RUSH_READ_RATIO}× the same read without writes",
            *each(lambda r: _ratio(r.read_ratio), lambda r: r.read_ratio >= RUSH_READ_RATIO),
        )
    )
    out.append(
        (
            f"Deadline rush: read p99 ≤ {RUSH_P99_MS:.0f} ms",
            *each(
                lambda r: f"{_ms(r.busy.p99_ms) if r.busy else '–'} ms",
                lambda r: r.busy.p99_ms <= RUSH_P99_MS,
            ),
        )
    )
    out.append(
        (
            "Deadline rush: submissions at 20 a second (form GET, POST), 0 failed",
            *each(
                lambda r: (
                    r.submissions.missing
                    or f"{r.submissions.saved}/{r.submissions.started} at "
                    f"{r.submissions.per_second:.1f}/s, {r.submissions.failed} failed"
                ),
                lambda r: (
                    r.submissions.failed == 0
                    and r.submissions.saved == r.submissions.started > 0
                    and r.submissions.per_second >= 0.95 * r.submissions.rate
                ),
            ),
        )
    )
    out.append(
        (
            "Deadline rush: every accepted submission in the database",
            *each(
                lambda r: f"{r.in_database} of {r.submissions.saved}",
                lambda r: r.in_database == r.submissions.saved,
            ),
        )
    )
    out.append(
        (
            f"Deadline rush: the tally through nginx equals the database's within "
            f"{TALLY_WITHIN_S:.0f} s of the last submission",
            *each(
                lambda r: "never (10 s)" if r.tally_delay_s is None else f"{r.tally_delay_s:.2f} s",
                lambda r: r.tally_delay_s is not None and r.tally_delay_s <= TALLY_WITHIN_S,
            ),
        )
    )
    shown, ok = _ratios_target(results, "gunicorn_rows", GUNICORN_RATIO)
    out.append(
        (
            f"Straight to gunicorn: a cached page ≥ {GUNICORN_RATIO}× the bare view",
            shown,
            ok,
        )
    )
    worst, complete = {"cold": 0, "changed": 0, "other": 0}, True
    for size in results:
        for q in size.queries.values():
            if q.get("status") != 200:
                complete = False
                continue
            for when in worst:
                worst[when] = max(worst[when], q.get(when, q["changed"]))
    out.append(
        (
            f"Straight to gunicorn: a miss ≤ {MISS_QUERIES} SQL queries (every public page: "
            "on an empty cache, after a submission, after any other change)",
            f"worst: {max(worst.values())} (empty cache {worst['cold']}, after a submission "
            f"{worst['changed']}, after another change {worst['other']})"
            + ("" if complete else "; some pages missing"),
            complete and max(worst.values()) <= MISS_QUERIES,
        )
    )
    large = next((s for s in results if s.innovations == REBUILD_AT), None)
    if large is None:
        out.append(
            (f"Each public page built after a change ≤ {REBUILD_MS:.0f} ms", "not measured", None)
        )
    else:
        built = {label: q.get("rebuild_ms") for label, q in large.queries.items()}
        slowest = max(built.items(), key=lambda item: item[1] or 0, default=("–", None))
        out.append(
            (
                f"Building each public page after a change at {REBUILD_AT:,} innovations "
                f"≤ {REBUILD_MS:.0f} ms",
                f"slowest: {slowest[0]} {_ms(slowest[1])} ms",
                bool(built) and all(ms is not None and ms <= REBUILD_MS for ms in built.values()),
            )
        )
    return out


def markdown(results, machine, plan, *, seconds):
    parts = [
        "# Performance",
        "",
        "Figures from one run of the benchmark"
        + (" (**--quick smoke run: short durations, not for publishing**)" if plan.quick else "")
        + f", which took {seconds / 60:.1f} minutes. Reproduce with:",
        "",
        "```sh",
        COMMAND + (" BENCH_ARGS=--quick" if plan.quick else ""),
        "```",
        "",
        "Every target is a ratio of two things measured side by side in the same run, or a "
        "count, or a time: on a machine with other work running (see the load average "
        "below), absolute requests/s move a lot from run to run; the ratios much less.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        "",
        "## Targets (issue 12)",
        "",
        "| Target | Measured | Result |",
        "| --- | --- | --- |",
        *[f"| {t} | {m} | {_verdict(ok)} |" for t, m, ok in targets(results)],
        "",
        "## How a page is served",
        "",
        "nginx (deploy/nginx/default.conf.template) keeps a public page for the seconds its "
        "`Cache-Control: public, max-age=0, s-maxage=N` allows (`PUBLIC_CACHE_SECONDS`, 1 by "
        "default), asks gunicorn again with its ETag when the copy is older, and meanwhile "
        "serves the old copy to everyone else (`proxy_cache_use_stale updating`, "
        "`proxy_cache_background_update`). Behind it, Django keeps each page whole in Redis "
        "under the content version (`core.caching.public_page`); a change "
        "(`core.caching.mark_changed`) moves the version. Building a page after a change "
        "reads the counts kept per organisation and per hour (`innovations/counts.py`), not "
        "every innovation.",
        "",
        "## Through nginx, beside a static file of the same size",
        "",
        "Each page is fetched through nginx once, its bytes written under the bench's "
        "STATIC_ROOT, and that file served by the same nginx (`location /static/`) stands "
        "for the fastest the front end can answer that many bytes. Rounds alternate file and "
        "page; the ratio is the median round's, requests/s the mean of the runs, p50 and p99 "
        "the medians. wrk sends no Accept-Encoding: neither is compressed.",
        "",
        *pairs_table(results, "nginx_rows", "Static file"),
        "",
        "## The deadline rush",
        "",
        f"wrk reads the campaign home through nginx for {plan.rush_seconds}s alone, then for "
        f"{plan.rush_seconds}s while {plan.rush_rate:.0f} submissions a second arrive through "
        f"the same nginx from {plan.rush_clients} people (each GETs the form, keeps its CSRF "
        "cookie, copies every hidden input, the one-time token included, and POSTs one "
        'innovation; a 303 is a saved submission), then alone again: "read alone" is the '
        "mean of the two quiet runs. After the last 303 the home is read through nginx every "
        "50 ms until its tally equals the database's count. The per-IP rate limit is off "
        "(`SUBMISSION_RATE_LIMIT=0`): every request comes from 127.0.0.1.",
        "",
        "On 2 cores the writes take their CPU from the readers, so the submission path is "
        "kept short: the form's blank fields, its campaign, themes, questions and list of "
        "organisations are cached under a version a new submission does not move "
        "(`core.caching.cached(..., kept_across_submissions=True)`), and its tally is at most "
        "a second old (`core.caching.recent`), so a form GET asks the database nothing but "
        "that tally once a second; a POST makes 12 queries (the campaign, the organisation, "
        "the submission, its innovation and history row, two counts, the receipt, the "
        "transaction, two jobs). The driver reads each form's hidden inputs with regular "
        "expressions (`bench/submissions.py`), so its own CPU stays small.",
        "",
        *rush_table(results),
        "",
        "## Straight to gunicorn, beside the bare view",
        "",
        "The bare view (`dev/urls.py`, `/__dev__/bare/`) returns a constant response through "
        "the whole middleware stack: the fastest page Django serves here. A cached page is a "
        "hit in Redis (one round trip for the version and the page).",
        "",
        *pairs_table(results, "gunicorn_rows", "Bare view"),
        "",
        "## SQL queries per page",
        "",
        "Counted in a Django process with the bench settings (`bench/probe.py`, Django's test "
        "client and `CaptureQueriesContext`): empty cache = after deleting the bench's cache "
        "keys (Redis restarted or flushed; a campaign's page then reads the site settings in "
        "the campaign's own query, `campaign.reading`); after a submission = after "
        "`core.caching.mark_changed(new_submission=True)`, the change a rush is made of (the "
        "campaign's row stays cached); after another change = after `mark_changed()` (a "
        "moderation, an edit); hit = the same request again.",
        "",
        *queries_table(results),
        "",
        "## What a page costs after a change",
        "",
        "Measured in the same probe: the median of "
        f"{REBUILD_REPEATS} requests, each just after a submission's `mark_changed`, in one Django process "
        "with nothing else running, and the page's size.",
        "",
        *rebuild_table(results),
        "",
        "## Counting: kept counts or an index-only plan",
        "",
        "The target for building a page after a change could be met two ways: covering "
        "indexes, so PostgreSQL counts from the index alone, or counts kept beside the "
        "innovations (`innovations/counts.py`: per campaign, organisation and status, and per "
        "campaign, UTC hour and status, updated in the transaction of every service that "
        "writes innovations with `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`). "
        "Both were measured on the bench's database (`bench/aggregates.py`, SQL only, median "
        "of 5, warm). An index-only plan still reads one index entry per innovation, so it "
        "grows with the campaign; the kept counts read one row per organisation or hour. "
        "The site uses the kept counts.",
        "",
        *aggregates_table(results),
        "",
        "## Conditional GET (straight to gunicorn)",
        "",
        "A GET, then the same GET sending back the validator it gave.",
        "",
        *conditional_table(results),
        "",
        "## Memory",
        "",
        *[
            f"- Peak resident memory (VmHWM) per gunicorn worker at {s.innovations:,} innovations: "
            + (", ".join(f"{p:.0f} MiB" for p in s.peak_rss_mib) or "not read")
            for s in results
        ],
        "",
        "## Data",
        "",
        *[
            f"- {s.innovations:,} innovations from {s.organisations:,} organisations "
            f"(`manage.py load_synthetic`, loaded in {s.load_seconds:.0f}s): ~85% approved, "
            "10% pending, 5% rejected, 1–5 per submission, spread over the hours the campaign "
            "has been open; the campaign is open, in its last hour."
            for s in results
        ],
        "- Both campaigns live in one database: the smaller is measured before the larger is loaded.",
        "- Production settings (`DJANGO_ENV=production`, DEBUG off) over plain HTTP "
        "(`SECURE_SSL_REDIRECT=0`, cookies without `Secure`), `TRUSTED_PROXY_COUNT=1`, "
        "PostgreSQL on 127.0.0.1, Redis DB 5 as the cache (the bench's own key prefix), "
        "`VACUUM ANALYZE` after each load.",
        "",
    ]
    return "\n".join(parts)
