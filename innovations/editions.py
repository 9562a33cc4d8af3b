"""The PDF of a campaign's collated list: the current one for staff, and published editions."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from campaign.models import Campaign, Edition

from .report import render_pdf


@never_cache
@staff_member_required
@require_safe
def report_pdf(request, slug):
    """The current list as a PDF, made now (staff only; marked Provisional while open)."""
    campaign = get_object_or_404(Campaign, slug=slug)
    now = timezone.now()
    response = HttpResponse(render_pdf(campaign, at=now), content_type="application/pdf")
    stamp = timezone.localtime(now)
    response["Content-Disposition"] = (
        f'inline; filename="{campaign.slug}-report-{stamp:%Y-%m-%d-%H%M}.pdf"'
    )
    return response


@require_safe
def edition_pdf(request, slug, number):
    """A published edition: the same bytes for ever, so cached for a year by anyone."""
    edition = get_object_or_404(
        Edition.objects.select_related("campaign"), campaign__slug=slug, number=number
    )
    try:
        stored = edition.file.open("rb")
    except FileNotFoundError:
        raise Http404("That edition's file is missing.") from None
    response = FileResponse(stored, content_type="application/pdf")
    filename = edition.file.name.rsplit("/", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
