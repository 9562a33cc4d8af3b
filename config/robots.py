"""/robots.txt: search engines are welcome on the public pages, not in the admin."""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        # A thank-you page's address is its receipt: for the person who sent the form only.
        "Disallow: /campaigns/*/thanks/",
        "Allow: /",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
