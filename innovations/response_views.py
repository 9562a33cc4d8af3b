"""The forms on a published innovation: respond to it, ask its innovator; and their links.

Each form is its own page, never cached (`never_cache`): the innovation page is a
public page kept in shared caches, so it links here and holds no form, no CSRF
token and nothing about the visitor.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from core.caching import cached
from core.clientip import client_ip
from core.timewords import minutes_words
from organisations.services import OrganisationNotConfirmed

from .forms import QuestionForm, ResponseForm, simple_error_summary
from .models import Innovation, Response, Submission
from .ratelimit import parse_rate, response_allowed
from .services import (
    BadConfirmation,
    OwnInnovation,
    QuestionRefused,
    can_be_asked,
    question_ask,
    response_confirm,
    response_create,
    response_from_token,
    submission_from_stop_token,
    submission_stop_questions,
)
from .views import organisation_options

logger = logging.getLogger("innovations.responses")


def _published(slug, pk):
    return get_object_or_404(
        Innovation.objects.public().select_related("campaign", "organisation", "submission"),
        campaign__slug=slug,
        pk=pk,
    )


def _see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _log(what, reason, innovation, request, **details):
    extra = " ".join(f"{key}={value}" for key, value in details.items())
    logger.warning(
        "%s refused: reason=%s innovation=%s ip=%s %s",
        what,
        reason,
        innovation.pk,
        client_ip(request),
        extra,
        extra={"reason": reason, "innovation": innovation.pk, **details},
    )


def _too_many(request, setting_value, setting):
    _count, window = parse_rate(setting_value, name=setting)
    context = {"retry_after": minutes_words(window), "what": "responses"}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(window)
    return response


def _respond_page(request, innovation, form, *, status=200):
    context = {
        "innovation": innovation,
        "campaign": innovation.campaign,
        "form": form,
        "errors": simple_error_summary(form, "response-form") if form.is_bound else [],
        "organisation_options": cached(
            "organisations", organisation_options, kept_across_submissions=True
        ),
    }
    return render(request, "innovations/respond.html", context, status=status)


@never_cache
def respond(request, slug, pk):
    """ "We do this too" / "We'd like to try this": counted once confirmed from the email."""
    innovation = _published(slug, pk)
    if request.method != "POST":
        kind = request.GET.get("kind")
        initial = {"kind": kind} if kind in Response.Kind.values else {}
        return _respond_page(request, innovation, ResponseForm(initial=initial))
    form = ResponseForm(request.POST)
    if request.POST.get("website"):
        _log("response", "honeypot", innovation, request)
        return _see_other(reverse("innovations:respond_sent", kwargs={"slug": slug, "pk": pk}))
    if not form.is_valid():
        _log("response", "invalid", innovation, request, fields=",".join(sorted(form.errors)))
        return _respond_page(request, innovation, form, status=400)
    if not response_allowed(client_ip(request)):
        _log("response", "rate-limited", innovation, request)
        return _too_many(request, settings.RESPONSE_RATE_LIMIT, "RESPONSE_RATE_LIMIT")
    data = form.cleaned_data
    try:
        _response, already = response_create(
            innovation=innovation,
            kind=data["kind"],
            name=data["name"],
            email=data["email"],
            organisation_name=data["organisation"],
            organisation_choice=data["organisation_choice"],
            note=data["note"],
        )
    except OrganisationNotConfirmed as question:
        form.ask_which_organisation(question.name, question.suggestions)
        return _respond_page(request, innovation, form)
    except OwnInnovation as error:
        _log("response", "own-innovation", innovation, request)
        form.add_error("organisation", str(error))
        return _respond_page(request, innovation, form, status=400)
    except ValidationError as error:
        form.add_error(None, f"Please check your details: {' '.join(error.messages)}")
        return _respond_page(request, innovation, form, status=400)
    url = reverse("innovations:respond_sent", kwargs={"slug": slug, "pk": pk})
    return _see_other(f"{url}?already=1" if already else url)


@never_cache
def respond_sent(request, slug, pk):
    innovation = _published(slug, pk)
    context = {
        "innovation": innovation,
        "campaign": innovation.campaign,
        "already": request.GET.get("already") == "1",
    }
    return render(request, "innovations/respond_sent.html", context)


@never_cache
def confirm_response(request, token):
    """The link in the email: GET shows what is being confirmed, POST confirms it.

    (Mail scanners open links: a GET changes nothing.) A link used again says it is
    confirmed already; an altered or made-up one is refused; neither is an error page.
    """
    try:
        response = response_from_token(token)
    except BadConfirmation as bad:
        return render(request, "innovations/response_confirm.html", {"bad": bad}, status=400)
    except Response.DoesNotExist:
        raise Http404("No such response.") from None
    innovation = response.innovation
    context = {"response": response, "innovation": innovation, "campaign": innovation.campaign}
    if innovation.status != Innovation.Status.APPROVED:
        raise Http404("That innovation is not published.")
    if request.method == "POST":
        try:
            response_confirm(response=response)
        except OwnInnovation as error:
            context["refused"] = str(error)
            return render(request, "innovations/response_confirm.html", context, status=400)
        return _see_other(request.path)
    response.refresh_from_db()
    return render(request, "innovations/response_confirm.html", context)


def _ask_page(request, innovation, form, *, status=200, refused=""):
    context = {
        "innovation": innovation,
        "campaign": innovation.campaign,
        "form": form,
        "errors": simple_error_summary(form, "question-form") if form.is_bound else [],
        "reachable": can_be_asked(innovation.submission),
        "refused": refused,
    }
    return render(request, "innovations/ask.html", context, status=status)


@never_cache
def ask(request, slug, pk):
    """Ask the innovator: the message is emailed to them with Reply-To the asker."""
    innovation = _published(slug, pk)
    if request.method != "POST":
        return _ask_page(request, innovation, QuestionForm())
    form = QuestionForm(request.POST)
    if request.POST.get("website"):
        _log("question", "honeypot", innovation, request)
        return _see_other(reverse("innovations:ask_sent", kwargs={"slug": slug, "pk": pk}))
    if not can_be_asked(innovation.submission):
        _log("question", "not-reachable", innovation, request)
        return _ask_page(request, innovation, QuestionForm(), status=410)
    if not form.is_valid():
        _log("question", "invalid", innovation, request, fields=",".join(sorted(form.errors)))
        return _ask_page(request, innovation, form, status=400)
    data = form.cleaned_data
    try:
        question = question_ask(
            innovation=innovation, name=data["name"], email=data["email"], message=data["message"]
        )
    except QuestionRefused as refused:
        _log("question", refused.reason, innovation, request)
        status = 429 if refused.retry_after else 410
        response = _ask_page(request, innovation, form, status=status, refused=str(refused))
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    logger.info("question queued: question=%s innovation=%s", question.pk, innovation.pk)
    return _see_other(reverse("innovations:ask_sent", kwargs={"slug": slug, "pk": pk}))


@never_cache
def ask_sent(request, slug, pk):
    innovation = _published(slug, pk)
    return render(
        request,
        "innovations/ask_sent.html",
        {"innovation": innovation, "campaign": innovation.campaign},
    )


@never_cache
def stop_questions(request, token):
    """The link in a relayed question: stop further messages about this submission."""
    try:
        submission = submission_from_stop_token(token)
    except BadConfirmation:
        return render(request, "innovations/stop_questions.html", {"bad": True}, status=400)
    except Submission.DoesNotExist:
        raise Http404("No such submission.") from None
    if request.method == "POST":
        submission_stop_questions(submission=submission)
        return _see_other(request.path)
    context = {"submission": submission, "campaign": submission.campaign}
    return render(request, "innovations/stop_questions.html", context)
