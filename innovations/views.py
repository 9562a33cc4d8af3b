"""The submission form, the page after it, and every way a submission can be refused."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from campaign.models import Campaign
from core.caching import cached
from core.clientip import client_ip
from core.timewords import minutes_words
from organisations.models import Organisation
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
from .models import Submission
from .ratelimit import parse_rate, submission_allowed
from .services import CampaignClosed, submission_create
from .tally import cached_tally

logger = logging.getLogger("innovations.submissions")

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


def organisation_names():
    return list(Organisation.objects.order_by("name").values_list("name", flat=True))


def _form_page(request, campaign, submitter, formset, *, status=200, notice=""):
    errors = error_summary(submitter, formset) if submitter.is_bound else []
    if not formset.forms:
        # Broken or zero form counts: show their words (or a blank form) to carry on with.
        formset = InnovationFormSet(prefix=FORMSET_PREFIX, initial=typed_innovations(request.POST))
    context = {
        "campaign": campaign,
        "form": submitter,
        "formset": formset,
        "errors": errors,
        "notice": notice,
        # After a database error, ask the database nothing more: the page must still show.
        "known_organisations": [] if notice else cached("organisation-names", organisation_names),
        "tally": None if notice else cached_tally(campaign),
        "max_innovations": MAX_INNOVATIONS,
        "can_add": formset.total_form_count() < MAX_INNOVATIONS,
    }
    return render(request, "innovations/submit.html", context, status=status)


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
def submit(request, slug):
    """GET: the form while the campaign is open, else when it opens or that it closed.

    POST: the deadline is decided here, on arrival; then the honeypot, validation,
    the one-time token, the rate limit, and one transaction for the whole batch.
    """
    campaign = get_object_or_404(Campaign, slug=slug)
    arrived = timezone.now()
    if not campaign.is_open(arrived):
        if request.method == "POST":
            _refused(request, campaign, campaign.status(arrived))
            return _closed_page(request, campaign, status=403, typed=request.POST)
        return _closed_page(request, campaign)
    if request.method != "POST":
        return _form_page(
            request, campaign, SubmitterForm(), InnovationFormSet(prefix=FORMSET_PREFIX)
        )
    if "add_another" in request.POST:
        return _add_another(request, campaign)

    submitter = SubmitterForm(request.POST)
    formset = InnovationFormSet(request.POST, prefix=FORMSET_PREFIX)
    if request.POST.get("website"):
        _refused(request, campaign, "honeypot")
        return render(request, "innovations/thanks.html", {"campaign": campaign})
    submitter_ok = submitter.is_valid()
    if not (formset.is_valid() and submitter_ok):
        fields = sorted({item["href"].lstrip("#") for item in error_summary(submitter, formset)})
        _refused(request, campaign, "invalid", fields=",".join(fields))
        return _form_page(request, campaign, submitter, formset, status=400)

    receipt = submitter.receipt
    if (repeat := _repeat_of_earlier(request, campaign, receipt)) is not None:
        return repeat
    if not submission_allowed(client_ip(request)):
        _refused(request, campaign, "rate-limited")
        _count, window = parse_rate(settings.SUBMISSION_RATE_LIMIT)
        context = {"retry_after": minutes_words(window)}
        response = render(request, "429.html", context, status=429)
        response["Retry-After"] = str(window)
        return response

    data = submitter.cleaned_data
    try:
        submission = submission_create(
            campaign=campaign,
            name=data["name"],
            email=data["email"],
            organisation_name=data["organisation"],
            organisation_choice=data["organisation_choice"],
            role=data["role"],
            twitter=data["twitter"],
            innovations=[form.cleaned_data for form in formset.filled_forms()],
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
    return _see_other(_thanks_url(submission))


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
    formset = InnovationFormSet(prefix=FORMSET_PREFIX, initial=rows)
    formset.forms[len(rows) - 1].fields["title"].widget.attrs["autofocus"] = True
    return _form_page(request, campaign, SubmitterForm(initial=initial), formset)


@never_cache
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
    share = {"text": text, "url": settings.SITE_URL + campaign.get_absolute_url()}
    if campaign.hashtag:
        share["hashtags"] = campaign.hashtag
    context = {
        "campaign": campaign,
        "submission": submission,
        "innovations": innovations,
        "tally": cached_tally(campaign),
        "share_url": "https://twitter.com/intent/tweet?" + urlencode(share),
    }
    return render(request, "innovations/thanks.html", context)
