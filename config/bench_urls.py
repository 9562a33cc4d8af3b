"""The site's URLs plus the benchmark's floor: a bare view returning a constant response.

Selected only by the benchmark (`DJANGO_ROOT_URLCONF=config.bench_urls`); the bare
view goes through the same middleware as every page, so it is the fastest page
Django can serve on this stack.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def bare(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare, name="bench-bare"), *site_urlpatterns]
