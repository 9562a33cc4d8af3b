"""Request ids, one log line per request, and the headers Django has no setting for."""

import logging
import re
import time
import uuid

from django.conf import settings

from .logging import request_id_var

logger = logging.getLogger("config.requests")

# An incoming X-Request-ID (from the reverse proxy or load balancer) is kept when it
# looks like an id; anything else (too long, spaces, control characters) is replaced,
# so a client cannot inject text into the logs.
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")


class RequestIdMiddleware:
    """Gives every request an id (X-Request-ID), puts it on every log record made while
    the request is handled, returns it in the response header, and logs one line per
    request: method, path, status, duration in milliseconds (successful health checks
    excepted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            if request.path == "/healthz" and response.status_code == 200:
                return response  # load balancers ask every few seconds: log failures only
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """Permissions-Policy, which Django has no setting for. (X-Content-Type-Options,
    Referrer-Policy and Cross-Origin-Opener-Policy come from SecurityMiddleware and
    the SECURE_* settings; X-Frame-Options from XFrameOptionsMiddleware; the Content
    Security Policy from django-csp.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response
