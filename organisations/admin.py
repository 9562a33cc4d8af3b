from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from .matching import similar_owners
from .models import ConfirmedName, Organisation, OrganisationAlias
from .register_admin import RegisterImportAdmin  # noqa: F401 (registered on import)
from .services import confirmed_name_accept, organisation_merge, organisation_save


class AliasInline(admin.TabularInline):
    model = OrganisationAlias
    extra = 1


class ConfirmedNameInline(admin.TabularInline):
    """Spellings people confirmed as this organisation: one click makes one an alias."""

    model = ConfirmedName
    extra = 0
    fields = ["name", "times", "last_confirmed_at", "accept"]
    readonly_fields = ["name", "times", "last_confirmed_at", "accept"]
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Alias")
    def accept(self, confirmed):
        # A button of the change form, sent to its own URL: one click, nothing else saved.
        return format_html(
            '<button type="submit" class="button" formaction="{}" name="confirmed" '
            'value="{}" formnovalidate>Accept “{}” as alias</button>',
            reverse(
                "admin:organisations_organisation_accept_alias", args=[confirmed.organisation_id]
            ),
            confirmed.pk,
            confirmed.name,
        )


def _count(n, singular, plural=None):
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


class MergeForm(forms.Form):
    ids = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all(), widget=forms.MultipleHiddenInput
    )
    keep = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the organisation to keep."},
    )

    def clean(self):
        cleaned = super().clean()
        ids, keep = cleaned.get("ids"), cleaned.get("keep")
        if ids is not None and len(ids) < 2:
            raise forms.ValidationError("Choose two or more organisations to merge.")
        if ids is not None and keep is not None and keep not in ids:
            self.add_error("keep", "Keep one of the organisations being merged.")
        return cleaned


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "kind", "region", "register", "innovation_count", "website"]
    list_filter = ["kind", "register", "region"]
    search_fields = ["name", "aliases__name"]
    inlines = [AliasInline, ConfirmedNameInline]
    # The register's fields follow the imported file (Register imports), not hand edits.
    readonly_fields = ["slug", "register", "register_import", "register_gone_at"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(innovation_count=Count("innovations"))

    @admin.display(description="Innovations", ordering="innovation_count")
    def innovation_count(self, obj):
        return obj.innovation_count

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("merge/", view(self.merge_view), name="organisations_organisation_merge"),
            path(
                "<int:pk>/accept-alias/",
                view(self.accept_alias_view),
                name="organisations_organisation_accept_alias",
            ),
            path(
                "duplicates/",
                view(self.duplicates_view),
                name="organisations_organisation_duplicates",
            ),
            *super().get_urls(),
        ]

    def accept_alias_view(self, request, pk):
        """POST confirmed=<id>: that confirmed name becomes an alias of organisation `pk`."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        confirmed_id = request.POST.get("confirmed", "")
        if not confirmed_id.isdigit():
            raise Http404("No such name.")
        confirmed = get_object_or_404(
            ConfirmedName.objects.select_related("organisation"),
            pk=confirmed_id,
            organisation_id=pk,
        )
        try:
            alias = confirmed_name_accept(confirmed=confirmed)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"“{alias.name}” is now an alias of {alias.organisation.name}: "
                "the form will recognise it without asking.",
                messages.SUCCESS,
            )
        back = request.POST.get("next", "")
        if back != "duplicates":
            return HttpResponseRedirect(
                reverse("admin:organisations_organisation_change", args=[pk])
            )
        return HttpResponseRedirect(reverse("admin:organisations_organisation_duplicates"))

    def save_model(self, request, obj, form, change):
        organisation_save(organisation=obj)

    @admin.action(description="Merge selected organisations…", permissions=["change"])
    def merge_selected(self, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        if len(ids) < 2:
            self.message_user(
                request, "Choose two or more organisations to merge.", messages.WARNING
            )
            return None
        url = reverse("admin:organisations_organisation_merge")
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ids}, doseq=True)}")

    def merge_view(self, request):
        """Confirm a merge: pick the organisation to keep, see what will move to it."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:organisations_organisation_changelist")
        data = request.POST if request.method == "POST" else request.GET
        form = MergeForm(data)
        if request.method == "POST" and form.is_valid():
            keep = form.cleaned_data["keep"]
            others = [org for org in form.cleaned_data["ids"] if org.pk != keep.pk]
            result = organisation_merge(keep=keep, others=others)
            names = ", ".join(org.name for org in others)
            self.message_user(
                request,
                f"Merged {names} into {keep.name}: moved "
                f"{_count(result.innovations, 'innovation')}, "
                f"{_count(result.submissions, 'submission')} and "
                f"{_count(result.aliases_moved, 'alias', 'aliases')}; "
                f"added {_count(result.aliases_added, 'new alias', 'new aliases')}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:organisations_organisation_change", args=[keep.pk])
            )

        ids = [value for value in data.getlist("ids") if value.isdigit()]
        organisations = list(
            Organisation.objects.filter(pk__in=ids)
            .annotate(
                innovation_count=Count("innovations", distinct=True),
                submission_count=Count("submissions", distinct=True),
                alias_count=Count("aliases", distinct=True),
            )
            .prefetch_related("aliases")
            .order_by("name")
        )
        if len(organisations) < 2:
            self.message_user(
                request, "Choose two or more organisations to merge.", messages.WARNING
            )
            return HttpResponseRedirect(changelist)
        if request.method == "GET":
            # Suggest keeping the organisation with most innovations.
            suggested = max(organisations, key=lambda org: (org.innovation_count, -org.pk))
            form = MergeForm(initial={"keep": suggested.pk})
        keep_value = str(form["keep"].value() or "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Merge organisations",
            "subtitle": None,
            "organisations": organisations,
            "keep_value": keep_value,
            "form": form,
            "totals": {
                "innovations": sum(org.innovation_count for org in organisations),
                "submissions": sum(org.submission_count for org in organisations),
                "aliases": sum(org.alias_count for org in organisations),
            },
            "changelist_url": changelist,
        }
        return TemplateResponse(
            request, "admin/organisations/organisation/merge_confirmation.html", context
        )

    def duplicates_view(self, request):
        """Pairs of organisation names that are close: probably the same organisation."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        organisations = {
            org.pk: org
            # In name order, said explicitly: it decides which of a pair is listed first.
            for org in Organisation.objects.annotate(
                innovation_count=Count("innovations")
            ).order_by("name", "pk")
        }
        # Names first, so a pair alike by name is shown by name rather than by an alias.
        labelled = [(org.name, org.pk) for org in organisations.values()]
        labelled += OrganisationAlias.objects.order_by("name").values_list(
            "name", "organisation_id"
        )
        merge_url = reverse("admin:organisations_organisation_merge")
        pairs = []
        for a, b, score, label_a, label_b in similar_owners(labelled):
            first, second = organisations[a], organisations[b]
            pairs.append(
                {
                    "first": first,
                    "second": second,
                    # The alias that looks alike, where it is not the organisation's name.
                    "first_alias": "" if label_a == first.name else label_a,
                    "second_alias": "" if label_b == second.name else label_b,
                    "score": round(score),
                    "merge_url": f"{merge_url}?" + urlencode({"ids": [a, b]}, doseq=True),
                }
            )
        confirmed = ConfirmedName.objects.select_related("organisation").order_by(
            Lower("organisation__name"), "-times", "name"
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Possible duplicate organisations",
            "subtitle": None,
            "pairs": pairs,
            "confirmed_names": confirmed,
            "can_merge": self.has_change_permission(request),
            "changelist_url": reverse("admin:organisations_organisation_changelist"),
        }
        return TemplateResponse(
            request, "admin/organisations/organisation/duplicates.html", context
        )


@admin.register(OrganisationAlias)
class OrganisationAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
