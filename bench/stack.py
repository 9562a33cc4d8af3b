"""The stack under test: PostgreSQL database, Redis cache, gunicorn, nginx in front; wrk.

nginx is Debian's /usr/sbin/nginx running the production template
deploy/nginx/default.conf.template, rendered by envsubst and included in a minimal
nginx.conf whose pid, logs and temporary files live in the bench's own directory.
Everything started here is stopped by its own process id, even on error.
"""

import getpass
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
# Every cache key of the bench starts with this, so emptying it touches no one else's.
CACHE_KEY_PREFIX = "in140-bench"
HOST, PORT = "127.0.0.1", 8180  # gunicorn
NGINX_PORT = 8181
BASE_URL = f"http://{HOST}:{PORT}"
NGINX_URL = f"http://{HOST}:{NGINX_PORT}"
NGINX = "/usr/sbin/nginx"
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"
TEMPLATE_VARIABLES = ("APP_UPSTREAM", "LISTEN_PORT", "STATIC_ROOT", "MEDIA_ROOT", "CACHE_DIR")


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


def ensure_nginx():
    """nginx and envsubst must be there: `make bench` installs them (make nginx-system)."""
    missing = [tool for tool in (NGINX, "envsubst") if not shutil.which(tool)]
    if missing:
        raise RuntimeError(
            f"{', '.join(missing)} missing: run `make nginx-system` (Debian's nginx, gettext-base)"
        )


def server_env(static_root, secret_key=None):
    """The environment of every Django process in the bench: production settings, plain HTTP."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": CACHE_KEY_PREFIX,
        "STATIC_ROOT": str(static_root),
        "DEV_TOOLS": "1",
        "SITE_URL": BASE_URL,
        # Locally there is no TLS proxy: serve plain HTTP, cookies without Secure.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        # One client address sends every submission: no per-IP limit in the bench.
        "SUBMISSION_RATE_LIMIT": "0",
        # nginx in front appends the client's address to X-Forwarded-For.
        "TRUSTED_PROXY_COUNT": "1",
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
    """Delete the bench's own cache keys (its prefix), never anything else in Redis."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{CACHE_KEY_PREFIX}:*", count=1000))
    for first in range(0, len(keys), 1000):
        client.delete(*keys[first : first + 1000])


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


def _wait_ready(process, log_path, url=BASE_URL + BARE_PATH, name="gunicorn", timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{Path(log_path).read_text()[-3000:]}")
        try:
            if _get_status(url) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} not ready in {timeout}s:\n{Path(log_path).read_text()[-3000:]}")


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


def render_template(values):
    """deploy/nginx/default.conf.template through envsubst, naming only its five variables
    (so nginx's own $host, $uri… stay as they are), as docs/operations.md does."""
    shell_format = " ".join(f"${{{name}}}" for name in TEMPLATE_VARIABLES)
    return subprocess.run(
        ["envsubst", shell_format],
        input=TEMPLATE.read_text(),
        env={**os.environ, **values},
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def nginx_conf(directory, included):
    """A minimal main config: the rendered template inside `http {}`, every path in
    `directory`. As root, workers run as this user (not `nobody`, who may not read it)."""
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes auto;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # As the official image's nginx.conf has it (the template is written for it):
    # sendfile, and no tcp_nopush. With Debian's `tcp_nopush on`, every cached page
    # bigger than about 64 KB waited ~40 ms for a delayed ACK (the list at 100,000:
    # 400 requests/s instead of 11,000); static files were not affected.
    sendfile on;
    keepalive_timeout 65;
    access_log off;
{temp_paths}
    include {included};
}}
"""


@contextmanager
def nginx(directory, *, static_root, media_root):
    """Debian's nginx from the production template, on NGINX_PORT in front of gunicorn."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    values = {
        "APP_UPSTREAM": f"{HOST}:{PORT}",
        "LISTEN_PORT": f"{HOST}:{NGINX_PORT}",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "CACHE_DIR": str(directory / "cache"),
    }
    included = directory / "in140.conf"
    included.write_text(render_template(values))
    conf = directory / "nginx.conf"
    conf.write_text(nginx_conf(directory, included))
    log_path = directory / "error.log"
    log_path.write_text("")
    command = [NGINX, "-p", str(directory), "-e", str(log_path), "-c", str(conf)]
    subprocess.run([*command, "-t"], capture_output=True, text=True, check=True)
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        _wait_ready(process, log_path, url=NGINX_URL + BARE_PATH, name="nginx")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: workers finish what they serve
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _stop_group(process)
