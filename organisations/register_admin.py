"""Admin for the register of the sector: upload a file, see what would change, then save.

Saving calls `services.register_import`, which marks the public pages changed: reach
is on every campaign's page.
"""

import io
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core.caching import cache_call

from .models import RegisterImport
from .register import NEW, RegisterError, plan_register
from .services import register_import

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 60 * 60
SHOWN = 200  # rows listed per group in the preview; the counts are always whole


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Register file (CSV)",
        help_text="UTF-8 CSV with the header name,kind,region,homes,website. "
        "The file is the whole register: organisations missing from it are marked gone.",
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=300)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB: is it the register?")
        return upload


def _held_key(token):
    return f"register-upload:{token}"


@admin.register(RegisterImport)
class RegisterImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "imported_at",
        "imported_by",
        "rows",
        "added",
        "updated",
        "unchanged",
        "gone",
    ]
    readonly_fields = list_display + ["note"]
    list_select_related = ["imported_by"]

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    def has_delete_permission(self, request, obj=None):
        return False  # deleting the record would not undo the import

    def add_view(self, request, form_url="", extra_context=None):
        """Step 1, upload: nothing is saved. Step 2, the preview and the near misses: save."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import the register",
            "subtitle": None,
            "changelist_url": reverse("admin:organisations_registerimport_changelist"),
        }
        if request.method == "POST" and request.POST.get("token"):
            return self._save(request, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            try:
                plan = plan_register(_lines(data))
            except RegisterError as error:
                context.update(form=form, errors=error.errors, error_total=error.total)
                return TemplateResponse(
                    request, "admin/organisations/registerimport/upload.html", context, status=400
                )
            token = secrets.token_urlsafe(16)
            held = {"data": data, "name": upload.name, "note": form.cleaned_data["note"]}
            cache_call("set", lambda: cache.set(_held_key(token), held, KEEP_SECONDS))
            context.update(self._preview_context(plan, token, upload.name))
            return TemplateResponse(
                request, "admin/organisations/registerimport/preview.html", context
            )
        context["form"] = form
        return TemplateResponse(request, "admin/organisations/registerimport/upload.html", context)

    @staticmethod
    def _preview_context(plan, token, name, answers=None):
        return {
            "plan": plan,
            "token": token,
            "file_name": name,
            "answers": answers or {},
            "shown": SHOWN,
            "added": plan.added[:SHOWN],
            "updated": plan.updated[:SHOWN],
            "gone": plan.gone[:SHOWN],
            "gone_more": max(0, len(plan.gone) - SHOWN),
            "new_answer": NEW,
        }

    def _save(self, request, context):
        token = request.POST["token"]
        held = cache_call("get", lambda: cache.get(_held_key(token)))
        # Claimed once: a double click or a second tab cannot import the same file twice.
        claim = f"{_held_key(token)}:saving"
        if held is not None and not cache_call(
            "add", lambda: cache.add(claim, 1, KEEP_SECONDS), False
        ):
            held = None
        if held is None:
            self.message_user(
                request,
                "The uploaded file is no longer kept (it is kept for an hour, while the "
                "cache works): upload it again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:organisations_registerimport_add"))
        confirmed = {}
        for key, value in request.POST.items():
            if key.startswith("line-") and key[5:].isdigit():
                confirmed[int(key[5:])] = value
        try:
            record, plan = register_import(
                file=_lines(held["data"]),
                file_name=held["name"],
                user=request.user,
                confirmed=confirmed,
                note=held["note"],
            )
        except RegisterError as error:
            # The organisations changed since the preview in a way the file now clashes with.
            context.update(form=UploadForm(), errors=error.errors, error_total=error.total)
            return TemplateResponse(
                request, "admin/organisations/registerimport/upload.html", context, status=400
            )
        cache_call("delete", lambda: cache.delete(_held_key(token)))
        self.message_user(
            request,
            f"Imported {record.rows:,} rows from {record.file_name}: {record.added:,} new, "
            f"{record.updated:,} updated, {record.unchanged:,} unchanged, "
            f"{record.gone:,} gone from the register.",
            messages.SUCCESS,
        )
        if plan.near_misses:
            self.message_user(
                request,
                f"{len(plan.near_misses)} added as new organisations though their names look "
                "like known ones: see Organisations › Possible duplicates.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:organisations_registerimport_changelist"))


def _lines(data: bytes):
    """The uploaded bytes as the binary file `plan_register` reads line by line."""
    return io.BytesIO(data)
