"""The stack under test: PostgreSQL database, Redis cache, gunicorn; and the load tool.

Everything started here is stopped by its own process group id, even on error.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

from bench.pages import BARE_PATH

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = "in140_bench"
REDIS_URL = "redis://127.0.0.1:6379/5"
HOST, PORT = "127.0.0.1", 8180
BASE_URL = f"http://{HOST}:{PORT}"


def ensure_wrk():
    """wrk from Debian's packages, installed if missing (the bench runs as root)."""
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing it with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def server_env(secret_key=None):
    """The environment of every Django process in the bench: production settings, plain HTTP."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "DEV_TOOLS": "1",
        "SITE_URL": BASE_URL,
        # Locally there is no TLS proxy: serve plain HTTP, cookies without Secure.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        # One client address sends every submission: no per-IP limit in the bench.
        "SUBMISSION_RATE_LIMIT": "0",
        "PYTHONUNBUFFERED": "1",
    }


def recreate_database():
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database():
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def flush_cache():
    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(env, *args, timeout=600):
    """Run `manage.py args…`; its output is returned, a failure raises with it."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _get_status(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_ready(process, log_path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{Path(log_path).read_text()[-3000:]}")
        try:
            if _get_status(BASE_URL + BARE_PATH) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready in {timeout}s:\n{Path(log_path).read_text()[-3000:]}")


def _stop_group(process, grace=10):
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextmanager
def gunicorn(env, *, workers, log_path):
    """gunicorn with `workers` sync workers on HOST:PORT, in its own process group."""
    command = [
        GUNICORN,
        "--config=gunicorn.conf.py",  # the production settings; flags below override
        "config.wsgi",
        f"--bind={HOST}:{PORT}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=30",
        "--backlog=2048",
        f"--error-logfile={log_path}",
    ]
    with open(log_path, "a") as log:
        # stdout carries the console email backend's messages: not wanted here.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_ready(process, log_path)
        yield process
    finally:
        _stop_group(process)


def worker_pids(master_pid):
    """The gunicorn master's child processes (its workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 (ppid) comes after the parenthesised command name.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master_pid:
            children.append(int(entry.name))
    return sorted(children)


def peak_rss_mib(pid):
    """The process's peak resident memory (VmHWM) in MiB, or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
