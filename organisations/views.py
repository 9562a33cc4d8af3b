import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models.functions import Lower, Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from campaign.freshness import site_version
from innovations.models import Innovation

from .models import Organisation

PER_PAGE = 60
CACHE_SECONDS = 60 * 60  # a safety net: the site-wide version in the key keeps it fresh


def organisation_detail(request, slug):
    """The organisation page, cached until any campaign changes (it spans campaigns)."""
    raw = f"{settings.RELEASE}|{site_version()}|{request.get_full_path()}"
    key = f"organisation-page:{hashlib.sha256(raw.encode()).hexdigest()}"
    content = cache.get(key)
    if content is not None:
        return HttpResponse(content)
    response = _organisation_page(request, slug)
    cache.set(key, response.content, CACHE_SECONDS)
    return response


def _organisation_page(request, slug):
    """An organisation's published innovations across every campaign, newest campaign first."""
    organisation = get_object_or_404(Organisation, slug=slug)
    innovations = (
        Innovation.objects.public()
        .filter(organisation=organisation)
        .select_related("campaign")
        .annotate(summary=Substr("description", 1, 240))
        .defer("description")
        .order_by("-campaign__opens_at", "campaign_id", Lower("title"), "pk")
    )
    page_obj = Paginator(innovations, PER_PAGE).get_page(request.GET.get("page"))
    canonical = organisation.get_absolute_url()
    if page_obj.number > 1:
        canonical += f"?page={page_obj.number}"
    return render(
        request,
        "organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "page_obj": page_obj,
            "meta_description": (
                f"Innovations shared by {organisation.name} in {settings.SITE_NAME} campaigns."
            ),
            "canonical_url": f"{settings.SITE_URL}{canonical}",
        },
    )
