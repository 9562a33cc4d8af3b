from django.conf import settings
from django.core.paginator import Paginator
from django.db.models.functions import Lower, Substr
from django.shortcuts import get_object_or_404, render

from innovations.models import Innovation

from .models import Organisation

PER_PAGE = 60


def organisation_detail(request, slug):
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
