from datetime import datetime
from itertools import groupby

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from campaign.admin import CampaignAdmin
from campaign.models import Campaign, Theme
from core.links import absolute_url
from core.timewords import when_words

from . import exports
from .counts import counted_rows, counts_apply
from .duplicates import similar_titles, title_choices
from .emails import email_send_again
from .models import (
    AlertPreference,
    Answer,
    Email,
    Innovation,
    Question,
    RejectionReason,
    Response,
    Submission,
)
from .moderation import innovation_delete, innovation_edit, innovation_moderate
from .outreach_admin import OutreachAdmin  # noqa: F401 (registered on import)
from .services import (
    edition_publish,
    response_notes_moderate,
    submission_delete,
    submission_innovations_sync,
)


class InnovationInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Innovations follow their submission: when the organiser corrects the submission's
        # organisation (or campaign), the innovations shown here validate and save with it.
        form.instance.campaign_id = self.instance.campaign_id
        form.instance.organisation_id = self.instance.organisation_id
        return form

    def save_new(self, form, commit=True):
        # Received when the submission was, as for one sent through the form.
        form.instance.created_at = self.instance.created_at
        return super().save_new(form, commit=commit)


class NotWithdrawnBySomeoneElse(forms.ModelForm):
    def clean_status(self):
        status = self.cleaned_data["status"]
        initial = self.instance.status if self.instance.pk else None
        if status == Innovation.Status.WITHDRAWN and initial != Innovation.Status.WITHDRAWN:
            raise forms.ValidationError("Only the sender can withdraw an innovation.")
        return status


class InnovationInline(admin.TabularInline):
    """The innovations of a submission. On the add page, complete ones: an organiser records
    innovations that reached them by email there, with who sent them, from which
    organisation, to which campaign (the add page of an innovation leads here)."""

    model = Innovation
    form = NotWithdrawnBySomeoneElse
    formset = InnovationInlineFormSet
    show_change_link = True
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 40})},
    }

    extra = 0

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "description", "theme", "link", "status"]
        return ["title", "theme", "status"]

    def get_min_num(self, request, obj=None, **kwargs):
        # A submission is at least one innovation: the add page shows one, required.
        return 1 if obj is None else 0


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "campaign", "email", "created_at"]
    list_filter = ["campaign"]
    search_fields = ["name", "email", "organisation__name"]
    list_select_related = ["organisation", "campaign"]
    date_hierarchy = "created_at"
    readonly_fields = ["consent_given", "emails_sent"]
    inlines = [InnovationInline]

    # Every change here can alter a campaign's public pages (the tally, the list): each
    # marks the campaign changed on commit, so no cached page goes stale.

    def save_formset(self, request, form, formset, change):
        # A status changed in the inline (or a new innovation recorded as approved or
        # rejected) is a moderation, recorded as on the innovation's page: the rest is saved
        # first with the status it had, then the status is moderated.
        moderations = []
        for inline_form in formset.forms:
            if "status" in inline_form.changed_data and inline_form not in formset.deleted_forms:
                moderations.append((inline_form, inline_form.instance.status))
                inline_form.instance.status = inline_form.get_initial_for_field(
                    inline_form.fields["status"], "status"
                )
        going = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
        uncounted = counted_rows(Innovation.objects.filter(pk__in=going))
        super().save_formset(request, form, formset, change)
        # Innovations recorded here (with the status they had) or deleted here are kept
        # in the counts like the form's and the delete action's (innovations/counts.py).
        counts_apply(added=formset.new_objects, removed=uncounted)
        for inline_form, status in moderations:
            innovation_moderate(
                innovations=Innovation.objects.filter(pk=inline_form.instance.pk),
                status=status,
                user=request.user,
            )

    @admin.display(description="Emails sent")
    def emails_sent(self, obj):
        emails = list(obj.emails.order_by("created_at", "pk")) if obj.pk else []
        if not emails:
            return "None yet."
        rows = []
        for email in emails:
            if email.status == Email.Status.SENT:
                state = f"sent at {when_words(email.sent_at)}"
            elif email.status == Email.Status.FAILED:
                state = f"failed after {email.attempts} tries: {email.last_error}"
            elif email.last_error:
                state = (
                    f"waiting to be sent again at {when_words(email.next_attempt_at)} "
                    f"(try {email.attempts} failed: {email.last_error})"
                    if email.next_attempt_at
                    else f"waiting (last error: {email.last_error})"
                )
            else:
                state = "waiting to be sent"
            rows.append(
                (
                    reverse("admin:innovations_email_change", args=[email.pk]),
                    email.get_kind_display(),
                    email.to,
                    state,
                )
            )
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> to {}: {}', rows)

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
    """Defaults to every open campaign (submissions wait in each of them), else the latest."""

    title = "campaign"
    parameter_name = "campaign"
    field_name = "campaign_id"
    all_label = "All campaigns"
    OPEN = "open"

    def default_value(self, request):
        if Campaign.objects.open_at().exists():
            return self.OPEN
        current = Campaign.objects.current()
        return current.pk if current else None

    def lookups(self, request, model_admin):
        return [(self.OPEN, "Every open campaign"), *Campaign.objects.values_list("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() == self.OPEN:
            return queryset.filter(campaign__in=Campaign.objects.open_at())
        return super().queryset(request, queryset)


class ThemeFilter(admin.SimpleListFilter):
    """By theme, by its name: the same name in several campaigns is one choice."""

    title = "theme"
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        names = Theme.objects.order_by("name").values_list("name", flat=True).distinct()
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(theme__name=self.value())
        return queryset


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


class InnovationForm(NotWithdrawnBySomeoneElse):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "theme" in self.fields and self.instance.campaign_id:
            # The innovation's own campaign's themes (hidden ones too: it may have one).
            self.fields["theme"].queryset = self.fields["theme"].queryset.filter(
                campaign_id=self.instance.campaign_id
            )

    def clean_description(self):
        # Browsers send "\r\n"; stored text uses "\n". Without this, every save
        # would record a description "change" in the history that changes nothing.
        return self.cleaned_data["description"].replace("\r\n", "\n")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Innovation.Status.REJECTED and not cleaned.get(
            "rejection_reason"
        ):
            self.add_error(
                "rejection_reason", "Choose the reason it is not published (the sender is told)."
            )
        return cleaned


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        label="Reason (the sender is told)",
        queryset=RejectionReason.objects.filter(active=True),
        empty_label="Choose a reason",
        error_messages={"required": "Choose the reason they are not published"},
    )
    note = forms.CharField(
        label="Note to the sender (optional)",
        required=False,
        max_length=Innovation._meta.get_field("rejection_note").max_length,
        validators=Innovation._meta.get_field("rejection_note").validators,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class CorrectionFilter(admin.SimpleListFilter):
    title = "correction asked for"
    parameter_name = "correction"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(correction_request="")
        if self.value() == "no":
            return queryset.filter(correction_request="")
        return queryset


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


EXCERPT = 120  # characters of the description in the moderation queue


class ModerationChangeList(ChangeList):
    """The queue's page, with each innovation's likely duplicates found in one query."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # fills the queryset's cache: the rows shown
        campaign_ids = {row.campaign_id for row in rows}
        titles = {}
        for pk, campaign_id, title in Innovation.objects.filter(
            campaign_id__in=campaign_ids
        ).values_list("pk", "campaign_id", "title"):
            titles.setdefault(campaign_id, {})[pk] = title
        prepared = {campaign_id: title_choices(each) for campaign_id, each in titles.items()}
        for row in rows:
            found = similar_titles(
                row.title,
                titles.get(row.campaign_id, {}),
                limit=3,
                prepared=prepared.get(row.campaign_id, {}),
            )
            row.duplicate_hints = [(pk, title) for pk, title, _score in found if pk != row.pk][:2]


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "shown", "text"]
    readonly_fields = ["question", "shown"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Answers to the campaign's questions"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Shown publicly", boolean=True)
    def shown(self, answer):
        return answer.question.public


@admin.register(Innovation)
class InnovationAdmin(SimpleHistoryAdmin):
    form = InnovationForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # What a moderator decides on first; the wide campaign title last (and only when
    # the list spans campaigns), so status and date fit on a laptop's screen.
    # The title links to the innovation, with the start of its description and any
    # likely duplicates beneath it: one column, so the queue still fits at 1280 px.
    list_display = [
        "innovation",
        "organisation",
        "status",
        "submitted",
        "reason",
        "correction",
        "theme_name",
        "campaign",
    ]
    list_display_links = None
    list_filter = [
        CampaignFilter,
        StatusFilter,
        "rejection_reason",
        CorrectionFilter,
        ThemeFilter,
        "organisation__kind",
    ]
    search_fields = [
        "title",
        "description",
        "organisation__name",
        "submission__name",
        "submission__email",
    ]
    search_help_text = "Search titles, descriptions, organisations and submitters."
    list_select_related = ["organisation", "campaign", "rejection_reason", "theme"]
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    history_list_display = ["status"]

    # Not the foreign key itself: the admin keeps a foreign key's cell on one line
    # ("nowrap"), and "Customer insight and feedback" would push the queue past 1280 px.
    @admin.display(description="Theme", ordering="theme__name")
    def theme_name(self, innovation):
        return innovation.theme.name

    @admin.display(description="Submitted", ordering="created_at")
    def submitted(self, innovation):
        return innovation.created_at

    @admin.display(description="Innovation", ordering="title")
    def innovation(self, innovation):
        """Its title (the link), the start of its description, and the innovations of the
        same campaign with a very similar title (found for the whole page at once by
        ModerationChangeList, so no query per row)."""
        parts = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:innovations_innovation_change", args=[innovation.pk]),
                innovation.title,
            ),
            format_html(
                '<div class="queue-excerpt">{}</div>',
                Truncator(innovation.description).chars(EXCERPT),
            ),
        ]
        hints = getattr(innovation, "duplicate_hints", [])
        if hints:
            links = format_html_join(
                ", ",
                '<a href="{}">#{}: {}</a>',
                (
                    (reverse("admin:innovations_innovation_change", args=[pk]), pk, title)
                    for pk, title in hints
                ),
            )
            parts.append(format_html('<div class="queue-duplicates">Looks like {}</div>', links))
        return mark_safe("".join(parts))  # noqa: S308 - each part is escaped by format_html

    def get_changelist(self, request, **kwargs):
        return ModerationChangeList

    class Media:
        css = {"all": ["css/admin-extra.css"]}

    def view_on_site(self, innovation):
        # Any status: the staff-only preview shows it as the public would see it.
        return reverse(
            "innovations:preview", kwargs={"slug": innovation.campaign.slug, "pk": innovation.pk}
        )

    @admin.display(description="Reason not published", ordering="rejection_reason__text")
    def reason(self, innovation):
        return innovation.rejection_reason or ""

    @admin.display(description="Correction asked for")
    def correction(self, innovation):
        return innovation.correction_request or ""

    def get_list_display(self, request):
        """Only the columns the list needs, so status and date fit on a laptop's screen.

        The campaign only when the list spans campaigns: all of them, or every open one
        when more than one is open; the reason not published beside rejected ones;
        corrections asked for beside published ones.
        """
        value = request.GET.get(CampaignFilter.parameter_name)
        status = request.GET.get(StatusFilter.parameter_name, Innovation.Status.PENDING)
        hidden = set()
        if not (
            value == CampaignFilter.ALL
            or (value in (None, CampaignFilter.OPEN) and Campaign.objects.open_at().count() > 1)
        ):
            hidden.add("campaign")
        if status not in (Innovation.Status.REJECTED, StatusFilter.ALL):
            hidden.add("reason")
        if status not in (Innovation.Status.APPROVED, StatusFilter.ALL) and not request.GET.get(
            CorrectionFilter.parameter_name
        ):
            hidden.add("correction")
        return [name for name in self.list_display if name not in hidden]

    fieldsets = [
        (None, {"fields": ["title", "description", "theme", "link", "status"]}),
        ("Picture", {"fields": ["picture_preview", "image_alt"]}),
        (
            "Not published",
            {
                "description": "When rejecting: the reason and note are emailed to the sender.",
                "fields": ["rejection_reason", "rejection_note"],
            },
        ),
        (
            "Correction asked for by the sender",
            {
                "description": "Make the change above, then clear the request; "
                "the history records both.",
                "fields": ["correction_request", "correction_requested_at"],
            },
        ),
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
    inlines = [AnswerInline]
    readonly_fields = [
        "picture_preview",
        "submitter",
        "submission_innovations",
        "campaign",
        "organisation",
        "created_at",
        "moderated_at",
        "moderated_by",
        "correction_requested_at",
    ]

    def add_view(self, request, form_url="", extra_context=None):
        """An innovation is recorded with its submission (who sent it, from which organisation,
        to which campaign): "Add innovation" leads to the submission's add page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        submission_admin = self.admin_site._registry[Submission]
        if not submission_admin.has_add_permission(request):
            raise PermissionDenied
        messages.info(
            request,
            "Record an innovation with the submission it came in: who sent it, their "
            "organisation and the campaign, then the innovation itself below.",
        )
        return HttpResponseRedirect(reverse("admin:innovations_submission_add"))

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

    @admin.action(description="Reject selected innovations…", permissions=["change"])
    def reject_selected(self, request, queryset):
        """An intermediate page: the reason (from the list kept in admin) and a note."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            selected = queryset.count()
            changed = innovation_moderate(
                innovations=queryset,
                status=Innovation.Status.REJECTED,
                user=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            noun = "innovation" if changed == 1 else "innovations"
            message = f"{changed} {noun} rejected ({form.cleaned_data['reason']})."
            if selected - changed:
                message += f" {selected - changed} already rejected or withdrawn."
            self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject innovations",
            "opts": self.model._meta,
            "form": form,
            "innovations": queryset.select_related("organisation"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/innovations/innovation/reject.html", context)

    @admin.display(description="Picture")
    def picture_preview(self, obj):
        if not obj.image_key:
            return "No picture was sent."
        return format_html(
            '<img src="{}" alt="{}" width="320"><br><a href="{}">Full size ({} px wide)</a>',
            obj.picture_url(obj.image_widths[0]),
            obj.image_alt,
            obj.picture_url(),
            obj.picture_width,
        )

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
# The admin's front page says how many innovations wait for moderation.
admin.site.index_template = "admin/organisers_index.html"


@admin.register(Campaign)
class CampaignWithInnovationsAdmin(CampaignAdmin):
    """The campaign admin with its innovations counted and the collated report to print."""

    # Fits 1280 px: the status in words, the counts grouped in one column.
    list_display = [*CampaignAdmin.list_display, "counts", "report_link"]

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

    @admin.display(description="Innovations", ordering="received_count")
    def counts(self, obj):
        return format_html(
            "{} received: {} approved, {} pending<br>{} rejected · {} organisation{}",
            obj.received_count,
            obj.approved_count,
            obj.pending_count,
            obj.rejected_count,
            obj.organisation_count,
            "" if obj.organisation_count == 1 else "s",
        )

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
            path(
                "<int:pk>/publish-edition/",
                self.admin_site.admin_view(self.publish_edition_view),
                name="campaign_campaign_publish_edition",
            ),
            path(
                "<int:pk>/export.csv",
                self.admin_site.admin_view(self.export_view),
                {"export": exports.export_csv},
                name="campaign_campaign_export_csv",
            ),
            path(
                "<int:pk>/export.json",
                self.admin_site.admin_view(self.export_view),
                {"export": exports.export_json},
                name="campaign_campaign_export_json",
            ),
            *super().get_urls(),
        ]

    def publish_edition_view(self, request, pk):
        """GET: what publishing means; POST: publish the next edition of the PDF."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=pk)
        if request.method == "POST":
            edition = edition_publish(campaign=campaign)
            self.message_user(
                request,
                format_html(
                    'Edition {} is published at <a href="{}">{}</a>.',
                    edition.number,
                    edition.get_absolute_url(),
                    edition.get_absolute_url(),
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:campaign_campaign_change", args=[campaign.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Publish an edition of {campaign.title}",
            "campaign": campaign,
            "opts": self.model._meta,
            "editions": list(campaign.editions.order_by("number")),
            "open": campaign.is_open(),
        }
        return TemplateResponse(request, "admin/campaign/campaign/publish_edition.html", context)

    def export_view(self, request, pk, export):
        """The organisers' export: every question's answers, the organisers-only ones too."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=pk)
        response = export(request, campaign, include_private=True)
        response["Cache-Control"] = "private, no-store"
        return response

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
            .select_related("organisation", "theme")
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


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["text", "position", "active", "used"]
    list_editable = ["position", "active"]
    search_fields = ["text"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(used_count=models.Count("innovations"))

    @admin.display(description="Innovations", ordering="used_count")
    def used(self, obj):
        return obj.used_count


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """Every email the site sent or is sending, with its state and the last error."""

    list_display = ["subject", "to", "kind", "status", "attempts", "created_at", "sent_at", "error"]
    list_filter = ["status", "kind", "campaign"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [
        "kind",
        "campaign",
        "submission",
        "to",
        "reply_to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "text",
    ]
    fields = readonly_fields

    @admin.display(description="Text")
    def text(self, obj):
        if obj.kind == Email.Kind.RECEIPT:
            # It carries the sender's manage link, which only the sender should hold.
            return "Not shown: a receipt holds the sender's own link to change their innovations."
        if obj.kind == Email.Kind.RESPONSE:
            return "Not shown: it holds the link only the responder may use to confirm."
        if obj.kind == Email.Kind.QUESTION:
            return "Not shown: a reader's message to the person who shared the innovation."
        return format_html("<pre>{}</pre>", obj.body_text) if obj.body_text else "-"

    @admin.display(description="Last error")
    def error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("send_again", None)
        return actions

    @admin.action(description="Send the selected emails again (failed or stuck)")
    def send_again(self, request, queryset):
        count = email_send_again(emails=queryset)
        self.message_user(request, f"{count} email{'s' if count != 1 else ''} queued again.")


class AlertPreferenceForm(forms.ModelForm):
    class Meta:
        model = AlertPreference
        fields = ["user", "frequency"]
        widgets = {"frequency": forms.RadioSelect}


@admin.register(AlertPreference)
class AlertPreferenceAdmin(admin.ModelAdmin):
    """How each organiser hears of new submissions; each chooses their own."""

    form = AlertPreferenceForm
    list_display = ["user", "frequency"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(user=request.user)

    def get_fields(self, request, obj=None):
        return ["user", "frequency"] if request.user.is_superuser else ["frequency"]

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        return (
            request.user.is_superuser
            or not AlertPreference.objects.filter(user=request.user).exists()
        )

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)


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
