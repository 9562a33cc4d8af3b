from datetime import datetime
from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from campaign.admin import CampaignAdmin
from campaign.models import Campaign
from core.links import absolute_url
from core.timewords import when_words

from .duplicates import similar_titles
from .models import Innovation, Question, Response, Submission
from .moderation import innovation_delete, innovation_edit, innovation_moderate
from .outreach_admin import OutreachAdmin  # noqa: F401 (registered on import)
from .services import response_notes_moderate, submission_delete, submission_innovations_sync


class InnovationInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Innovations follow their submission: when the organiser corrects the submission's
        # organisation (or campaign), the innovations shown here validate and save with it.
        form.instance.campaign_id = self.instance.campaign_id
        form.instance.organisation_id = self.instance.organisation_id
        return form


class InnovationInline(admin.TabularInline):
    model = Innovation
    formset = InnovationInlineFormSet
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
    readonly_fields = ["consent_given"]
    inlines = [InnovationInline]

    # Every change here can alter a campaign's public pages (the tally, the list): each
    # marks the campaign changed on commit, so no cached page goes stale.

    def save_formset(self, request, form, formset, change):
        # A status changed in the inline is a moderation, recorded as on the innovation's page:
        # the rest is saved first with the old status, then the status is moderated.
        moderations = []
        for inline_form in formset.forms:
            if inline_form.instance.pk and "status" in inline_form.changed_data:
                moderations.append((inline_form.instance.pk, inline_form.instance.status))
                inline_form.instance.status = inline_form.initial["status"]
        super().save_formset(request, form, formset, change)
        for pk, status in moderations:
            innovation_moderate(
                innovations=Innovation.objects.filter(pk=pk), status=status, user=request.user
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        submission_innovations_sync(
            submission=form.instance,
            previous_campaign_id=form.initial.get("campaign"),
            user=request.user,
        )

    def delete_model(self, request, obj):
        submission_delete(submissions=Submission.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        submission_delete(submissions=queryset)

    @admin.display(description="Consent to publish given")
    def consent_given(self, obj):
        if obj.consented_at is None:
            return "Not recorded (sent before consent was recorded)"
        return when_words(obj.consented_at)


class DefaultListFilter(admin.SimpleListFilter):
    """A list filter that applies a default when the query string does not name it.

    "All" is a real choice (`?<parameter>=all`), so the default can be lifted.
    """

    ALL = "all"

    def __init__(self, request, params, model, model_admin):
        self.default = self.default_value(request)
        super().__init__(request, params, model, model_admin)

    def default_value(self, request):
        raise NotImplementedError

    def value(self):
        value = super().value()
        if value is None and self.default is not None:
            return str(self.default)
        return value

    def choices(self, changelist):
        value = self.value()
        yield {
            "selected": value in (None, self.ALL),
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": self.all_label,
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value in (None, self.ALL):
            return queryset
        if value not in {str(lookup) for lookup, _title in self.lookup_choices}:
            return queryset.none()
        return queryset.filter(**{self.field_name: value})


class CampaignFilter(DefaultListFilter):
    """Defaults to the current campaign: the open one, else the latest."""

    title = "campaign"
    parameter_name = "campaign"
    field_name = "campaign_id"
    all_label = "All campaigns"

    def default_value(self, request):
        current = Campaign.objects.current()
        return current.pk if current else None

    def lookups(self, request, model_admin):
        return Campaign.objects.values_list("pk", "title")


class StatusFilter(DefaultListFilter):
    """Defaults to the moderation queue: pending innovations."""

    title = "status"
    parameter_name = "status"
    field_name = "status"
    all_label = "All statuses"

    def default_value(self, request):
        return Innovation.Status.PENDING

    def lookups(self, request, model_admin):
        return Innovation.Status.choices


class InnovationForm(forms.ModelForm):
    def clean_description(self):
        # Browsers send "\r\n"; stored text uses "\n". Without this, every save
        # would record a description "change" in the history that changes nothing.
        return self.cleaned_data["description"].replace("\r\n", "\n")


class HistoryWords(HistoricalRecordContextHelper):
    """History changes in words: "Pending → Approved", "nobody", "8.59am on Monday…"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if value is None or (isinstance(value, DeletedObject) and value.pk is None):
            return "nobody" if field.is_relation else "not set"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime):
            return when_words(value)
        return super().prepare_delta_change_value(change, value)


def _moderate(modeladmin, request, queryset, status, verb):
    selected = queryset.count()
    changed = innovation_moderate(innovations=queryset, status=status, user=request.user)
    noun = "innovation" if changed == 1 else "innovations"
    message = f"{changed} {noun} {verb}."
    unchanged = selected - changed
    if unchanged:
        message += f" {unchanged} {'was' if unchanged == 1 else 'were'} already {verb}."
    modeladmin.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)


@admin.register(Innovation)
class InnovationAdmin(SimpleHistoryAdmin):
    form = InnovationForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # What a moderator decides on first; the wide campaign title last (and only when
    # the list spans campaigns), so status and date fit on a laptop's screen.
    list_display = ["title", "organisation", "status", "submitted", "theme", "campaign"]
    list_filter = [CampaignFilter, StatusFilter, "theme", "organisation__kind"]
    search_fields = [
        "title",
        "description",
        "organisation__name",
        "submission__name",
        "submission__email",
    ]
    search_help_text = "Search titles, descriptions, organisations and submitters."
    list_select_related = ["organisation", "campaign"]
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    history_list_display = ["status"]

    @admin.display(description="Submitted", ordering="created_at")
    def submitted(self, innovation):
        return innovation.created_at

    def get_list_display(self, request):
        """The campaign column only when the list spans campaigns (one is the default)."""
        if request.GET.get(CampaignFilter.parameter_name) == CampaignFilter.ALL:
            return self.list_display
        return [name for name in self.list_display if name != "campaign"]

    fieldsets = [
        (None, {"fields": ["title", "description", "theme", "link", "status"]}),
        (
            "Submission",
            {
                "description": "Contact details are for the organiser only: never published.",
                "fields": [
                    "submitter",
                    "submission_innovations",
                    "campaign",
                    "organisation",
                    "created_at",
                ],
            },
        ),
        ("Moderation", {"fields": ["moderated_at", "moderated_by"]}),
    ]
    readonly_fields = [
        "submitter",
        "submission_innovations",
        "campaign",
        "organisation",
        "created_at",
        "moderated_at",
        "moderated_by",
    ]

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryWords(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        # The history is an audit trail to read, not a way to undo moderation.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("The history is read only.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_actions(self, request):
        # Moderation never deletes: rejecting keeps the row and its history.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Approve selected innovations", permissions=["change"])
    def approve_selected(self, request, queryset):
        _moderate(self, request, queryset, Innovation.Status.APPROVED, "approved")

    @admin.action(description="Reject selected innovations", permissions=["change"])
    def reject_selected(self, request, queryset):
        _moderate(self, request, queryset, Innovation.Status.REJECTED, "rejected")

    @admin.display(description="Submitted by")
    def submitter(self, obj):
        submission = obj.submission
        lines = [
            format_html("{}", submission.name),
            format_html('<a href="mailto:{0}">{0}</a>', submission.email),
        ]
        if submission.role:
            lines.append(format_html("{}", submission.role))
        if submission.twitter:
            lines.append(format_html("Twitter: @{}", submission.twitter.lstrip("@")))
        lines.append(
            format_html(
                '<a href="{}">Whole submission</a>',
                reverse("admin:innovations_submission_change", args=[submission.pk]),
            )
        )
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="In the same submission")
    def submission_innovations(self, obj):
        others = obj.submission.innovations.exclude(pk=obj.pk).order_by("pk")
        rows = [
            (
                reverse("admin:innovations_innovation_change", args=[other.pk]),
                other.pk,
                other.title,
                other.get_status_display(),
            )
            for other in others
        ]
        if not rows:
            return "Nothing else: this was the only innovation sent."
        return format_html_join(mark_safe("<br>"), '<a href="{}">#{}: {}</a> ({})', rows)

    def possible_duplicates(self, obj):
        """Other innovations in the campaign with a very similar title."""
        others = dict(
            Innovation.objects.for_campaign(obj.campaign_id)
            .exclude(pk=obj.pk)
            .values_list("pk", "title")
        )
        return [
            {
                "pk": pk,
                "title": title,
                "url": reverse("admin:innovations_innovation_change", args=[pk]),
            }
            for pk, title, _score in similar_titles(obj.title, others)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["possible_duplicates"] = self.possible_duplicates(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if change:
            innovation_edit(innovation=obj, changed=form.changed_data, user=request.user)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        innovation_delete(innovations=Innovation.objects.filter(pk=obj.pk))


def _status_is(status):
    return Q(innovations__status=status)


admin.site.unregister(Campaign)


@admin.register(Campaign)
class CampaignWithInnovationsAdmin(CampaignAdmin):
    """The campaign admin with its innovations counted and the collated report to print."""

    list_display = [
        *CampaignAdmin.list_display,
        "received",
        "approved",
        "pending",
        "rejected",
        "organisations",
        "report_link",
    ]

    def get_queryset(self, request):
        # Every count in the one changelist query, however many innovations there are.
        counted = Innovation.counted_filter("innovations__")
        return (
            super()
            .get_queryset(request)
            .annotate(
                received_count=Count("innovations", filter=counted),
                approved_count=Count("innovations", filter=_status_is(Innovation.Status.APPROVED)),
                pending_count=Count("innovations", filter=_status_is(Innovation.Status.PENDING)),
                rejected_count=Count("innovations", filter=_status_is(Innovation.Status.REJECTED)),
                organisation_count=Count(
                    "innovations__organisation", filter=counted, distinct=True
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

    def report_view(self, request, pk):
        """The collated list of approved innovations, grouped by organisation, ready to print."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(
            Campaign.objects.annotate(
                pending_count=Count("innovations", filter=_status_is(Innovation.Status.PENDING))
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
            "site_url": absolute_url(""),
        }
        return TemplateResponse(request, "admin/campaign/campaign/report.html", context)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """ "We do this too" / "We'd like to try this": confirmed ones count; notes need approval."""

    list_display = [
        "organisation_display",
        "kind",
        "innovation",
        "confirmed",
        "note_status",
        "note_excerpt",
        "created_at",
    ]
    list_filter = ["kind", "note_status", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["organisation_name", "organisation__name", "innovation__title", "email"]
    list_select_related = ["organisation", "innovation"]
    readonly_fields = [
        "innovation",
        "kind",
        "organisation",
        "organisation_name",
        "name",
        "email",
        "note",
        "note_status",
        "created_at",
        "consented_at",
        "confirmed_at",
    ]
    actions = ["approve_notes", "reject_notes"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Organisation", ordering="organisation_name")
    def organisation_display(self, obj):
        return obj.organisation.name if obj.organisation_id else obj.organisation_name

    @admin.display(description="Confirmed", boolean=True, ordering="confirmed_at")
    def confirmed(self, obj):
        return obj.confirmed_at is not None

    @admin.display(description="Note")
    def note_excerpt(self, obj):
        return obj.note[:80] + ("…" if len(obj.note) > 80 else "")

    @admin.action(description="Approve the notes of the selected responses", permissions=["change"])
    def approve_notes(self, request, queryset):
        count = response_notes_moderate(responses=queryset, status=Response.NoteStatus.APPROVED)
        self.message_user(request, f"Approved {count} note{'s' if count != 1 else ''}.")

    @admin.action(description="Reject the notes of the selected responses", permissions=["change"])
    def reject_notes(self, request, queryset):
        count = response_notes_moderate(responses=queryset, status=Response.NoteStatus.REJECTED)
        self.message_user(request, f"Rejected {count} note{'s' if count != 1 else ''}.")


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """The log of messages to innovators: when, about what, sent or not; never the text."""

    list_display = ["innovation", "status", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["innovation"]
    fields = ["innovation", "status", "created_at", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
