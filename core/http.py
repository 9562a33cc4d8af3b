"""What the site accepts in a request before any view sees it.

`ReadableRequestMiddleware` answers the 400 page for:
- a NUL character in the query string (`?title=%00`): PostgreSQL cannot hold one in a
  query parameter, so any filter or search using it was a 500 (DataError);
- a form body that is not UTF-8. Django refuses a declared charset other than UTF-8 only
  when something reads `request.POST` (and the 400 handler used to read it again,
  answering 500); bytes that are not UTF-8 it quietly turns into "�". Here both are
  refused before the CSRF check, the views or django-axes read the form.

Methods: a page to read answers GET and HEAD, a form GET, HEAD and POST, and anything else
(OPTIONS, TRACE, PUT, DELETE…) 405. Views say which with `@reading` or `@form_page`;
`AllowedMethodsMiddleware` answers the 405 before the CSRF check would answer 403.
`HeadMiddleware` sends a HEAD response's headers (Content-Length included) without its
body, which Django leaves to the server (gunicorn logged a warning for each one).
"""

from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpResponseNotAllowed
from django.views.decorators.http import require_http_methods

URLENCODED = "application/x-www-form-urlencoded"
UTF8 = {"utf-8", "utf8"}


def form_body_problem(request) -> str | None:
    """Why a urlencoded form body cannot be read as UTF-8, or None when it can."""
    if request.content_type != URLENCODED:
        return None
    charset = request.content_params.get("charset", "utf-8").strip().lower()
    if charset not in UTF8:
        return f"form bodies must be UTF-8, not {charset[:40]!r}"
    try:
        unquote_to_bytes(request.body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return "the form body is not valid UTF-8"
    return None


def has_nul_in_query(request) -> bool:
    return "%00" in request.META.get("QUERY_STRING", "") and any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


class ReadableRequestMiddleware:
    """Place it before the cached-page middleware and CsrfViewMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul_in_query(request):
            raise BadRequest("a NUL character in the query string")
        if request.method not in ("GET", "HEAD") and (problem := form_body_problem(request)):
            raise BadRequest(problem)
        return self.get_response(request)


READING = ("GET", "HEAD")
FORM = ("GET", "HEAD", "POST")


def allow_methods(*methods):
    """A view that answers only `methods` (405 otherwise), marked for the middleware."""

    def decorator(view):
        guarded = require_http_methods(list(methods))(view)
        guarded.allowed_methods = methods
        return guarded

    return decorator


reading = allow_methods(*READING)
form_page = allow_methods(*FORM)


class AllowedMethodsMiddleware:
    """Place it before CsrfViewMiddleware: a PUT to a page is a 405, not a CSRF 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        methods = getattr(view_func, "allowed_methods", None)
        if methods is not None and request.method not in methods:
            return HttpResponseNotAllowed(methods)
        return None


class HeadMiddleware:
    """Outermost: whatever answered a HEAD (a cached page, the health check, a view), its
    body is dropped here, its length kept in Content-Length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            # The original iterator is still closed (with its database cursor) on close().
            response.streaming_content = []
        else:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response
