from itertools import groupby

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from innovations.models import Innovation

from .forms import CampaignScheduleForm
from .freshness import mark_changed
from .models import Campaign

REJECTED = Q(innovations__status=Innovation.Status.REJECTED)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignScheduleForm
    list_display = [
        "title",
        "opens_at",
        "closes_at",
        "target",
        "received",
        "approved",
        "pending",
        "rejected",
        "organisations",
        "report_link",
    ]
    search_fields = ["title", "slug", "hashtag"]
    list_filter = ["opens_at"]
    readonly_fields = ["closes_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"

    def get_queryset(self, request):
        # Every count in the one changelist query, however many innovations there are.
        return (
            super()
            .get_queryset(request)
            .annotate(
                received_count=Count("innovations", filter=~REJECTED),
                approved_count=Count("innovations", filter=Q(innovations__status="approved")),
                pending_count=Count("innovations", filter=Q(innovations__status="pending")),
                rejected_count=Count("innovations", filter=REJECTED),
                organisation_count=Count(
                    "innovations__organisation", filter=~REJECTED, distinct=True
                ),
            )
        )

    @admin.display(description="Received", ordering="received_count")
    def received(self, obj):
        return obj.received_count

    @admin.display(description="Approved", ordering="approved_count")
    def approved(self, obj):
        return obj.approved_count

    @admin.display(description="Pending", ordering="pending_count")
    def pending(self, obj):
        return obj.pending_count

    @admin.display(description="Rejected", ordering="rejected_count")
    def rejected(self, obj):
        return obj.rejected_count

    @admin.display(description="Organisations", ordering="organisation_count")
    def organisations(self, obj):
        return obj.organisation_count

    @admin.display(description="Report")
    def report_link(self, obj):
        return format_html(
            '<a href="{}">Collated report</a>',
            reverse("admin:campaign_campaign_report", args=[obj.pk]),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.report_view),
                name="campaign_campaign_report",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        campaign_id = obj.pk
        transaction.on_commit(lambda: mark_changed(campaign_id))

    def delete_model(self, request, obj):
        campaign_id = obj.pk
        super().delete_model(request, obj)
        transaction.on_commit(lambda: mark_changed(campaign_id))

    def delete_queryset(self, request, queryset):
        campaign_ids = sorted(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        if campaign_ids:
            transaction.on_commit(lambda: mark_changed(*campaign_ids))

    def report_view(self, request, pk):
        """The collated list of approved innovations, grouped by organisation, ready to print."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(
            Campaign.objects.annotate(
                pending_count=Count("innovations", filter=Q(innovations__status="pending"))
            ),
            pk=pk,
        )
        innovations = (
            Innovation.objects.public()
            .for_campaign(campaign)
            .select_related("organisation")
            .order_by("organisation__name", "organisation_id", "created_at", "pk")
        )
        groups = [
            {"organisation": organisation, "innovations": list(items)}
            for organisation, items in groupby(innovations, key=lambda i: i.organisation)
        ]
        context = {
            "campaign": campaign,
            "groups": groups,
            "innovation_count": sum(len(group["innovations"]) for group in groups),
            "organisation_count": len(groups),
            "generated_at": timezone.now(),
            "site_url": settings.SITE_URL,
        }
        return TemplateResponse(request, "admin/campaign/campaign/report.html", context)
