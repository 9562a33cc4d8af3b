from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html

from core.timewords import when_words

from . import sitesettings
from .forms import CampaignScheduleForm
from .models import MAX_QUESTIONS, Campaign, Edition, Question, SiteSettings, Theme
from .services import (
    campaign_close_now,
    campaign_delete,
    campaign_save,
    campaign_themes_ensure,
    site_settings_save,
)


def _site_name():
    return sitesettings.current().site_name


# "140in140 organisers", or whatever the site is called in Site settings: not
# "Django administration". Lazy: read when a page is drawn, never at import.
admin.site.site_header = lazy(lambda: f"{_site_name()} organisers", str)()
admin.site.site_title = lazy(lambda: f"{_site_name()} organisers", str)()
admin.site.index_title = "Run a campaign"


class ProtectedInlineFormSet(BaseInlineFormSet):
    """Say in plain words why a row in use cannot be deleted, and what to do instead.

    Django's admin refuses to delete a row that PROTECTed rows point at ("Deleting theme
    Staff learning would require deleting the following protected related objects: …");
    this replaces that message with `protected_message(instance)`.
    """

    def protected_message(self, instance):
        raise NotImplementedError

    def full_clean(self):
        super().full_clean()
        errors = self._non_form_errors
        if not errors or not any(e.code == "deleting_protected" for e in errors.as_data()):
            return
        kept = [e for e in errors.as_data() if e.code != "deleting_protected"]
        kept += [
            forms.ValidationError(self.protected_message(form.instance))
            for form in self.forms
            if form.instance.pk
            and form.data.get(f"{form.prefix}-DELETE")
            and self.is_protected(form.instance)
        ]
        self._non_form_errors = self.error_class(
            kept, error_class="nonform", renderer=self.renderer
        )


class ThemeInlineFormSet(ProtectedInlineFormSet):
    """A theme that innovations have cannot be deleted: say so, and offer hiding it."""

    def is_protected(self, theme):
        return theme.innovations.exists()

    def protected_message(self, theme):
        count = theme.innovations.count()
        return (
            f"“{theme.name}” cannot be deleted: {count} innovation"
            f"{'s have' if count != 1 else ' has'} it. Tick “hidden from the form” "
            "instead, so no one new chooses it."
        )


class ThemeInline(admin.TabularInline):
    model = Theme
    formset = ThemeInlineFormSet
    fields = ["name", "description", "order", "hidden", "slug"]
    readonly_fields = ["slug"]
    extra = 1
    ordering = ["order", "pk"]
    verbose_name_plural = "Themes (a new campaign starts with the default set)"


class QuestionInlineFormSet(ProtectedInlineFormSet):
    def is_protected(self, question):
        return question.answers.exists()

    def protected_message(self, question):
        return (
            f"“{question.text}” cannot be deleted: people have answered it. "
            "Untick “required” instead, or rename it."
        )

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if form not in self.deleted_forms
        ]
        if len(kept) > MAX_QUESTIONS:
            raise forms.ValidationError(
                f"A campaign can ask at most {MAX_QUESTIONS} questions: remove "
                f"{len(kept) - MAX_QUESTIONS}."
            )


class QuestionInline(admin.StackedInline):
    model = Question
    formset = QuestionInlineFormSet
    fields = [("text", "kind"), "help_text", ("required", "public", "order")]
    extra = 0
    max_num = MAX_QUESTIONS
    ordering = ["order", "pk"]
    verbose_name_plural = f"Questions asked about each innovation (up to {MAX_QUESTIONS})"


class EditionInline(admin.TabularInline):
    """Published editions: read only, never changed or deleted."""

    model = Edition
    fields = ["number", "published_at", "provisional", "link", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Published editions of the PDF (never changed once published)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="PDF")
    def link(self, edition):
        return format_html('<a href="{0}">{0}</a>', edition.get_absolute_url())


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """A campaign's schedule, wording, themes and questions. The innovations app extends it
    with counts, the collated report and the PDF editions (innovations/admin.py), as it
    sits above this app."""

    form = CampaignScheduleForm
    list_display = ["title", "status_words", "opens_at"]
    search_fields = ["title", "slug", "hashtag"]
    list_filter = ["opens_at"]
    readonly_fields = ["closes_at"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "opens_at"
    actions = ["close_now"]
    inlines = [ThemeInline, QuestionInline, EditionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "intro", "target", "hashtag"]}),
        ("Who takes part", {"fields": ["participant_noun", "participant_kind"]}),
        ("When", {"fields": ["opens_at", "length_hours", "closes_at"]}),
    ]

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

    @admin.display(description="Status")
    def status_words(self, obj):
        return obj.status().label

    def save_model(self, request, obj, form, change):
        campaign_save(campaign=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new campaign with no themes typed in gets the default set. Themes and
        # questions edited inline show at once: campaign_save marks the change after
        # the whole request's transaction commits, inlines included.
        campaign_themes_ensure(campaign=form.instance)

    def delete_model(self, request, obj):
        campaign_delete(campaigns=Campaign.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        campaign_delete(campaigns=queryset)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """The one record: its list goes straight to it; it cannot be added twice or deleted."""

    fieldsets = [
        (None, {"fields": ["site_name", "tagline", "footer_line"]}),
        ("The organiser", {"fields": ["organiser_name", "organiser_email"]}),
        (
            "Statutory pages",
            {
                "description": (
                    "The accessibility statement (/accessibility/) and privacy notice "
                    "(/privacy/). Empty: the default text, written for this site, is "
                    "published. {organiser}, {email} and {site} are filled in."
                ),
                "fields": ["accessibility_statement", "privacy_notice"],
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # the one record is made on first visit (changelist_view)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        site_settings = SiteSettings.objects.first()
        if site_settings is None:
            site_settings = site_settings_save(site_settings=SiteSettings())
        return HttpResponseRedirect(
            reverse("admin:campaign_sitesettings_change", args=[site_settings.pk])
        )

    def save_model(self, request, obj, form, change):
        site_settings_save(site_settings=obj)
