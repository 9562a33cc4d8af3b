"""Gunicorn settings: `gunicorn -c gunicorn.conf.py config.wsgi`.

Every value can be set from the environment (see docs/operations.md).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))

# Sync workers, 2 x CPU + 1 by default, capped: each worker holds its own database
# connection, and PostgreSQL allows 100 by default across every app server.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
# A request that takes longer than this is killed and its worker replaced; the
# reverse proxy's own timeout should be a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow for ever; not so often
# that a busy site spends its time starting workers. At 1,000 a worker was replaced
# every second or two under load, which halved the requests served (docs/performance.md).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# Import Django once in the master: a recycled worker is a fork, ready at once,
# and the workers share the imported code's memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Heartbeat files in memory, not on a (possibly slow) container filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Django writes one JSON line per request (config.requests), so gunicorn's own
# access log is off; its error log (start, stop, worker timeouts) goes to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn 25+ opens a control socket for `gunicornc`, by default at
# $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl: one path per user, so a
# second instance on the host (a second site, the benchmark, a fault test) takes it over
# and `gunicornc` then manages the wrong one. Off unless GUNICORN_CONTROL_SOCKET names a
# path for this instance.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
