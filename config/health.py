"""GET /healthz: is this app server able to answer from the database?

200 {"status": "ok"} when `SELECT 1` succeeds, 503 {"status": "unavailable"} when it
does not. It never touches the session or sets a cookie.

`HealthCheckMiddleware` answers /healthz before Django validates the Host header:
load balancers and Docker's HEALTHCHECK call the app by its IP address, which is not
(and should not be) in ALLOWED_HOSTS. The same view is also routed in config/urls.py.
"""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger("config.health")

PATH = "/healthz"


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        # Django closes the broken connection when the request finishes (the error
        # marks it unusable), and the next request opens a fresh one.
        logger.warning("health check failed: database unavailable: %s", exc)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
