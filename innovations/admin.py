from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Innovation, Submission


class InnovationInline(admin.TabularInline):
    model = Innovation
    fields = ["title", "theme", "status"]
    extra = 0
    show_change_link = True


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "campaign", "email", "created_at"]
    list_filter = ["campaign"]
    search_fields = ["name", "email", "organisation__name"]
    list_select_related = ["organisation", "campaign"]
    date_hierarchy = "created_at"
    inlines = [InnovationInline]


@admin.register(Innovation)
class InnovationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "campaign", "theme", "status", "created_at"]
    list_filter = ["campaign", "status", "theme", "organisation__kind"]
    search_fields = ["title", "description", "organisation__name", "submission__name"]
    list_select_related = ["organisation", "campaign"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "submission",
        "campaign",
        "organisation",
        "created_at",
        "moderated_at",
        "moderated_by",
    ]
