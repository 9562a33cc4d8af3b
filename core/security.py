"""Per-view exceptions to the site-wide framing ban."""

from functools import wraps

from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt


def allow_framing(view):
    """Let other sites frame this view (the embeddable tally and badge): no
    X-Frame-Options header, and `frame-ancestors *` instead of 'none' in the Content
    Security Policy. Everything else in the policy stays as strict as elsewhere."""
    framed = xframe_options_exempt(csp_replace({"frame-ancestors": "*"})(view))
    return wraps(view)(framed)
