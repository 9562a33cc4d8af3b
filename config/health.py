"""Health and readiness checks for load balancers and Docker.

GET /healthz: is this app server able to answer? 200 while the database answers
`SELECT 1`, with the cache reported as "ok" or "degraded" (the site still works
without it, only slower); 503 when the database does not.

GET /readyz: should this server take traffic now? 200 only when the database and
the cache both answer, 503 otherwise: an orchestrator can hold traffic back from a
server that lost its cache while /healthz keeps it alive.

Neither touches the session or sets a cookie. `HealthCheckMiddleware` answers both
before Django validates the Host header: load balancers and Docker's HEALTHCHECK
call the app by its IP address, which is not (and should not be) in ALLOWED_HOSTS.
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core.caching import cache_available
from core.http import reading

logger = logging.getLogger("config.health")


def _database_available():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # Django closes the broken connection when the request finishes (the error
        # marks it unusable), and the next request opens a fresh one.
        logger.warning("health check failed: database unavailable: %s", exc)
        return False
    return True


def _report():
    database = _database_available()
    cache = "ok" if cache_available() else "degraded"
    return database, cache


@never_cache
@reading
def healthz(request):
    database, cache = _report()
    if not database:
        return JsonResponse({"status": "unavailable", "cache": cache}, status=503)
    return JsonResponse({"status": "ok", "cache": cache})


@never_cache
@reading
def readyz(request):
    database, cache = _report()
    ready = database and cache == "ok"
    body = {"status": "ready" if ready else "not ready", "database": database, "cache": cache}
    return JsonResponse(body, status=200 if ready else 503)


CHECKS = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        check = CHECKS.get(request.path_info)
        if check is not None and request.method in ("GET", "HEAD"):
            return check(request)
        return self.get_response(request)
