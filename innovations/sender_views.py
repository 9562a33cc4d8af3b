"""The manage link: the sender's own page to edit, withdraw, add to, or ask for a correction.

Every page is found by the secret in its address (a wrong or expired one is the
site's 404) and never cached. An innovation id in the address that is not this
submission's is a 404 too, so a forged form changes nothing. While the campaign is
open the sender can change things; after the close the page is read only, and a
POST that arrives late saves nothing and shows what was typed.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.clientip import client_ip
from core.timewords import minutes_words, when_words

from .forms import (
    FORMSET_PREFIX,
    MAX_INNOVATIONS,
    CorrectionForm,
    InnovationFormSet,
    SenderEditForm,
    form_error_summary,
    formset_error_summary,
    typed_innovations,
)
from .models import Innovation
from .notifications import MANAGE_LINK_LIFETIME
from .ratelimit import innovations_reserve
from .services import (
    CampaignClosed,
    NotEditable,
    innovation_correction_request,
    innovation_edit_by_sender,
    innovation_withdraw,
    submission_add_innovations,
    submission_for_manage_token,
)
from .tally import cached_tally
from .views import _refused

DONE = {
    "edited": "Your changes are saved.",
    "withdrawn": "Withdrawn: it no longer appears on the public pages or counts in the tally.",
    "added": "Added: the organiser reads every one before it appears on the public list.",
    "correction": "Sent: the organiser will read your message and make the correction.",
}


def _submission(slug, token):
    submission = submission_for_manage_token(slug=slug, token=token)
    if submission is None:
        raise Http404("No such manage link, or it has expired.")
    return submission


def _innovation(submission, innovation_id):
    try:
        return submission.innovations.get(pk=innovation_id)
    except Innovation.DoesNotExist as error:
        raise Http404("Not one of this submission's innovations.") from error


def _manage_url(submission, token, done=""):
    url = reverse("innovations:manage", kwargs={"slug": submission.campaign.slug, "token": token})
    return f"{url}?done={done}" if done else url


def _back_to_manage(submission, token, done):
    response = HttpResponseRedirect(_manage_url(submission, token, done))
    response.status_code = 303
    return response


def _context(submission, token, **extra):
    campaign = submission.campaign
    return {
        "campaign": campaign,
        "submission": submission,
        "token": token,
        "is_open": campaign.is_open(),
        "closes_at": when_words(campaign.closes_at),
        "link_ends": when_words(campaign.closes_at + MANAGE_LINK_LIFETIME),
        "manage_url": _manage_url(submission, token),
        **extra,
    }


def _closed(request, template, context):
    """A POST after the close: nothing saved, what they typed shown again."""
    context["closed_notice"] = (
        f"The campaign closed at {context['closes_at']}, so nothing was saved. "
        "What you typed is below, to keep if you need it."
    )
    return render(request, template, context, status=403)


@never_cache
def manage(request, slug, token):
    submission = _submission(slug, token)
    innovations = list(
        submission.innovations.select_related("rejection_reason", "theme").order_by(
            "created_at", "pk"
        )
    )
    context = _context(
        submission,
        token,
        innovations=innovations,
        done=DONE.get(request.GET.get("done", ""), ""),
        tally=cached_tally(submission.campaign),
    )
    return render(request, "innovations/manage.html", context)


@never_cache
def edit(request, slug, token, pk):
    submission = _submission(slug, token)
    innovation = _innovation(submission, pk)
    template = "innovations/manage_edit.html"
    if innovation.status != Innovation.Status.PENDING:
        context = _context(submission, token, innovation=innovation, not_editable=True)
        return render(request, template, context, status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        form = SenderEditForm(instance=innovation, campaign=submission.campaign)
        return render(
            request, template, _context(submission, token, innovation=innovation, form=form)
        )
    form = SenderEditForm(
        request.POST,
        instance=Innovation.objects.select_related("theme").get(pk=innovation.pk),
        campaign=submission.campaign,
    )
    context = _context(submission, token, innovation=innovation, form=form)
    if not submission.campaign.is_open():
        return _closed(request, template, context)
    if not form.is_valid():
        context["errors"] = form_error_summary(form)
        return render(request, template, context, status=400)
    try:
        innovation_edit_by_sender(
            submission=submission, innovation_id=innovation.pk, fields=form.cleaned_data
        )
    except CampaignClosed:
        return _closed(request, template, context)
    except NotEditable as error:
        context.update(not_editable=True, notice=str(error))
        return render(request, template, context, status=409)
    except ValidationError as error:
        form.add_error(None, " ".join(error.messages))
        context["errors"] = form_error_summary(form)
        return render(request, template, context, status=400)
    return _back_to_manage(submission, token, "edited")


@never_cache
def withdraw(request, slug, token, pk):
    """A confirmation page (no JavaScript needed), then the withdrawal on POST."""
    submission = _submission(slug, token)
    innovation = _innovation(submission, pk)
    template = "innovations/manage_withdraw.html"
    context = _context(submission, token, innovation=innovation)
    if request.method != "POST":
        return render(request, template, context)
    if not submission.campaign.is_open():
        return _closed(request, template, context)
    try:
        innovation_withdraw(submission=submission, innovation_id=innovation.pk)
    except CampaignClosed:
        return _closed(request, template, context)
    except NotEditable as error:
        context["notice"] = str(error)
        return render(request, template, context, status=409)
    return _back_to_manage(submission, token, "withdrawn")


@never_cache
def correction(request, slug, token, pk):
    submission = _submission(slug, token)
    innovation = _innovation(submission, pk)
    template = "innovations/manage_correction.html"
    form = CorrectionForm(request.POST or None)
    context = _context(submission, token, innovation=innovation, form=form)
    if innovation.status != Innovation.Status.APPROVED:
        context["not_published"] = True
        return render(request, template, context, status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        return render(request, template, context)
    if not submission.campaign.is_open():
        return _closed(request, template, context)
    if not form.is_valid():
        context["errors"] = form_error_summary(form)
        return render(request, template, context, status=400)
    try:
        innovation_correction_request(
            submission=submission,
            innovation_id=innovation.pk,
            message=form.cleaned_data["message"],
        )
    except CampaignClosed:
        return _closed(request, template, context)
    return _back_to_manage(submission, token, "correction")


def _add_context(submission, token, formset, **extra):
    return _context(
        submission,
        token,
        formset=formset,
        max_innovations=MAX_INNOVATIONS,
        can_add=formset.total_form_count() < MAX_INNOVATIONS,
        **extra,
    )


@never_cache
def add(request, slug, token):
    """More innovations in the same submission: the form's deadline, rate limit and validation."""
    submission = _submission(slug, token)
    campaign = submission.campaign
    template = "innovations/manage_add.html"
    arrived = timezone.now()
    if request.method != "POST":
        formset = InnovationFormSet(prefix=FORMSET_PREFIX, form_kwargs={"campaign": campaign})
        return render(request, template, _add_context(submission, token, formset))
    if "add_another" in request.POST:
        rows = typed_innovations(request.POST)
        if len(rows) < MAX_INNOVATIONS:
            rows.append({})
        formset = InnovationFormSet(
            prefix=FORMSET_PREFIX, initial=rows, form_kwargs={"campaign": campaign}
        )
        formset.forms[len(rows) - 1].fields["title"].widget.attrs["autofocus"] = True
        return render(request, template, _add_context(submission, token, formset))
    formset = InnovationFormSet(
        request.POST, request.FILES, prefix=FORMSET_PREFIX, form_kwargs={"campaign": campaign}
    )
    context = _add_context(submission, token, formset)
    if not campaign.is_open(arrived):
        _refused(request, campaign, "closed", via="manage")
        return _closed(request, template, context)
    if not formset.is_valid():
        context["errors"] = formset_error_summary(formset)
        if not formset.forms:
            context["formset"] = InnovationFormSet(
                prefix=FORMSET_PREFIX,
                initial=typed_innovations(request.POST),
                form_kwargs={"campaign": campaign},
            )
        return render(request, template, context, status=400)
    rows = [form.submission_fields() for form in formset.filled_forms()]
    reservation = innovations_reserve(
        address=client_ip(request), email=submission.email, count_=len(rows)
    )
    if not reservation.allowed:
        # The form's rule: what was typed stays, with when to send it again.
        _refused(request, campaign, "rate-limited", via="manage", innovations=len(rows))
        context["notice"] = (
            "We have had a lot of innovations from you in the last few minutes, so nothing "
            f"was saved. Everything you typed is still here: please wait "
            f"{minutes_words(reservation.retry_after)} and send it again."
        )
        response = render(request, template, context, status=429)
        response["Retry-After"] = str(reservation.retry_after)
        return response
    try:
        submission_add_innovations(submission=submission, innovations=rows, at=arrived)
    except CampaignClosed:
        reservation.release()
        return _closed(request, template, context)
    except ValidationError as error:
        reservation.release()
        context["errors"] = [
            {"text": message, "href": "#innovation-forms"} for message in error.messages
        ]
        return render(request, template, context, status=400)
    return _back_to_manage(submission, token, "added")
