"""The benchmark's floor: a bare view returning a constant response.

It goes through the same middleware as every page, so it is the fastest page Django
can serve on this stack. Routed at /__dev__/ only where the dev app is installed.
"""

from django.http import HttpResponse
from django.urls import path


def bare(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bare/", bare, name="bench-bare")]
