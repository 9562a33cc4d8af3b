"""A real gunicorn serving the app from a fresh PostgreSQL database, for fault tests.

    from tests.gunicorn_server import fault_database, gunicorn_server  # noqa: F401 (fixtures)

`fault_database` creates `in140_fault_<random>` on the machine's PostgreSQL
(127.0.0.1:5432, user postgres; started with pg_ctlcluster if it is not running),
migrates it and loads the demo; it is dropped afterwards. `gunicorn_server` runs
`gunicorn -c gunicorn.conf.py config.wsgi` with production settings (DEBUG off,
collected static files, 2 workers) on a free port. Neither needs DATABASE_URL, so
both run in every CI pass. `server.get(path)` sends what the TLS proxy would.
A test module may set `GUNICORN_ENV = {"NAME": "value"}` to add to the server's
environment (e.g. `SUBMISSION_RATE_LIMIT`).
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("FAULT_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def ensure_postgres_running():
    def ready():
        return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0

    if ready():
        return
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
    )
    for _ in range(30):
        if ready():
            return
        time.sleep(1)
    raise RuntimeError("PostgreSQL did not start on 127.0.0.1:5432")


def admin_sql(sql, params=None):
    """Run one statement on the postgres database, outside any transaction."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql, params)


def manage(*args, env, timeout=300):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FaultDatabase:
    name: str
    url: str

    def refuse_connections(self):
        """Make the database unreachable for the app (and only this database): refuse
        new connections and end the open ones, as a restart would."""
        admin_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.terminate_backends()

    def accept_connections(self):
        admin_sql(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def terminate_backends(self):
        admin_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name],
        )


@pytest.fixture(scope="module")
def fault_database():
    ensure_postgres_running()
    name = f"in140_fault_{secrets.token_hex(4)}"
    admin_sql(f'CREATE DATABASE "{name}"')
    database = FaultDatabase(name=name, url=f"postgres://postgres@127.0.0.1:5432/{name}")
    try:
        env = {**os.environ, "DATABASE_URL": database.url, "DJANGO_ENV": "development"}
        manage("migrate", "--noinput", env=env)
        manage("load_demo", env=env)
        yield database
    finally:
        admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class GunicornServer:
    process: subprocess.Popen
    base_url: str
    log_path: Path
    headers: dict = field(default_factory=dict)
    static_root: Path | None = None  # where collectstatic wrote (tests/test_nginx.py serves it)

    def get(self, path, timeout=10):
        """(status, body, headers, seconds) for GET path; status None if no answer."""
        request = urllib.request.Request(self.base_url + path, headers=self.headers)  # noqa: S310
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return (
                    response.status,
                    response.read(),
                    response.headers,
                    time.monotonic() - started,
                )
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers, time.monotonic() - started
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            return None, str(error).encode(), {}, time.monotonic() - started

    def log(self):
        return self.log_path.read_text()

    def worker_pids(self):
        result = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        )
        return sorted(int(pid) for pid in result.stdout.split())


@pytest.fixture(scope="module")
def gunicorn_server(fault_database, tmp_path_factory, request):
    port = free_port()
    tmp = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": fault_database.url,
        "STATIC_ROOT": str(tmp / "static"),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_TIMEOUT": "20",
        "DB_CONNECT_TIMEOUT": "3",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.update(getattr(request.module, "GUNICORN_ENV", {}))
    manage("collectstatic", "--noinput", env=env)
    log_path = tmp / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # What the TLS-terminating proxy adds: otherwise production settings redirect to https.
    server = GunicornServer(
        process,
        f"http://127.0.0.1:{port}",
        log_path,
        headers={"X-Forwarded-Proto": "https"},
        static_root=Path(env["STATIC_ROOT"]),
    )
    try:
        for _ in range(100):
            if server.get("/healthz", timeout=2)[0] == 200:
                break
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{server.log()}")
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer /healthz:\n{server.log()}")
        # One worker can answer before the master has forked the others.
        workers = int(env["WEB_CONCURRENCY"])
        for _ in range(100):
            if len(server.worker_pids()) == workers:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start {workers} workers:\n{server.log()}")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
