"""`make bench`: the site against Django's own floor, at 100 and 100,000 innovations.

    .venv/bin/python -m bench.run            # full run, writes docs/performance.md (~6 min)
    .venv/bin/python -m bench.run --quick    # smoke run (~2 min), writes a temporary file

Steps: install wrk if missing; recreate the PostgreSQL database `in140_bench`; flush
Redis DB 5 (the cache); migrate and collectstatic with production settings; then
for each size: load synthetic data, count SQL queries per page (bench/probe.py),
start gunicorn, check conditional GET, drive each page with wrk, drive a stream of
submissions, read each worker's peak memory, stop gunicorn. Everything started is
stopped at the end, on error too.
"""

import argparse
import http.client
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import report, stack, submissions, wrk
from bench.pages import BARE_PATH, conditional, measured


@dataclass(frozen=True)
class Plan:
    sizes: tuple  # ((innovations, organisations), ...)
    seconds: int
    warmup_seconds: int
    connections: int
    threads: int
    workers: int
    submit_clients: int
    submit_seconds: int
    rounds: int
    output: Path
    quick: bool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (~2 minutes)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (2–4)")
    parser.add_argument("--output", type=Path, help="where to write the Markdown report")
    parser.add_argument("--keep-db", action="store_true", help="keep in140_bench afterwards")
    args = parser.parse_args(argv)
    quick = args.quick
    default_output = (
        Path(tempfile.gettempdir()) / "140in140-bench-quick.md"
        if quick
        else stack.ROOT / "docs" / "performance.md"
    )
    plan = Plan(
        sizes=((100, 20), (100_000, 1_500)),
        seconds=2 if quick else 4,
        rounds=2 if quick else 5,
        warmup_seconds=1 if quick else 2,
        connections=16,
        threads=2,
        workers=args.workers,
        submit_clients=8,
        submit_seconds=5 if quick else 20,
        output=args.output or default_output,
        quick=quick,
    )
    return plan, args.keep_db


def url_status(path):
    conn = http.client.HTTPConnection(stack.HOST, stack.PORT, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def drive(path, plan, *, warm_up=True):
    url = stack.BASE_URL + path
    if warm_up:
        wrk.run(
            url, seconds=plan.warmup_seconds, connections=plan.connections, threads=plan.threads
        )
    return wrk.run(url, seconds=plan.seconds, connections=plan.connections, threads=plan.threads)


def measure_page(label, path, plan):
    """One row: the page's wrk figures, each run paired with a run of the bare view just before.

    The pairs alternate `plan.rounds` times and the row's ratio is the median round's:
    on a machine whose load changes during the run, one pair alone can be off by a
    fifth either way. A page that is not there yet (404) or fails is recorded as such.
    """
    status = url_status(path)
    if status != 200:
        outcome = "missing (404)" if status == 404 else f"answered {status}"
        print(f"  {label:<18} {outcome}", flush=True)
        return report.Row(label, path, outcome, None)
    floors, runs = [], []
    for round_number in range(plan.rounds):
        floors.append(drive(BARE_PATH, plan, warm_up=round_number == 0))
        runs.append(drive(path, plan, warm_up=round_number == 0))
    ratios = tuple(
        run.requests_per_second / floor.requests_per_second
        for run, floor in zip(runs, floors, strict=True)
    )
    row = report.Row(label, path, "ok", report.combine(runs), report.combine(floors), ratios)
    f = row.figures
    print(
        f"  {label:<18} {f.requests_per_second:8.0f} req/s  p50 {f.p50_ms:6.1f} ms"
        f"  p99 {f.p99_ms:6.1f} ms  {f.errors or ''}"
        f"  ratios {' '.join(f'{r:.2f}' for r in ratios)}",
        flush=True,
    )
    return row


def check_conditional(path):
    """Does the page send a validator and answer 304 when it is sent back?"""
    conn = http.client.HTTPConnection(stack.HOST, stack.PORT, timeout=10)
    try:
        conn.request("GET", path)
        first = conn.getresponse()
        first.read()
        if first.status == 404:
            return "missing (404)"
        etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
        if not (etag or modified):
            return f"{first.status}, no ETag or Last-Modified"
        headers = {"If-None-Match": etag} if etag else {"If-Modified-Since": modified}
        conn.close()
        conn.request("GET", path, headers=headers)
        second = conn.getresponse()
        second.read()
        validator = "ETag" if etag else "Last-Modified"
        return (
            f"{second.status} to {'If-None-Match' if etag else 'If-Modified-Since'} ({validator})"
        )
    finally:
        conn.close()


def probe(env, slug):
    result = subprocess.run(
        [sys.executable, "-m", "bench.probe", slug],
        cwd=stack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.probe failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def analyse_database():
    """What autovacuum would do soon after a big load: fresh planner statistics."""
    url = f"postgresql://postgres@127.0.0.1:5432/{stack.DB_NAME}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def saved_in_database(slug, marker):
    url = f"postgresql://postgres@127.0.0.1:5432/{stack.DB_NAME}"
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM innovations_innovation i "
            "JOIN campaign_campaign c ON c.id = i.campaign_id "
            "WHERE c.slug = %s AND i.title LIKE %s",
            (slug, marker + "%"),
        ).fetchone()
    return row[0]


def measure_size(env, plan, innovations, organisations, log_path):
    slug = f"bench-{innovations}"
    print(f"== {innovations:,} innovations from {organisations:,} organisations", flush=True)
    started = time.monotonic()
    loaded = stack.manage(
        env,
        "load_synthetic",
        f"--innovations={innovations}",
        f"--organisations={organisations}",
        f"--campaign={slug}",
        timeout=900,
    )
    load_seconds = time.monotonic() - started
    print("  " + loaded.strip(), flush=True)
    analyse_database()
    found = probe(env, slug)
    with stack.gunicorn(env, workers=plan.workers, log_path=log_path) as server:
        checks = [(label, check_conditional(path)) for label, path in conditional(slug)]
        rows = [
            measure_page(label, path, plan)
            for label, path in measured(slug, found["innovation_id"])
        ]
        submitted = submissions.drive(
            stack.HOST,
            stack.PORT,
            f"/campaigns/{slug}/submit/",
            organisations=found["organisation_names"],
            clients=plan.submit_clients,
            seconds=plan.submit_seconds,
        )
        print(f"  submissions: {submitted}", flush=True)
        peak = [stack.peak_rss_mib(pid) for pid in stack.worker_pids(server.pid)]
    return report.SizeResult(
        innovations=innovations,
        organisations=organisations,
        load_seconds=load_seconds,
        rows=rows,
        queries=found["queries"],
        conditional=checks,
        submissions=submitted,
        submissions_in_db=saved_in_database(slug, submissions.TITLE_MARKER),
        peak_rss_mib=[p for p in peak if p is not None],
    )


def main(argv=None):
    plan, keep_db = parse_args(argv)
    started = time.monotonic()
    load_before = ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    stack.ensure_wrk()
    env = stack.server_env()
    log_path = Path(tempfile.gettempdir()) / "140in140-bench-gunicorn.log"
    log_path.write_text("")
    results = []
    static_root = stack.ROOT / "staticfiles"
    collected_here = not static_root.exists()
    try:
        stack.recreate_database()
        stack.flush_cache()
        stack.manage(env, "migrate", "--noinput")
        stack.manage(env, "collectstatic", "--noinput")
        for innovations, organisations in plan.sizes:
            results.append(measure_size(env, plan, innovations, organisations, log_path))
        machine = report.describe_machine(plan, load_before=load_before)
    finally:
        if not keep_db:
            stack.drop_database()
        stack.flush_cache()
        if collected_here:
            shutil.rmtree(static_root, ignore_errors=True)
    text = report.markdown(results, machine, plan, seconds=time.monotonic() - started)
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    plan.output.write_text(text)
    print()
    print(text)
    print(f"Written to {plan.output} in {time.monotonic() - started:.0f}s.")


if __name__ == "__main__":
    main()
