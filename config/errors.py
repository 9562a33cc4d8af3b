"""Error pages in the site's design (wired as handler400/403/404/500 in config/urls.py).

The 500 page is rendered without a request context: whatever broke (the database, a
context processor) must not break the error page too. When the exception behind a 500
is the database being unreachable, the person gets the 503 page instead ("try again in
a minute"), with Retry-After.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 30


def _context():
    # Only settings: no database, no request.
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}


def bad_request(request, exception=None):
    # Not @requires_csrf_token: that reads the form body again, and a body that could
    # not be read (not UTF-8, too large) is often why we are here. The page has no form.
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def service_unavailable(request=None):
    response = HttpResponse(render_to_string("503.html", _context()), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request=None):
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return service_unavailable(request)
    return HttpResponse(render_to_string("500.html", _context()), status=500)
