"""Cached public pages answered before the middleware that only matters per visitor.

A public page (`caching.public_page`) is the same bytes for every visitor: it reads
no session, user, CSRF token or message, and sets no cookie. When it is in the cache,
`CachedPageMiddleware` answers it straight away, so a burst of readers costs no
session, authentication, CSRF, messages, history or lockout bookkeeping. The
middleware placed before it (request ids and logs, security headers, the Content
Security Policy) runs as for every response, and the two headers the skipped
middleware would have added (X-Frame-Options, Content-Length) are added here.
A miss, and every other request, goes through the whole stack as usual.
"""

from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.urls import Resolver404, resolve

from .caching import cached_page

READS = ("GET", "HEAD")


class CachedPageMiddleware:
    """Place it after the security middleware and before SessionMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.frame_options = XFrameOptionsMiddleware(get_response)
        self.common = CommonMiddleware(get_response)

    def __call__(self, request):
        if request.method in READS:
            response = self._from_cache(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _from_cache(self, request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        page = getattr(match.func, "public_page", None)
        if page is None or not cached_page(request, match.kwargs.get("slug"), *page):
            return None
        request.resolver_match = match
        # The view answers from the cache (its lookup is kept on the request), with its
        # own decorators: conditional GET, Cache-Control, framing exemptions.
        response = match.func(request, *match.args, **match.kwargs)
        response = self.common.process_response(request, response)
        return self.frame_options.process_response(request, response)
