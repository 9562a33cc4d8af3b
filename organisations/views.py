from django.shortcuts import get_object_or_404, render

from innovations.models import Innovation

from .models import Organisation


def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    innovations = (
        Innovation.objects.public()
        .filter(organisation=organisation)
        .select_related("campaign")
        .order_by("-campaign__opens_at", "title")
    )
    return render(
        request,
        "organisations/organisation_detail.html",
        {"organisation": organisation, "innovations": innovations},
    )
