from django.contrib import admin
from django.db.models import Count

from .models import Organisation, OrganisationAlias


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "innovation_count", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    inlines = [AliasInline]
    readonly_fields = ["slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(innovation_count=Count("innovations"))

    @admin.display(description="Innovations", ordering="innovation_count")
    def innovation_count(self, obj):
        return obj.innovation_count


@admin.register(OrganisationAlias)
class OrganisationAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
