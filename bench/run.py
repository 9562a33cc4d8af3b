"""`make bench`: the site as production runs it, nginx in front, at 100 and 100,000 innovations.

    .venv/bin/python -m bench.run            # full run, writes docs/performance.md (~15 min)
    .venv/bin/python -m bench.run --quick    # smoke run (~4 min), writes a temporary file

Steps: check wrk, nginx and envsubst (`make bench` installs them); recreate the
PostgreSQL database `in140_bench`; delete the bench's own keys in Redis DB 5; migrate
and collectstatic (into a temporary STATIC_ROOT) with production settings; then for
each size: load synthetic data, count SQL queries and time each page's rebuild
(bench/probe.py), start gunicorn (gunicorn.conf.py) and Debian's nginx from
deploy/nginx/default.conf.template in front of it, check conditional GET, drive each
page through nginx beside a static file of the same size, drive cached pages straight
to gunicorn beside the bare view, run the deadline rush (submissions at 20 a second
through nginx while wrk reads the campaign home), read each worker's peak memory,
stop both. Everything started is stopped at the end, on error too.
"""

import argparse
import http.client
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench import report, stack, submissions, wrk
from bench.pages import (
    BARE_PATH,
    SAME_SIZE_DIR,
    conditional,
    rush_paths,
    same_size_path,
    straight_to_gunicorn,
    through_nginx,
)

# The campaign home shows the tally in the badge's text alternative ("95,314 / 140").
TALLY = re.compile(rb'alt="The badge: ([\d,]+) /')


@dataclass(frozen=True)
class Plan:
    sizes: tuple  # ((innovations, organisations), ...)
    seconds: int
    warmup_seconds: int
    connections: int
    threads: int
    workers: int
    rounds: int
    rush_rate: float  # submissions a second in the deadline rush
    rush_seconds: int
    rush_clients: int
    output: Path
    quick: bool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (~4 minutes)")
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
        rounds=2 if quick else 4,
        warmup_seconds=1 if quick else 2,
        connections=16,
        threads=2,
        workers=args.workers,
        rush_rate=20.0,
        rush_seconds=5 if quick else 20,
        rush_clients=20,
        output=args.output or default_output,
        quick=quick,
    )
    return plan, args.keep_db


def fetch(base_url, path):
    """(status, body) of one GET, without cookies (as wrk sends it)."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def drive(base_url, path, plan, *, warm_up=True):
    url = base_url + path
    if warm_up:
        wrk.run(
            url, seconds=plan.warmup_seconds, connections=plan.connections, threads=plan.threads
        )
    return wrk.run(url, seconds=plan.seconds, connections=plan.connections, threads=plan.threads)


def measure_pair(label, path, floor_path, plan, *, base_url, size=None):
    """One row: the page's wrk figures, each run paired with a run of `floor_path` just before.

    The pairs alternate `plan.rounds` times and the row's ratio is the median round's:
    on a machine whose load changes during the run, one pair alone can be off by a
    fifth either way. A page that is not there yet (404) or fails is recorded as such.
    """
    status, body = fetch(base_url, path)
    if status != 200:
        outcome = "missing (404)" if status == 404 else f"answered {status}"
        print(f"  {label:<18} {outcome}", flush=True)
        return report.Row(label, path, outcome, None)
    floors, runs = [], []
    for round_number in range(plan.rounds):
        floors.append(drive(base_url, floor_path, plan, warm_up=round_number == 0))
        runs.append(drive(base_url, path, plan, warm_up=round_number == 0))
    ratios = tuple(
        run.requests_per_second / floor.requests_per_second
        for run, floor in zip(runs, floors, strict=True)
    )
    row = report.Row(
        label,
        path,
        "ok",
        report.combine(runs),
        report.combine(floors),
        ratios,
        floor_path=floor_path,
        bytes=size if size is not None else len(body),
    )
    f = row.figures
    print(
        f"  {label:<18} {f.requests_per_second:8.0f} req/s  p50 {f.p50_ms:6.2f} ms"
        f"  p99 {f.p99_ms:6.2f} ms  {f.errors or ''}"
        f"  beside {row.floor.requests_per_second:8.0f}"
        f"  ratios {' '.join(f'{r:.2f}' for r in ratios)}",
        flush=True,
    )
    return row


def measure_through_nginx(slug, innovation_id, plan, static_root):
    """Each page through nginx beside a static file of exactly its bytes, same nginx."""
    rows = []
    for label, path, extension in through_nginx(slug, innovation_id):
        status, body = fetch(stack.NGINX_URL, path)
        if status != 200:
            rows.append(measure_pair(label, path, path, plan, base_url=stack.NGINX_URL))
            continue
        copy = same_size_path(label, extension)
        target = static_root / copy.removeprefix("/static/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        copy_status, copy_body = fetch(stack.NGINX_URL, copy)
        if copy_status != 200 or len(copy_body) != len(body):
            raise RuntimeError(f"nginx did not serve {copy} as written ({copy_status})")
        rows.append(measure_pair(label, path, copy, plan, base_url=stack.NGINX_URL))
    return rows


def database_count(sql, params):
    url = f"postgresql://postgres@127.0.0.1:5432/{stack.DB_NAME}"
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def counted_in_database(slug):
    """The tally as the database has it: innovations received and not rejected."""
    return database_count(
        "SELECT count(*) FROM innovations_innovation i "
        "JOIN campaign_campaign c ON c.id = i.campaign_id "
        "WHERE c.slug = %s AND i.status IN ('pending', 'approved')",
        (slug,),
    )


def tally_in(page):
    """The tally shown on a campaign home (bytes), or None if it shows none."""
    found = TALLY.search(page)
    return int(found[1].replace(b",", b"")) if found else None


def tally_through_nginx(path):
    status, body = fetch(stack.NGINX_URL, path)
    return tally_in(body) if status == 200 else None


def wait_for_tally(path, expected, *, since, within=10.0, every=0.05):
    """Seconds from `since` until the page through nginx shows `expected`, and what it last showed."""
    deadline = time.monotonic() + within
    seen = None
    while True:
        seen = tally_through_nginx(path)
        if seen == expected:
            return time.monotonic() - since, seen
        if time.monotonic() > deadline:
            return None, seen
        time.sleep(every)


def deadline_rush(slug, plan, organisations):
    """Readers on the campaign home through nginx, alone and while submissions arrive."""
    read_path, form_path = rush_paths(slug)
    url = stack.NGINX_URL + read_path
    load = {"connections": plan.connections, "threads": plan.threads}
    wrk.run(url, seconds=plan.warmup_seconds, **load)
    quiet = [wrk.run(url, seconds=plan.rush_seconds, **load)]
    busy = {}
    reader = threading.Thread(
        target=lambda: busy.setdefault("figures", wrk.run(url, seconds=plan.rush_seconds, **load))
    )
    reader.start()
    sent = submissions.drive_paced(
        stack.HOST,
        stack.NGINX_PORT,
        form_path,
        organisations=organisations,
        rate=plan.rush_rate,
        seconds=plan.rush_seconds,
        clients=plan.rush_clients,
    )
    expected = counted_in_database(slug)
    since = sent.last_saved_at or time.monotonic()
    delay, seen = wait_for_tally(read_path, expected, since=since)
    reader.join()
    quiet.append(wrk.run(url, seconds=plan.rush_seconds, **load))
    rush = report.Rush(
        quiet=report.combine(quiet),
        busy=busy.get("figures"),
        submissions=sent,
        in_database=database_count(
            "SELECT count(*) FROM innovations_innovation i "
            "JOIN campaign_campaign c ON c.id = i.campaign_id "
            "WHERE c.slug = %s AND i.title LIKE %s",
            (slug, submissions.TITLE_MARKER + "%"),
        ),
        tally_database=expected,
        tally_seen=seen,
        tally_delay_s=delay,
    )
    print(f"  rush: {rush.describe()}", flush=True)
    return rush


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


def measure_size(env, plan, innovations, organisations, dirs):
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
    worst = max(found["queries"].items(), key=lambda item: item[1].get("rebuild_ms", 0))
    print(f"  probe: slowest rebuild {worst[0]} {worst[1].get('rebuild_ms', 0):.1f} ms", flush=True)
    with (
        stack.gunicorn(env, workers=plan.workers, log_path=dirs["gunicorn_log"]) as server,
        stack.nginx(dirs["nginx"], static_root=dirs["static"], media_root=dirs["media"]),
    ):
        checks = [(label, check_conditional(path)) for label, path in conditional(slug)]
        print("  through nginx, beside a static file of the same size:", flush=True)
        nginx_rows = measure_through_nginx(slug, found["innovation_id"], plan, dirs["static"])
        print("  straight to gunicorn, beside the bare view:", flush=True)
        gunicorn_rows = [
            measure_pair(label, path, BARE_PATH, plan, base_url=stack.BASE_URL)
            for label, path in straight_to_gunicorn(slug)
        ]
        rush = deadline_rush(slug, plan, found["organisation_names"])
        peak = [stack.peak_rss_mib(pid) for pid in stack.worker_pids(server.pid)]
    return report.SizeResult(
        innovations=innovations,
        organisations=organisations,
        load_seconds=load_seconds,
        nginx_rows=nginx_rows,
        gunicorn_rows=gunicorn_rows,
        queries=found["queries"],
        conditional=checks,
        rush=rush,
        peak_rss_mib=[p for p in peak if p is not None],
        aggregates=found.get("aggregates", {}),
    )


def main(argv=None):
    plan, keep_db = parse_args(argv)
    started = time.monotonic()
    load_before = ", ".join(Path("/proc/loadavg").read_text().split()[:3])
    stack.ensure_wrk()
    stack.ensure_nginx()
    results = []
    with tempfile.TemporaryDirectory(prefix="140in140-bench-") as temporary:
        temporary = Path(temporary)
        dirs = {
            "static": temporary / "static",
            "media": temporary / "media",
            "nginx": temporary / "nginx",
            "gunicorn_log": Path(tempfile.gettempdir()) / "140in140-bench-gunicorn.log",
        }
        dirs["media"].mkdir()
        dirs["gunicorn_log"].write_text("")
        env = stack.server_env(dirs["static"])
        try:
            stack.recreate_database()
            stack.flush_cache()
            stack.manage(env, "migrate", "--noinput")
            stack.manage(env, "collectstatic", "--noinput")
            (dirs["static"] / SAME_SIZE_DIR).mkdir()
            for innovations, organisations in plan.sizes:
                results.append(measure_size(env, plan, innovations, organisations, dirs))
            machine = report.describe_machine(plan, load_before=load_before)
        finally:
            if not keep_db:
                stack.drop_database()
            stack.flush_cache()
    text = report.markdown(results, machine, plan, seconds=time.monotonic() - started)
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    plan.output.write_text(text)
    print()
    print(text)
    print(f"Written to {plan.output} in {time.monotonic() - started:.0f}s.")


if __name__ == "__main__":
    main()
