from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static as static_files
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from config import health, robots
from core import passwords
from core.http import reading
from innovations.sitemaps import SITEMAPS
from innovations.urls import campaign_patterns, organisation_patterns, submission_patterns

urlpatterns = [
    path("", include((campaign_patterns, "campaign"))),
    path("", include((submission_patterns, "innovations"))),
    path("", include((organisation_patterns, "organisations"))),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    *passwords.urlpatterns(settings.ADMIN_URL),
    path("robots.txt", reading(robots.robots_txt), name="robots"),
    path(
        "sitemap.xml",
        reading(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        reading(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(settings.ADMIN_URL, admin.site.urls),
    # Browsers ask for /favicon.ico where a document names no icon (feeds, SVGs, JSON).
    path("favicon.ico", reading(RedirectView.as_view(url=lazy(static, str)("img/favicon.svg")))),
]

if apps.is_installed("dev"):
    urlpatterns.append(path("__dev__/", include("dev.urls")))

# Uploaded pictures: Django serves them only in development (DEBUG); in production
# nginx serves MEDIA_ROOT, or the bucket serves them (see README "Pictures").
urlpatterns += static_files(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
