from django.shortcuts import get_object_or_404, render

from campaign.models import Campaign


def submit(request, slug):
    """The submission form (issue 3 completes the flow)."""
    campaign = get_object_or_404(Campaign, slug=slug)
    return render(request, "innovations/submit.html", {"campaign": campaign})
