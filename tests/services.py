"""What each test needs from the machine, said with a marker (loaded with `-p tests.services`).

    @pytest.mark.postgres   a PostgreSQL server on 127.0.0.1:5432 (user postgres, trust)
    @pytest.mark.redis      a Redis server on 127.0.0.1:6379
    @pytest.mark.gunicorn   real gunicorn processes (with PostgreSQL: see tests/gunicorn_server.py)
    @pytest.mark.browser    Debian's Chromium, Java and the npm tools (axe-core, vnu.jar)
    @pytest.mark.nginx      Debian's nginx and envsubst

On a laptop without one of them, its tests are skipped with a message that says what
to start or install. In CI (`CI=true`) nothing may be skipped for a missing service:
such a test fails instead.

Importing this module also turns on the development app (DEV_TOOLS=1: the demo and
synthetic data), before pytest-django reads the settings.
"""

import os
import shutil
import socket
from functools import cache
from pathlib import Path

import pytest

os.environ.setdefault("DEV_TOOLS", "1")

BASE_DIR = Path(__file__).resolve().parent.parent


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _all_exist(*paths):
    return all(Path(path).exists() for path in paths)


@cache
def missing(service):
    """What to do to provide `service`, or "" when it is there."""
    if service in ("postgres", "gunicorn"):
        if not _listening(5432):
            return (
                "start PostgreSQL on 127.0.0.1:5432: "
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            )
        return ""
    if service == "redis":
        if not _listening(6379):
            return "start Redis on 127.0.0.1:6379: redis-server --daemonize yes"
        return ""
    if service == "browser":
        if not Path("/usr/bin/chromium").exists() or shutil.which("java") is None:
            return "install Chromium and Java: make browser-deps"
        if not _all_exist(
            BASE_DIR / "node_modules/axe-core/axe.min.js", BASE_DIR / "node_modules/vnu-jar"
        ):
            return "install axe-core and vnu.jar: make browser-deps"
        return ""
    if service == "nginx":
        if not Path("/usr/sbin/nginx").exists() or shutil.which("envsubst") is None:
            return "install nginx and envsubst: make nginx-system"
        return ""
    raise ValueError(f"unknown service {service!r}")


SERVICES = ("postgres", "redis", "gunicorn", "browser", "nginx")


def pytest_configure(config):
    for service in SERVICES:
        config.addinivalue_line("markers", f"{service}: needs {service} (see tests/services.py)")


def pytest_runtest_setup(item):
    for service in SERVICES:
        if item.get_closest_marker(service) is None:
            continue
        todo = missing(service)
        if not todo:
            continue
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must not skip: {service} is missing ({todo})", pytrace=False)
        pytest.skip(f"needs {service}: {todo}")
