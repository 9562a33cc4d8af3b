"""Admin: the organisations in the register that have not taken part in a campaign yet.

Filterable by campaign, region, kind and size, and exported as CSV for outreach.
Only the organiser sees this list: public pages never name non-participants.
"""

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from campaign.models import Campaign

from .exports import safe_cell
from .models import Innovation, RegisteredOrganisation

SIZE_BANDS = {
    "small": ("Under 1,000 homes", Q(homes__lt=1000)),
    "medium": ("1,000 to 9,999 homes", Q(homes__gte=1000, homes__lt=10000)),
    "large": ("10,000 to 29,999 homes", Q(homes__gte=10000, homes__lt=30000)),
    "largest": ("30,000 homes or more", Q(homes__gte=30000)),
    "unknown": ("Size not given", Q(homes__isnull=True)),
}


class NotTakenPartIn(admin.SimpleListFilter):
    """Always one campaign: the one chosen, else the current campaign."""

    title = "not taken part in"
    parameter_name = "campaign"

    def lookups(self, request, model_admin):
        return [(str(c.pk), c.title) for c in Campaign.objects.order_by("-opens_at")]

    def campaign(self):
        value = self.value()
        if value and value.isdigit():
            found = Campaign.objects.filter(pk=value).first()
            if found is not None:
                return found
        return Campaign.objects.current()

    def choices(self, changelist):
        chosen = self.campaign()
        for value, title in self.lookup_choices:
            yield {
                "selected": chosen is not None and value == str(chosen.pk),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request, queryset):
        campaign = self.campaign()
        if campaign is None:
            return queryset
        taken_part = Innovation.objects.for_campaign(campaign).counted().values("organisation_id")
        return queryset.exclude(pk__in=taken_part)


class SizeBand(admin.SimpleListFilter):
    title = "size"
    parameter_name = "size"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in SIZE_BANDS.items()]

    def queryset(self, request, queryset):
        band = SIZE_BANDS.get(self.value() or "")
        return queryset.filter(band[1]) if band else queryset


CSV_HEADER = ["Name", "Kind", "Region", "Homes", "Website"]


class _Echo:
    def write(self, value):
        return value


@admin.register(RegisteredOrganisation)
class OutreachAdmin(admin.ModelAdmin):
    list_display = ["name_link", "kind", "region", "homes", "website"]
    list_display_links = None
    list_filter = [NotTakenPartIn, "region", "kind", SizeBand]
    search_fields = ["name"]
    list_per_page = 100
    ordering = ["name"]
    change_list_template = "admin/innovations/registeredorganisation/change_list.html"

    def get_queryset(self, request):
        return RegisteredOrganisation.objects.registered()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Organisation", ordering="name")
    def name_link(self, obj):
        url = reverse("admin:organisations_organisation_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "export.csv",
                view(self.export_csv),
                name="innovations_registeredorganisation_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        query = request.GET.urlencode()
        extra_context["export_url"] = reverse("admin:innovations_registeredorganisation_export") + (
            f"?{query}" if query else ""
        )
        return super().changelist_view(request, extra_context)

    def export_csv(self, request):
        """The filtered list, every row (not one page), for a mail merge or a spreadsheet."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).values_list(
            "name", "kind", "region", "homes", "website"
        )
        kinds = dict(RegisteredOrganisation.Kind.choices)
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"
            yield writer.writerow(CSV_HEADER)
            for name, kind, region, homes, website in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        safe_cell(name),
                        kinds.get(kind, kind),
                        safe_cell(region),
                        "" if homes is None else homes,
                        safe_cell(website),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="not-taken-part-{stamp}.csv"'
        return response
