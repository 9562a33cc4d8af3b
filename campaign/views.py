from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.generic import ListView

from innovations.models import Innovation

from .models import Campaign


def home(request):
    """The site root goes to the open campaign, or the most recent one."""
    campaign = Campaign.objects.current()
    if campaign is None:
        return redirect("campaign:list")
    return redirect(campaign)


class CampaignListView(ListView):
    template_name = "campaign/campaign_list.html"
    context_object_name = "campaigns"

    def get_queryset(self):
        now = timezone.now()
        return Campaign.objects.annotate(
            is_open_now=Case(
                When(opens_at__lte=now, closes_at__gt=now, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("is_open_now", "-opens_at")


def campaign_detail(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    innovations = Innovation.objects.for_campaign(campaign)
    context = {
        "campaign": campaign,
        "tally": innovations.counted().tally(),
        "latest": innovations.public().select_related("organisation")[:6],
    }
    return render(request, "campaign/campaign_detail.html", context)


def innovation_detail(request, slug, pk):
    innovation = get_object_or_404(
        Innovation.objects.public().select_related("campaign", "organisation"),
        campaign__slug=slug,
        pk=pk,
    )
    return render(
        request,
        "campaign/innovation_detail.html",
        {"innovation": innovation, "campaign": innovation.campaign},
    )
