"""gunicorn.conf.py on a shared host: instances that do not take over each other's control
socket, and HEAD answered without a body (no "WSGI app sent body bytes" warnings).

Each test runs real gunicorn processes with the repository's config on a throwaway SQLite
database, with HOME pointing at a temporary directory (where gunicorn 27 would otherwise put
its control socket, ~/.gunicorn/gunicorn.ctl).
"""

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager

import pytest

from tests.gunicorn_server import BASE_DIR, free_port, manage


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn-sqlite")
    home = tmp / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp / "static"),
        "WEB_CONCURRENCY": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "XDG_RUNTIME_DIR", "GUNICORN_CONTROL_SOCKET"):
        env.pop(name, None)
    manage("migrate", "--noinput", env=env)
    manage("load_demo", env=env)
    manage("collectstatic", "--noinput", env=env)
    return env


def _request(port, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


@contextmanager
def gunicorn(env, log_path, **extra):
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", **extra}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(150):
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()}")
            time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer:\n{log_path.read_text()}")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_instances_on_one_host_open_no_shared_control_socket(sqlite_env, tmp_path):
    home = sqlite_env["HOME"]
    with ExitStack() as stack:
        first = stack.enter_context(gunicorn(sqlite_env, tmp_path / "first.log"))
        second = stack.enter_context(gunicorn(sqlite_env, tmp_path / "second.log"))
        assert _request(first, "GET", "/healthz")[0] == 200
        assert _request(second, "GET", "/healthz")[0] == 200
        # gunicorn 27's default, one path per user, is not used: nothing to take over.
        assert not os.path.exists(os.path.join(home, ".gunicorn", "gunicorn.ctl"))
    for name in ("first.log", "second.log"):
        assert "control" not in (tmp_path / name).read_text().lower()


def test_each_instance_can_name_its_own_control_socket(sqlite_env, tmp_path):
    sockets = [tmp_path / "a.ctl", tmp_path / "b.ctl"]
    with ExitStack() as stack:
        for index, socket_path in enumerate(sockets):
            stack.enter_context(
                gunicorn(
                    sqlite_env,
                    tmp_path / f"{index}.log",
                    GUNICORN_CONTROL_SOCKET=str(socket_path),
                )
            )
        for _ in range(50):
            if all(path.exists() for path in sockets):
                break
            time.sleep(0.1)
        assert all(path.exists() for path in sockets)


def test_head_gets_no_body_other_methods_405_and_gunicorn_logs_no_warning(sqlite_env, tmp_path):
    log_path = tmp_path / "head.log"
    paths = [
        "/campaigns/",
        "/campaigns/140in140-2014/",
        "/campaigns/140in140-2014/innovations/",
        "/campaigns/140in140-2014/feed/",
        "/campaigns/140in140-2014/export.csv",
        "/campaigns/140in140-2014/export.json",
        "/campaigns/140in140-2014/submit/",
        "/healthz",
        "/no-such-page/",
    ]
    with gunicorn(sqlite_env, log_path) as port:
        for path in paths:
            for _ in range(2):  # a miss, then a cached hit
                status, body, _response = _request(port, "HEAD", path)
                assert status in (200, 404), (path, status)
                assert body == b"", path
        # Production settings (CSRF checked): other methods are a 405, not the page or a 403.
        for path in paths[:-1]:
            for method in ("OPTIONS", "TRACE", "PUT", "DELETE"):
                status, body, _response = _request(port, method, path)
                assert status == 405, (path, method, status)
    assert "body bytes" not in log_path.read_text()
