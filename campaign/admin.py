from django.contrib import admin
from django.db.models import Count, Q

from .forms import CampaignScheduleForm
from .models import Campaign


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
        "organisations",
    ]
    search_fields = ["title", "slug", "hashtag"]
    list_filter = ["opens_at"]
    readonly_fields = ["closes_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                received_count=Count("innovations", filter=~Q(innovations__status="rejected")),
                approved_count=Count("innovations", filter=Q(innovations__status="approved")),
                organisation_count=Count("innovations__organisation", distinct=True),
            )
        )

    @admin.display(description="Received", ordering="received_count")
    def received(self, obj):
        return obj.received_count

    @admin.display(description="Approved", ordering="approved_count")
    def approved(self, obj):
        return obj.approved_count

    @admin.display(description="Organisations", ordering="organisation_count")
    def organisations(self, obj):
        return obj.organisation_count
