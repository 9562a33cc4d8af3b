from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from config import health

# The public campaign pages come first: a burst of readers is resolved in the
# fewest steps. No two patterns here match the same path, so the order is free.
urlpatterns = [
    path("", include("campaign.urls")),
    path("", include("innovations.urls")),
    path("", include("organisations.urls")),
    path("healthz", health.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    # Browsers ask for /favicon.ico where a document names no icon (feeds, SVGs, JSON).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"))),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
