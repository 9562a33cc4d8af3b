"""Absolute links for what leaves the site (emails, feeds, exports, share links)."""

from django.conf import settings


def absolute_url(path):
    """`path` on the site's public base URL (SITE_URL), not the request's host.

    Pages, feeds and exports are cached once for everyone, so their links must not
    depend on who asked or by which host name.
    """
    return f"{settings.SITE_URL}{path}"
