from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from core.timewords import when_words

from .forms import CampaignScheduleForm
from .models import Campaign
from .services import campaign_close_now, campaign_delete, campaign_save


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """A campaign's schedule and wording. The innovations app extends it with counts
    and the collated report (innovations/admin.py), as it sits above this app."""

    form = CampaignScheduleForm
    list_display = ["title", "opens_at", "closes_at", "target"]
    search_fields = ["title", "slug", "hashtag"]
    list_filter = ["opens_at"]
    readonly_fields = ["closes_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    actions = ["close_now"]

    @admin.action(description="Close now (the closing time becomes this moment)")
    def close_now(self, request, queryset):
        closed = []
        for campaign in queryset.order_by("opens_at"):
            try:
                closed.append(campaign_close_now(campaign=campaign))
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        for campaign in closed:
            self.message_user(
                request,
                f"{campaign.title} closed at {when_words(campaign.closes_at)}.",
                messages.SUCCESS,
            )

    def get_urls(self):
        return [
            path(
                "<int:pk>/close-now/",
                self.admin_site.admin_view(self.close_now_view),
                name="campaign_campaign_close_now",
            ),
            *super().get_urls(),
        ]

    def close_now_view(self, request, pk):
        """The "Close now" button of a running campaign: confirm, then close it at once."""
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        change_url = reverse("admin:campaign_campaign_change", args=[campaign.pk])
        if request.method == "POST":
            self.close_now(request, Campaign.objects.filter(pk=campaign.pk))
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Close {campaign.title} now?",
            "subtitle": None,
            "campaign": campaign,
            "is_open": campaign.is_open(),
            "now": timezone.now(),
            "received": campaign.innovations.count(),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/campaign/campaign/close_now.html", context)

    def save_model(self, request, obj, form, change):
        campaign_save(campaign=obj)

    def delete_model(self, request, obj):
        campaign_delete(campaigns=Campaign.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        campaign_delete(campaigns=queryset)
