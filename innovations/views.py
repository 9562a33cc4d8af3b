"""The submission form, the page after it, and every way a submission can be refused."""

import hmac
import logging
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.cache import never_cache

from campaign.models import Campaign
from campaign.reading import campaign_or_404
from core.caching import cache_call, cached
from core.clientip import client_ip
from core.http import form_page, reading
from core.links import absolute_url
from core.timewords import clock_words, minutes_words
from organisations.services import OrganisationNotConfirmed

from .forms import (
    FORMSET_PREFIX,
    MAX_INNOVATIONS,
    InnovationFormSet,
    SubmitterForm,
    error_summary,
    read_token,
    typed_innovations,
)
from .models import Innovation, Submission, manage_token_hash, public_organisations
from .ratelimit import innovations_reserve
from .services import CampaignClosed, submission_create
from .tally import cached_tally, recent_tally

logger = logging.getLogger("innovations.submissions")
# How long the form's copy of a campaign is kept for a database outage (seconds).
REMEMBER = 24 * 3600

MANAGE_COOKIE = "manage"
MANAGE_COOKIE_AGE = 60 * 60
SUBMITTER_FIELDS = ["name", "email", "organisation", "organisation_choice", "role", "twitter"]
DATABASE_TROUBLE = (
    "Sorry, we could not save your innovations just now, so nothing was saved. "
    "Everything you typed is still here: please send the form again in a minute."
)


def _refused(request, campaign, reason, **details):
    """One log line for every submission refused or discarded, and why."""
    extra = " ".join(f"{key}={value}" for key, value in details.items())
    logger.warning(
        "submission refused: reason=%s campaign=%s ip=%s %s",
        reason,
        campaign.slug,
        client_ip(request),
        extra,
        extra={"reason": reason, "campaign": campaign.slug, **details},
    )


def _see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _thanks_url(submission):
    return reverse(
        "innovations:thanks",
        kwargs={"slug": submission.campaign.slug, "receipt": submission.receipt},
    )


def _repeat_of_earlier(request, campaign, receipt):
    """A form that was already saved, sent again: its thank-you page, or None."""
    earlier = Submission.objects.filter(campaign=campaign, receipt=receipt).first()
    if earlier is None:
        return None
    _refused(request, campaign, "duplicate")
    return _see_other(_thanks_url(earlier))


def organisation_options():
    """The form's <datalist> options, as HTML: only organisations the public may see (one
    approved innovation).

    Joined here rather than looped over in the template: with 1,500 organisations the
    template loop took ~10 ms of every form page, this takes ~1 ms (docs/performance.md).
    """
    names = public_organisations().order_by("name").values_list("name", flat=True)
    return format_html_join("", '<option value="{}">', ((name,) for name in names))


def _innovation_template(campaign):
    """The blank innovation fieldset that add-another.js copies (`__prefix__`, `__number__`).

    The same for everyone (no data, no token) but the campaign's own themes and questions,
    so it is rendered once per campaign until the next change, not on every form page: it
    was a third of the page's rendering.
    """

    def render():
        form = InnovationFormSet(prefix=FORMSET_PREFIX, form_kwargs={"campaign": campaign})
        return render_to_string(
            "innovations/includes/innovation_fieldset.html",
            {"form": form.empty_form, "number": "__number__"},
        )

    if campaign is None:
        return render()
    return cached(f"innovation-template:{campaign.pk}", render, kept_across_submissions=True)


class _WhenShown:
    """HTML made when the page template shows it, not before: the page's own context is
    then the first one rendered (what tests read as `response.context`)."""

    def __init__(self, make):
        self.make = make

    def __html__(self):
        return self.make()

    __str__ = __html__


def _form_page(
    request,
    campaign,
    submitter,
    formset,
    *,
    status=200,
    notice="",
    slug=None,
    validated=True,
    heading="Share an innovation",
    blank=False,
):
    """The form, with what was typed when bound.

    `campaign` is None when it could not be read (a database outage during a POST):
    the page then needs only the `slug` from the URL. `validated=False` shows what was
    typed without judging it (validation may need the database). `blank=True`: the
    forms are new and empty, so their fields are the same for everyone and rendered
    once per campaign (the CSRF and one-time tokens are outside them, in the page).
    """
    errors = error_summary(submitter, formset) if submitter.is_bound and validated else []
    if not blank and not formset.forms:
        # Broken or zero form counts: show their words (or a blank form) to carry on with.
        formset = InnovationFormSet(
            prefix=FORMSET_PREFIX,
            initial=typed_innovations(request.POST),
            form_kwargs={"campaign": campaign},
        )
    # After a database error, ask the database nothing more: the page must still show.
    quiet = bool(notice) or campaign is None

    def render_fields():
        options = ""
        if not quiet:
            options = cached("organisations", organisation_options, kept_across_submissions=True)
        return render_to_string(
            "innovations/includes/submission_fields.html",
            {
                "form": submitter,
                "formset": formset,
                "organisation_options": options,
                "innovation_template": _innovation_template(campaign),
                "max_innovations": MAX_INNOVATIONS,
                "can_add": formset.total_form_count() < MAX_INNOVATIONS,
            },
        )

    if blank and not quiet:
        fields = _WhenShown(
            lambda: cached(f"blank-form:{campaign.pk}", render_fields, kept_across_submissions=True)
        )
    else:
        fields = _WhenShown(render_fields)
    context = {
        "campaign": campaign,
        "slug": campaign.slug if campaign is not None else slug,
        "form": submitter,
        "formset": formset,
        "errors": errors,
        "notice": notice,
        "heading": heading,
        "tally": None if quiet else recent_tally(campaign),
        "max_innovations": MAX_INNOVATIONS,
        "form_fields": fields,
    }
    return render(request, "innovations/submit.html", context, status=status)


def _remembered_campaign(slug):
    """The copy of the campaign kept by the form's last GET, or None (see _remember)."""
    return cache_call("get", lambda: cache.get(f"submit-campaign:{settings.RELEASE}:{slug}"))


def _remember(campaign):
    """Keep a copy of the campaign, so a POST during a database outage can show its form."""
    key = f"submit-campaign:{settings.RELEASE}:{campaign.slug}"
    cache_call("add", lambda: cache.add(key, campaign, REMEMBER))


def _outage_page(request, slug, error):
    """A POST that arrived while the database is unreachable: its form, as typed, on a 503."""
    campaign = _remembered_campaign(slug)
    logger.warning(
        "submission refused: reason=database-error campaign=%s ip=%s error=%s",
        slug,
        client_ip(request),
        type(error).__name__,
        extra={"reason": "database-error", "campaign": slug},
    )
    submitter = SubmitterForm(request.POST)
    formset = InnovationFormSet(request.POST, prefix=FORMSET_PREFIX)
    return _form_page(
        request,
        campaign,
        submitter,
        formset,
        status=503,
        notice=DATABASE_TROUBLE,
        slug=slug,
        validated=False,
    )


def _too_many_page(request, campaign, submitter, formset, retry_after):
    """Over a rate limit: the form as typed, when to send it again, and a Retry-After."""
    again = timezone.now() + timedelta(seconds=retry_after)
    notice = (
        "We have had a lot of innovations from you in the last few "
        "minutes, so nothing was saved. Everything you typed is still here: please wait "
        f"{minutes_words(retry_after)} and send the form again (after {clock_words(again)})."
    )
    response = _form_page(
        request,
        campaign,
        submitter,
        formset,
        status=429,
        notice=notice,
        heading="Slow down a little",
    )
    response["Retry-After"] = str(retry_after)
    return response


def _closed_page(request, campaign, *, status=200, typed=None):
    """Before or after the campaign; on a POST, what they typed, so it is not lost."""
    context = {"campaign": campaign, "tally": cached_tally(campaign)}
    if typed is not None:
        context["typed"] = {name: typed.get(name, "") for name in SUBMITTER_FIELDS}
        context["typed_innovations"] = [
            row for row in typed_innovations(typed) if any(row.values())
        ]
    return render(request, "innovations/closed.html", context, status=status)


@never_cache
@form_page
def submit(request, slug):
    """GET: the form while the campaign is open, else when it opens or that it closed.

    POST: the deadline is decided here, on arrival; then the honeypot, validation,
    the one-time token, the rate limit, and one transaction for the whole batch.
    """
    if request.method != "POST":
        # Kept until its settings change; remembered for a database outage (_remember).
        campaign = campaign_or_404(slug, when_read=_remember)
    else:
        try:
            # From the database: the deadline a POST is held to is never a cached copy's.
            # (Its themes come from the cache: campaign.themes.campaign_themes.)
            campaign = get_object_or_404(Campaign, slug=slug)
        except DatabaseError as error:
            return _outage_page(request, slug, error)
    arrived = timezone.now()
    if not campaign.is_open(arrived):
        if request.method == "POST":
            _refused(request, campaign, campaign.status(arrived))
            return _closed_page(request, campaign, status=403, typed=request.POST)
        return _closed_page(request, campaign)
    if request.method != "POST":
        return _form_page(
            request,
            campaign,
            SubmitterForm(campaign=campaign),
            InnovationFormSet(prefix=FORMSET_PREFIX, form_kwargs={"campaign": campaign}),
            blank=True,
        )
    if "add_another" in request.POST:
        return _add_another(request, campaign)

    submitter = SubmitterForm(request.POST, campaign=campaign)
    formset = InnovationFormSet(
        request.POST, request.FILES, prefix=FORMSET_PREFIX, form_kwargs={"campaign": campaign}
    )
    if request.POST.get("website"):
        _refused(request, campaign, "honeypot")
        return render(request, "innovations/thanks.html", {"campaign": campaign})
    submitter_ok = submitter.is_valid()
    if not (formset.is_valid() and submitter_ok):
        fields = sorted({item["href"].lstrip("#") for item in error_summary(submitter, formset)})
        _refused(request, campaign, "invalid", fields=",".join(fields))
        return _form_page(request, campaign, submitter, formset, status=400)

    # A form sent twice (a double click, a retry) is caught by the receipt's unique
    # constraint when it is saved (the IntegrityError below): no query before.
    receipt = submitter.receipt
    data = submitter.cleaned_data
    rows = [form.submission_fields() for form in formset.filled_forms()]
    reservation = innovations_reserve(
        address=client_ip(request), email=data["email"], count_=len(rows)
    )
    if not reservation.allowed:
        if (repeat := _repeat_of_earlier(request, campaign, receipt)) is not None:
            return repeat  # the form that took the last place, sent again
        _refused(request, campaign, "rate-limited", innovations=len(rows))
        return _too_many_page(request, campaign, submitter, formset, reservation.retry_after)

    try:
        submission = _create(
            reservation,
            campaign=campaign,
            name=data["name"],
            email=data["email"],
            organisation_name=data["organisation"],
            organisation_choice=data["organisation_choice"],
            role=data["role"],
            twitter=data["twitter"],
            innovations=rows,
            receipt=receipt,
            at=arrived,
        )
    except OrganisationNotConfirmed as question:
        submitter.ask_which_organisation(question.name, question.suggestions)
        return _form_page(request, campaign, submitter, formset)
    except CampaignClosed:
        _refused(request, campaign, "closed")
        return _closed_page(request, campaign, status=403, typed=request.POST)
    except ValidationError as error:
        _refused(request, campaign, "invalid", detail=error.messages[0])
        submitter.add_error(None, f"Please check your details: {' '.join(error.messages)}")
        return _form_page(request, campaign, submitter, formset, status=400)
    except DatabaseError as error:
        # The receipt's unique constraint: the same form was saved by a request a moment ago.
        if isinstance(error, IntegrityError):
            repeat = _repeat_of_earlier(request, campaign, receipt)
            if repeat is not None:
                return repeat
        _refused(request, campaign, "database-error", error=type(error).__name__)
        return _form_page(
            request, campaign, submitter, formset, status=503, notice=DATABASE_TROUBLE
        )
    response = _see_other(_thanks_url(submission))
    # The thank-you page shows the manage link once, to this browser only: the secret is
    # not stored (only its hash), so it travels in a cookie scoped to that page.
    response.set_cookie(
        MANAGE_COOKIE,
        submission.manage_token,
        max_age=MANAGE_COOKIE_AGE,
        path=_thanks_url(submission),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _create(reservation, **fields):
    """`submission_create`; the innovations go back to the rate limit if it saves nothing."""
    try:
        return submission_create(**fields)
    except BaseException:
        reservation.release()
        raise


def _add_another(request, campaign):
    """The "Add another innovation" button without JavaScript: the same page, one more form."""
    post = request.POST
    initial = {name: post.get(name, "") for name in SUBMITTER_FIELDS}
    initial["consent"] = bool(post.get("consent"))
    if read_token(post.get("token", "")) is not None:
        initial["token"] = post["token"]
    rows = typed_innovations(post)
    if len(rows) < MAX_INNOVATIONS:
        rows.append({})
    formset = InnovationFormSet(
        prefix=FORMSET_PREFIX, initial=rows, form_kwargs={"campaign": campaign}
    )
    formset.forms[len(rows) - 1].fields["title"].widget.attrs["autofocus"] = True
    return _form_page(request, campaign, SubmitterForm(initial=initial, campaign=campaign), formset)


@never_cache
@reading
@staff_member_required
def preview(request, slug, pk):
    """An innovation of any status as the public would see it, for staff deciding on it.

    Staff only, never cached, never indexed; "View on site" in the admin comes here.
    """
    innovation = get_object_or_404(
        Innovation.objects.select_related("organisation", "campaign"), campaign__slug=slug, pk=pk
    )
    campaign = innovation.campaign
    context = {
        "innovation": innovation,
        "campaign": campaign,
        "preview": True,
        "share_url": absolute_url(innovation.get_absolute_url()),
        "meta_description": f"Preview of {innovation.title}.",
        "canonical_url": absolute_url(innovation.get_absolute_url()),
        "og_type": "article",
        "moderation_url": reverse("admin:innovations_innovation_change", args=[innovation.pk]),
    }
    response = render(request, "campaign/innovation_detail.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@reading
def thanks(request, slug, receipt):
    """What was received, the new tally, and a share link. The URL is the receipt."""
    submission = get_object_or_404(
        Submission.objects.select_related("campaign", "organisation"),
        campaign__slug=slug,
        receipt=receipt,
    )
    campaign = submission.campaign
    innovations = list(submission.innovations.order_by("pk"))
    count = len(innovations)
    text = (
        f"We just shared {count} innovation{'s' if count != 1 else ''} "
        f"from {submission.organisation.name} with {campaign.title}"
    )
    share = {"text": text, "url": absolute_url(campaign.get_absolute_url())}
    if campaign.hashtag:
        share["hashtags"] = campaign.hashtag
    token = request.COOKIES.get(MANAGE_COOKIE, "")
    manage_url = ""
    if token and hmac.compare_digest(manage_token_hash(token), submission.manage_token_hash):
        manage_url = reverse("innovations:manage", kwargs={"slug": campaign.slug, "token": token})
    context = {
        "campaign": campaign,
        "submission": submission,
        "manage_url": manage_url,
        "innovations": innovations,
        "tally": cached_tally(campaign),
        "share_url": "https://twitter.com/intent/tweet?" + urlencode(share),
    }
    return render(request, "innovations/thanks.html", context)
