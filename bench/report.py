"""The figures as Markdown (docs/performance.md), with each issue-8 target met or not."""

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import django
import gunicorn
import psycopg
import redis

from bench import stack, wrk
from bench.pages import BARE_PATH
from bench.probe import REBUILD_REPEATS

COMMAND = "make bench  # = .venv/bin/python -m bench.run"
CACHED_PAGES = ("campaign home", "list, first page", "badge")
# SQL queries a page may run on a miss: 4, and the campaign home 6 (it also shows reach and
# spread, one aggregate each, issue 16). Constant in size either way.
MISS_QUERIES = {"campaign home": 6}
SIZED_PAGES = ("campaign home", "list, first page", "innovation page", "badge")


@dataclass
class Row:
    label: str
    path: str
    outcome: str  # "ok", "missing (404)", "answered 500"…
    figures: object  # wrk.Figures or None (over every round)
    floor: object = None  # the bare view's wrk.Figures, measured just before this page
    ratios: tuple = ()  # page ÷ bare view's requests/s, in each round


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
class SizeResult:
    innovations: int
    organisations: int
    load_seconds: float
    rows: list
    queries: dict
    conditional: list
    submissions: object
    submissions_in_db: int
    peak_rss_mib: list

    def floors(self):
        return [row.floor for row in self.rows if row.floor]

    def bare_row(self):
        """The bare view: the mean of its runs (one before each page) at this size."""
        runs = self.floors()
        if not runs:
            return Row("bare view", BARE_PATH, "not measured", None)
        mean = combine(runs)
        return Row("bare view", BARE_PATH, "ok", mean, mean)

    def row(self, label):
        if label == "bare view":
            return self.bare_row()
        return next((row for row in self.rows if row.label == label), None)

    def ratio(self, label):
        """The page's requests/s ÷ the bare view's measured just before it: the median round's."""
        row = self.row(label)
        if not (row and row.figures and row.floor):
            return None
        if row.ratios:
            return statistics.median(row.ratios)
        return row.figures.requests_per_second / row.floor.requests_per_second


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
        "Load average before the run (1, 5, 15 min)": load_before,
        "Load": (
            f"{wrk_version}: -t{plan.threads} -c{plan.connections} -d{plan.seconds}s, "
            f"{plan.rounds} rounds per page, each after a run of the bare view "
            f"(and {plan.warmup_seconds}s of warm-up before the first), on the same machine"
        ),
    }


def _ms(value):
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def _verdict(ok):
    return {True: "**met**", False: "**not met**", None: "not measured"}[ok]


def throughput_table(results):
    lines = [
        "| Page | Innovations | Requests/s | p50 ms | p99 ms | × bare view | Bare view req/s beside it | Errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for size in results:
        runs = [f.requests_per_second for f in size.floors()]
        spread = f"{min(runs):,.0f}–{max(runs):,.0f} over {len(runs)} rows" if runs else "–"
        for row in [size.bare_row(), *size.rows]:
            if row.figures is None:
                lines.append(
                    f"| {row.label} | {size.innovations:,} | {row.outcome} | – | – | – | – | – |"
                )
                continue
            f = row.figures
            beside = spread if row.path == BARE_PATH else f"{row.floor.requests_per_second:,.0f}"
            errors = ", ".join(f"{k} {v}" for k, v in f.errors.items()) or "0"
            lines.append(
                f"| {row.label} | {size.innovations:,} | {f.requests_per_second:,.0f} | "
                f"{_ms(f.p50_ms)} | {_ms(f.p99_ms)} | {_ratio(size.ratio(row.label))} | "
                f"{beside} | {errors} |"
            )
    return lines


def flatness(small, large, label):
    a, b = small.row(label), large.row(label)
    if not (a and b and a.figures and b.figures):
        return None
    return b.figures.p50_ms / a.figures.p50_ms


def flatness_beside_floor(small, large, label):
    """The same ratio with each p50 first divided by the bare view's p50 measured beside it."""
    a, b = small.row(label), large.row(label)
    if not (a and b and a.figures and b.figures and a.floor and b.floor):
        return None
    return (b.figures.p50_ms / b.floor.p50_ms) / (a.figures.p50_ms / a.floor.p50_ms)


def flatness_table(small, large):
    lines = [
        f"| Page | p50 at {small.innovations:,} | p50 at {large.innovations:,} | "
        "ratio (target ≤ 1.5) | ratio of p50 ÷ bare view's p50 beside it |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in [small.bare_row(), *small.rows]:
        other = large.row(row.label)
        lines.append(
            f"| {row.label} | {_ms(row.figures.p50_ms) if row.figures else row.outcome} | "
            f"{_ms(other.figures.p50_ms) if other and other.figures else '–'} | "
            f"{_ratio(flatness(small, large, row.label))} | "
            f"{_ratio(flatness_beside_floor(small, large, row.label))} |"
        )
    return lines


def queries_table(results):
    header = "| Page |" + "".join(
        f" cold {s.innovations:,} | after a change {s.innovations:,} | hit {s.innovations:,} |"
        for s in results
    )
    lines = [header, "| --- |" + " ---: | ---: | ---: |" * len(results)]
    for label in results[0].queries:
        cells = []
        for size in results:
            q = size.queries.get(label, {})
            if q.get("status") != 200:
                cells += [f"answered {q.get('status')}", "–", "–"]
            else:
                cells += [str(q["cold"]), str(q["changed"]), str(q["hit"])]
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


def conditional_table(results):
    lines = ["| Page |" + "".join(f" {s.innovations:,} |" for s in results)]
    lines.append("| --- |" + " --- |" * len(results))
    for i, (label, _) in enumerate(results[0].conditional):
        lines.append(f"| {label} | " + " | ".join(s.conditional[i][1] for s in results) + " |")
    return lines


def submissions_table(results):
    lines = [
        "| Innovations | Saved (303) | Per second | POST p50 ms | POST p99 ms | Errors | Rows in the database |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for size in results:
        s = size.submissions
        if s.missing:
            lines.append(f"| {size.innovations:,} | {s.missing} | – | – | – | – | – |")
            continue
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(s.errors.items())) or "0"
        lines.append(
            f"| {size.innovations:,} | {s.saved:,} | {s.per_second:.1f} | {_ms(s.post_p50_ms)} | "
            f"{_ms(s.post_p99_ms)} | {errors} | {size.submissions_in_db:,} |"
        )
    return lines


def targets(results):
    """(target, what was measured, met?) for every target of issue 8."""
    small, large = results[0], results[-1]
    out = []
    ratios = {(label, s.innovations): s.ratio(label) for s in results for label in CACHED_PAGES}
    shown = ", ".join(
        f"{label} {n:,}: {_ratio(r) if r is not None else 'missing'}"
        for (label, n), r in ratios.items()
    )
    out.append(
        (
            "Home, list, badge ≥ 0.8× the bare view's requests/s at both sizes",
            shown,
            all(r is not None and r >= 0.8 for r in ratios.values()),
        )
    )
    flat = {label: flatness(small, large, label) for label in SIZED_PAGES}
    out.append(
        (
            "Each page's p50 at 100,000 ≤ 1.5× its p50 at 100",
            ", ".join(f"{k}: {_ratio(v) if v else 'missing'}" for k, v in flat.items()),
            all(v is not None and v <= 1.5 for v in flat.values()),
        )
    )
    worst = {"cold": 0, "changed": 0, "hit": 0}
    complete, constant, within = True, True, True
    for label in small.queries:
        counts = [s.queries.get(label, {}) for s in results]
        if any(c.get("status") != 200 for c in counts):
            complete = False
            continue
        for key in worst:
            worst[key] = max(worst[key], *(c[key] for c in counts))
        constant &= len({c["cold"] for c in counts}) == 1
        budget = MISS_QUERIES.get(label, 4)
        within &= all(c["cold"] <= budget and c["changed"] <= budget for c in counts)
    out.append(
        (
            "Every public page ≤ 4 SQL queries on a miss (the campaign home 6), constant in size; "
            "≤ 1 on a hit",
            f"worst: {worst['cold']} cold, {worst['changed']} after a change, {worst['hit']} on a hit; "
            f"{'constant' if constant else 'NOT constant'} in size"
            + ("" if complete else "; some pages missing"),
            complete and constant and within and worst["hit"] <= 1,
        )
    )
    answers = [answer for s in results for _, answer in s.conditional]
    out.append(
        (
            "Tally, list, feed, badge send ETag/Last-Modified and answer 304",
            f"{sum(a.startswith('304') for a in answers)} of {len(answers)} answered 304",
            all(a.startswith("304") for a in answers),
        )
    )
    subs = [s.submissions for s in results]
    out.append(
        (
            "Submissions: the rate one PostgreSQL sustains with 0 errors",
            ", ".join(
                s.missing or f"{s.per_second:.1f}/s, {sum(s.errors.values())} errors" for s in subs
            ),
            all(
                not s.missing and s.saved > 0 and not s.errors and size.submissions_in_db == s.saved
                for s, size in zip(subs, results, strict=True)
            ),
        )
    )
    peak = large.peak_rss_mib
    out.append(
        (
            f"Peak memory per gunicorn worker at {large.innovations:,} reported",
            ", ".join(f"{p:.0f} MiB" for p in peak) or "not read",
            bool(peak) or None,
        )
    )
    return out


def markdown(results, machine, plan, *, seconds):
    small, large = results[0], results[-1]
    parts = [
        "# Performance",
        "",
        "Figures from one run of the benchmark"
        + (" (**--quick smoke run: short durations, not for publishing**)" if plan.quick else "")
        + f", which took {seconds / 60:.1f} minutes. Reproduce with:",
        "",
        "```sh",
        COMMAND + (" --quick" if plan.quick else ""),
        "```",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in machine.items()],
        "",
        "## Targets",
        "",
        "| Target | Measured | Result |",
        "| --- | --- | --- |",
        *[f"| {t} | {m} | {_verdict(ok)} |" for t, m, ok in targets(results)],
        "",
        "## What a cache hit costs",
        "",
        "A public page is rendered once per change and stored in Redis with the campaign's "
        "version. Every change (`campaign.freshness.mark_changed`) moves the version and publishes "
        "a message on a Redis channel in one Lua script; each gunicorn worker listens on that "
        "channel in a thread and, while subscribed, serves pages from its own memory: a hit runs "
        "no SQL and makes no round trip to Redis. The hit is answered by "
        "`campaign.middleware.CachedPageMiddleware`, after the request-id, security and CSP "
        "middleware and before the per-visitor middleware (session, user, CSRF, messages, "
        "history, lockouts), which a page that is the same for everyone does not need; the bare "
        "view still goes through all of it. When a worker is not subscribed it reads the "
        "version and the page in one MGET. "
        "`tests/test_fault_redis_workers.py` checks on three real workers that a change made "
        "elsewhere is shown by all of them within moments.",
        "",
        "## Requests per second and latency",
        "",
        "The bare view is a Django view returning a constant response through the whole "
        "middleware stack (`config/bench_urls.py`): the framework's floor. The static file "
        "is served by WhiteNoise: the stack's limit. Every other row alternates runs of the bare "
        "view and of the page; its ratio is the median of the rounds' ratios (the machine's load "
        "changes during the run), its requests/s the mean of its runs, its p50 and p99 the "
        "medians. The bare view's own row is the mean of every one of its runs, with the range "
        "of the rows' means beside it.",
        "",
        *throughput_table(results),
        "",
        "## Cost with size",
        "",
        "The target compares raw p50s. The last column divides each p50 by the bare view's p50 "
        "measured just before it, which cancels most of the machine's changing load: if the two "
        "ratios disagree, the machine was busy and the run should be repeated on a quiet one.",
        "",
        *flatness_table(small, large),
        "",
        "## SQL queries per page",
        "",
        "Counted in a Django process with the bench settings (`bench/probe.py`, Django's test "
        "client and `CaptureQueriesContext`): cold = after clearing the cache; after a change = "
        "after `campaign.freshness.mark_changed` (what a submission does); hit = the same request again.",
        "",
        *queries_table(results),
        "",
        "## What a page costs after a change",
        "",
        "A hit is served from memory; after a change (a submission, a moderation, a merge) the "
        "first request builds the page again. Measured in the same probe: the median of "
        f"{REBUILD_REPEATS} requests, each just after `mark_changed`, in one Django process "
        "with nothing else running, and the page's size. Pages hold whole organisations up to "
        "a budget of innovations; only an organisation bigger than a page is spread over pages, "
        "so the heaviest list page weighs about what the first does.",
        "",
        *rebuild_table(results),
        "",
        "## Conditional GET",
        "",
        "A GET, then the same GET sending back the validator it gave.",
        "",
        *conditional_table(results),
        "",
        "## Submissions",
        "",
        f"{plan.submit_clients} concurrent clients for {plan.submit_seconds}s, each GETs the form "
        "(CSRF cookie, every hidden input) and POSTs one innovation; a 303 is a saved submission. "
        "The per-IP rate limit is off (`SUBMISSION_RATE_LIMIT=0`): every request comes from 127.0.0.1.",
        "",
        *submissions_table(results),
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
        "(`SECURE_SSL_REDIRECT=0`, cookies without `Secure`), PostgreSQL on 127.0.0.1, "
        "Redis DB 5 as the cache, `VACUUM ANALYZE` after each load.",
        "",
    ]
    return "\n".join(parts)
