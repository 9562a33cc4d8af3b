"""What the site tells people, and when: each email's recipients and content, and the jobs.

To submitters: the receipt (with the manage link), "published" and "not published"
(within a minute of moderation, one email per submission), and "campaign closed"
(once, at the close). To organisers: each new submission, or an hourly or daily
digest, as each chooses in admin; and the pace alert.

Jobs that wait for a moment (a digest, the close, a pace check) are deferred with
`run_after`, so no cron is needed. A deferred job checks, when it runs, that it is
still wanted (the close time it was scheduled for is still the campaign's), and
every email that must go once carries a `once_key`.
"""

import math
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from campaign.models import Campaign
from core.links import absolute_url
from core.timewords import duration_words, when_words

from .emails import enqueue_job, queue_email
from .models import AlertPreference, Email, Innovation, Response, Submission
from .receipts import quoted_title, receipt_allowed, receipt_refused_logged
from .tally import campaign_tally

# How long moderation decisions are gathered before the sender is told: approving
# several of one submission's innovations one after another makes one email.
OUTCOME_DELAY = timedelta(seconds=20)
# The manage link works until this long after the close.
MANAGE_LINK_LIFETIME = timedelta(days=30)
DAILY_DIGEST_AT = time(8, 0)
LONDON = ZoneInfo("Europe/London")


def manage_url(submission: Submission, token: str) -> str:
    return absolute_url(
        reverse("innovations:manage", kwargs={"slug": submission.campaign.slug, "token": token})
    )


def moderation_queue_url(campaign: Campaign) -> str:
    query = urlencode({"campaign": campaign.pk, "status": Innovation.Status.PENDING})
    return absolute_url(reverse("admin:innovations_innovation_changelist") + "?" + query)


# --- To readers and the people who shared (issue 16) ----------------------------------


def response_confirmation_queue(*, response: Response, url: str) -> Email:
    """The link that confirms a "We do this too" / "We'd like to try this". In the caller's
    transaction; the body (which holds the link) is cleared once it is delivered."""
    innovation = response.innovation
    return queue_email(
        kind=Email.Kind.RESPONSE,
        to=response.email,
        template="response_confirm",
        campaign=innovation.campaign,
        context={
            "response": response,
            "innovation": innovation,
            "campaign": innovation.campaign,
            "saying": response.get_kind_display(),
            "title": quoted_title(innovation.title),
            "confirm_url": url,
        },
    )


def question_queue(*, innovation: Innovation, asker_name: str, asker_email: str, message: str):
    """A reader's question to the person who shared `innovation`, Reply-To the reader.

    The submitter's address goes only to the mail server, never to the asker. The text
    and the asker's address live only in this Email row, cleared once it is delivered.
    """
    from .services import stop_token  # services imports this module

    submission = innovation.submission
    return queue_email(
        kind=Email.Kind.QUESTION,
        to=submission.email,
        template="question",
        campaign=innovation.campaign,
        submission=submission,
        reply_to=asker_email,
        context={
            "submission": submission,
            "innovation": innovation,
            "campaign": innovation.campaign,
            "title": quoted_title(innovation.title),
            "asker_name": asker_name,
            "message": message,
            "page_url": absolute_url(innovation.get_absolute_url()),
            "stop_url": absolute_url(
                reverse("innovations:stop_questions", kwargs={"token": stop_token(submission)})
            ),
        },
    )


# --- To submitters -------------------------------------------------------------------


def receipt_queue(*, submission: Submission, innovations: list[Innovation], token: str) -> None:
    """The receipt: what was received (titles only) and the manage link. In the caller's transaction.

    Anyone can type anyone's address into the form, so it quotes nothing typed but the
    titles (shortened, on one line), and one address gets at most RECEIPT_EMAILS_PER_HOUR.
    """
    campaign = submission.campaign
    if not receipt_allowed(submission.email):
        receipt_refused_logged(campaign)
        return
    queue_email(
        kind=Email.Kind.RECEIPT,
        to=submission.email,
        template="receipt",
        campaign=campaign,
        submission=submission,
        context={
            "submission": submission,
            "campaign": campaign,
            "titles": [quoted_title(innovation.title) for innovation in innovations],
            "count": len(innovations),
            "manage_url": manage_url(submission, token),
            "thanks_url": absolute_url(
                reverse(
                    "innovations:thanks",
                    kwargs={"slug": campaign.slug, "receipt": submission.receipt},
                )
            ),
            "closes_at": when_words(campaign.closes_at),
            "link_ends": when_words(campaign.closes_at + MANAGE_LINK_LIFETIME),
        },
    )


def outcomes_schedule(*, submission_ids) -> None:
    """Tell each submission's sender of its new outcomes, a few seconds after this commits."""
    run_after = timezone.now() + OUTCOME_DELAY
    for submission_id in sorted(set(submission_ids)):
        enqueue_job(tell_outcomes, submission_id, run_after=run_after)


@task()
def tell_outcomes(submission_id: int) -> str:
    """One "published" and/or one "not published" email listing what is new since the last."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .select_related("campaign", "organisation")
            .filter(pk=submission_id, personal_data_removed_at__isnull=True)
            .first()
        )
        if submission is None:
            return "no such submission (or its personal data was removed)"
        new = list(
            submission.innovations.filter(
                outcome_emailed_at__isnull=True,
                status__in=[Innovation.Status.APPROVED, Innovation.Status.REJECTED],
            )
            .select_related("rejection_reason", "campaign")
            .order_by("pk")
        )
        published = [i for i in new if i.status == Innovation.Status.APPROVED]
        rejected = [i for i in new if i.status == Innovation.Status.REJECTED]
        campaign = submission.campaign
        common = {"submission": submission, "campaign": campaign}
        if published:
            queue_email(
                kind=Email.Kind.PUBLISHED,
                to=submission.email,
                template="published",
                campaign=campaign,
                submission=submission,
                context={
                    **common,
                    "innovations": [
                        {"title": quoted_title(i.title), "url": absolute_url(i.get_absolute_url())}
                        for i in published
                    ],
                    "list_url": absolute_url(
                        reverse("campaign:innovations", kwargs={"slug": campaign.slug})
                    ),
                },
            )
        if rejected:
            queue_email(
                kind=Email.Kind.NOT_PUBLISHED,
                to=submission.email,
                template="not_published",
                campaign=campaign,
                submission=submission,
                context={
                    **common,
                    "innovations": [
                        {
                            "title": quoted_title(i.title),
                            "reason": str(i.rejection_reason or "No reason was given"),
                            "note": i.rejection_note,
                        }
                        for i in rejected
                    ],
                },
            )
        Innovation.objects.filter(pk__in=[i.pk for i in new]).update(
            outcome_emailed_at=timezone.now()
        )
    return f"{len(published)} published, {len(rejected)} not published"


def closing_schedule(campaign: Campaign) -> None:
    """Make sure the close of `campaign` has its thank-you job (and pace checks) waiting."""
    closes_at = campaign.closes_at
    if not _waiting(thank_submitters_at_close, campaign.pk, closes_at.isoformat()):
        enqueue_job(
            thank_submitters_at_close, campaign.pk, closes_at.isoformat(), run_after=closes_at
        )
    halfway = campaign.opens_at + campaign.length / 2
    first_check = max(halfway, timezone.now())
    if first_check < closes_at and not _waiting(check_pace, campaign.pk, closes_at.isoformat()):
        enqueue_job(check_pace, campaign.pk, closes_at.isoformat(), run_after=first_check)


def _waiting(job, *args) -> bool:
    """Is `job` already queued with these arguments (not yet run)?"""
    return any(
        result.args_kwargs.get("args") == list(args)
        for result in DBTaskResult.objects.filter(task_path=job.module_path, status="READY").only(
            "args_kwargs"
        )
    )


@task()
def thank_submitters_at_close(campaign_id: int, closes_at: str) -> str:
    """At the close: once to every submitter, the final tally and the link to the list."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.closes_at.isoformat() != closes_at:
        return "the close moved: the job for the new time sends it"
    if timezone.now() < campaign.closes_at:
        return "not closed yet"
    tally = campaign_tally(campaign)
    list_url = absolute_url(reverse("campaign:innovations", kwargs={"slug": campaign.slug}))
    sent = 0
    seen = set()
    submissions = (
        Submission.objects.filter(campaign=campaign, personal_data_removed_at__isnull=True)
        # Everyone who took part, unless they took everything back.
        .filter(innovations__status__in=[*Innovation.COUNTED, Innovation.Status.REJECTED])
        .distinct()
        .order_by("created_at", "pk")
    )
    for submission in submissions:
        address = submission.email.strip().lower()
        if address in seen:
            continue
        seen.add(address)
        with transaction.atomic():
            email = queue_email(
                kind=Email.Kind.CLOSED,
                to=submission.email,
                template="closed",
                campaign=campaign,
                submission=submission,
                once_key=f"closed:{campaign.pk}:{address}"[:100],
                context={
                    "submission": submission,
                    "campaign": campaign,
                    "tally": tally,
                    "list_url": list_url,
                    "closed_at": when_words(campaign.closes_at),
                },
            )
        sent += email is not None
    return f"{sent} thank-you emails queued"


# --- To organisers -------------------------------------------------------------------


def organisers():
    """Staff who can moderate and have an email address: superusers and the Moderator group."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name="Moderator"))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def organisers_choosing(frequency: str):
    chosen = Q(alert_preference__frequency=frequency)
    if frequency == AlertPreference.Frequency.EACH:
        chosen |= Q(alert_preference__isnull=True)
    return organisers().filter(chosen)


def new_submission_alert_schedule(*, submission: Submission, innovations) -> None:
    """Tell the organisers who chose "each new submission" about these innovations."""
    enqueue_job(alert_new_submission, submission.pk, [innovation.pk for innovation in innovations])


def _waiting_summary(campaign: Campaign) -> dict:
    waiting = Innovation.objects.for_campaign(campaign).filter(status=Innovation.Status.PENDING)
    return {"waiting": waiting.count(), "queue_url": moderation_queue_url(campaign)}


@task()
def alert_new_submission(submission_id: int, innovation_ids: list[int] | None = None) -> str:
    """ "Each new submission": the titles and organisation, the count waiting, the queue link."""
    submission = (
        Submission.objects.select_related("campaign", "organisation")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return "no such submission"
    campaign = submission.campaign
    _digests_schedule()
    innovations = submission.innovations.order_by("pk")
    if innovation_ids is not None:
        innovations = innovations.filter(pk__in=innovation_ids)
    innovations = list(innovations)
    if not innovations:
        return "nothing new"
    context = {
        "campaign": campaign,
        "submissions": [{"organisation": submission.organisation.name, "innovations": innovations}],
        "count": len(innovations),
        **_waiting_summary(campaign),
    }
    recipients = list(organisers_choosing(AlertPreference.Frequency.EACH))
    with transaction.atomic():
        for user in recipients:
            queue_email(
                kind=Email.Kind.ALERT,
                to=user.email,
                template="alert",
                campaign=campaign,
                reply_to_organiser=False,
                context={**context, "user": user},
            )
    return f"{len(recipients)} organisers told"


def next_digest_at(frequency: str, after: datetime) -> datetime:
    """The next hour on the hour, or the next 8am in London, after `after`."""
    if frequency == AlertPreference.Frequency.HOURLY:
        return after.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    local = after.astimezone(LONDON)
    at = datetime.combine(local.date(), DAILY_DIGEST_AT, tzinfo=LONDON)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), DAILY_DIGEST_AT, tzinfo=LONDON)
    return at


def _digests_schedule() -> None:
    """A digest job waiting for each frequency someone chose (run by the worker, not a request)."""
    now = timezone.now()
    for frequency in (AlertPreference.Frequency.HOURLY, AlertPreference.Frequency.DAILY):
        if not organisers_choosing(frequency).exists():
            continue
        at = next_digest_at(frequency, now)
        if not _waiting(send_digest, frequency, at.isoformat()):
            enqueue_job(send_digest, frequency, at.isoformat(), run_after=at)


@task()
def send_digest(frequency: str, covering_until: str) -> str:
    """Every submission since each reader's last digest, up to `covering_until`."""
    until = datetime.fromisoformat(covering_until)
    period = timedelta(hours=1) if frequency == AlertPreference.Frequency.HOURLY else timedelta(1)
    told = 0
    for user in organisers_choosing(frequency):
        with transaction.atomic():
            preference, _ = AlertPreference.objects.select_for_update().get_or_create(
                user=user, defaults={"frequency": frequency}
            )
            since = preference.digest_covered_until or (until - period)
            if since >= until:
                continue
            submissions = list(
                Submission.objects.filter(created_at__gt=since, created_at__lte=until)
                .select_related("campaign", "organisation")
                .prefetch_related("innovations")
                .order_by("created_at", "pk")
            )
            preference.digest_covered_until = until
            preference.save(update_fields=["digest_covered_until"])
            if not submissions:
                continue
            by_campaign = {}
            for submission in submissions:
                by_campaign.setdefault(submission.campaign, []).append(
                    {
                        "organisation": submission.organisation.name,
                        "innovations": list(submission.innovations.all()),
                    }
                )
            queue_email(
                kind=Email.Kind.DIGEST,
                to=user.email,
                template="digest",
                reply_to_organiser=False,
                context={
                    "user": user,
                    "frequency": "Hourly" if frequency == "hourly" else "Daily",
                    "since": when_words(since),
                    "until": when_words(until),
                    "count": sum(
                        len(s["innovations"]) for rows in by_campaign.values() for s in rows
                    ),
                    "campaigns": [
                        {"campaign": campaign, "submissions": rows, **_waiting_summary(campaign)}
                        for campaign, rows in by_campaign.items()
                    ],
                },
            )
            told += 1
    return f"{told} digests"


def pace(campaign: Campaign, at: datetime) -> dict:
    """Where the campaign stands against a straight line to its target at `at`."""
    count = campaign_tally(campaign).innovations
    elapsed = min(max((at - campaign.opens_at) / campaign.length, 0), 1)
    expected = campaign.target * elapsed
    return {
        "count": count,
        "target": campaign.target,
        "expected": expected,
        "behind": max(math.ceil(expected) - count, 0),
        "time_left": campaign.time_left(at),
        "left_fraction": 1 - elapsed,
        # "Behind the pace by more than a quarter": fewer than three quarters of the expected.
        "well_behind": count < 0.75 * expected,
    }


def pace_sentence(stand: dict) -> str:
    """'31 of 140 with 35 hours to go: 29 behind pace'."""
    return (
        f"{stand['count']} of {stand['target']} with {duration_words(stand['time_left'])} "
        f"to go: {stand['behind']} behind pace"
    )


PACE_CHECK_EVERY = timedelta(hours=1)


@task()
def check_pace(campaign_id: int, closes_at: str) -> str:
    """Hourly from half-time to the close: alert once past half-time, again with a quarter left."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.closes_at.isoformat() != closes_at:
        return "the schedule changed: the new job checks"
    now = timezone.now()
    if now >= campaign.closes_at:
        return "closed"
    stand = pace(campaign, now)
    said = ""
    milestone = None
    if stand["left_fraction"] <= 0.25:
        milestone = "quarter"
    elif stand["left_fraction"] < 0.5:
        milestone = "half"
    if milestone and stand["well_behind"]:
        sentence = pace_sentence(stand)
        with transaction.atomic():
            for user in organisers().exclude(alert_preference__frequency="none"):
                queue_email(
                    kind=Email.Kind.PACE,
                    to=user.email,
                    template="pace",
                    campaign=campaign,
                    reply_to_organiser=False,
                    once_key=f"pace:{campaign.pk}:{milestone}:{user.pk}",
                    context={
                        "campaign": campaign,
                        "sentence": sentence,
                        "milestone": milestone,
                        "campaign_url": absolute_url(campaign.get_absolute_url()),
                    },
                )
        said = sentence
    quarter_left = campaign.closes_at - campaign.length / 4
    following = now + PACE_CHECK_EVERY
    if now < quarter_left < following:
        following = quarter_left
    if following < campaign.closes_at:
        enqueue_job(check_pace, campaign.pk, closes_at, run_after=following)
    return said or "on pace"
