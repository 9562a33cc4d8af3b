"""Every email the site sends: stored as an `Email` row, then sent by a background job.

No email is sent inside a request. A service that has something to say calls
`queue_email` inside its own transaction: the row, and the job `send_email` that sends
it (a django-tasks-db row), commit with what they are about, so neither is ever lost
nor sent for something that was not saved. The job is retried with backoff while the
mail server is down (the first retry after 20 seconds) and marked failed, with the
error, after `EMAIL_MAX_ATTEMPTS` tries; staff see every email and its state in admin.

Each email is claimed before it is sent (queued -> sending, a single UPDATE), so
two jobs for the same email cannot both send it: none goes twice.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from campaign import sitesettings
from core.jobs import permanent, retry_delay

from .models import Email, Question

logger = logging.getLogger("innovations.emails")

# Emails whose content must not outlive their sending (links that act, a reader's words).
CLEARED_WHEN_SENT = (Email.Kind.RECEIPT, Email.Kind.RESPONSE, Email.Kind.QUESTION)

# An email left "sending" this long was held by a worker that died: it may be sent again.
STUCK_AFTER = timedelta(minutes=10)


class EmailNotSent(Exception):
    """The mail server refused or could not be reached; the email is tried again later."""


class EmailFailed(Exception):
    """The email will not be tried again (see its row in admin)."""


def organiser_contact(campaign=None, *, site=None) -> tuple[str, str]:
    """(name, email) of the organiser people reply to. The one place that decides it.

    The organiser's name and email from the site-settings record (admin → Site
    settings, or `site` when the caller has it already); the email is empty until one
    is set (then emails carry no Reply-To).
    """
    site = site or sitesettings.current()
    return site.organiser_name, site.organiser_email


def enqueue_job(job, *args, run_after=None) -> None:
    """Enqueue `job` in the current transaction (or at once outside one).

    django-tasks-db keeps a job as a row of this same database, so a job enqueued in the
    caller's transaction exists if and only if what it works on was saved: the worker
    sees it once the transaction commits, and a rollback takes it back. (Enqueued on
    commit instead, a crash between the commit and the enqueue would leave an email
    stored with no job to send it; and each job cost a commit of its own.)
    """
    (job.using(run_after=run_after) if run_after else job).enqueue(*args)


def queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict,
    campaign=None,
    submission=None,
    once_key: str | None = None,
    reply_to_organiser: bool = True,
    reply_to: str = "",
) -> Email | None:
    """Store an email rendered from `emails/<template>.txt` and `.html`, and send it by a job.

    The subject is the text template's first line. With `once_key`, an email already
    stored under that key is not stored again (returns None): for emails that must go
    once only. `reply_to` (an address) replaces the organiser as Reply-To: a question
    from a reader is answered to the reader.
    """
    if once_key and Email.objects.filter(once_key=once_key).exists():
        return None
    site = sitesettings.current()
    name, organiser_email = organiser_contact(campaign, site=site)
    context = {
        "site_name": site.site_name,
        "site_url": settings.SITE_URL,
        "organiser_name": name,
        "organiser_email": organiser_email,
        **context,
    }
    subject, _, text = render_to_string(f"emails/{template}.txt", context).partition("\n")
    html = render_to_string(f"emails/{template}.html", {**context, "subject": subject.strip()})
    if not reply_to and reply_to_organiser and organiser_email:
        reply_to = f'"{name}" <{organiser_email}>' if name else organiser_email
    # The email and its job together; inside the caller's transaction (a submission) with
    # no savepoint of their own, two round trips fewer.
    with transaction.atomic(savepoint=False):
        email = Email.objects.create(
            kind=kind,
            campaign=campaign,
            submission=submission,
            to=to,
            reply_to=reply_to,
            subject=" ".join(subject.split())[:300],
            body_text=text.lstrip("\n"),
            body_html=html,
            once_key=once_key,
        )
        enqueue_job(send_email, email.pk)
    return email


@task()
def send_email(email_id: int) -> str:
    """Send one stored email, once. On a mail server fault, try again later."""
    now = timezone.now()
    claimed = Email.objects.filter(pk=email_id, status=Email.Status.QUEUED).update(
        status=Email.Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        claimed_at=now,
    )
    if not claimed:
        return "not waiting to be sent (already sent, failed, or being sent)"
    email = Email.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        delivered = message.send()
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"[:2000]
        if permanent(error) or email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            Email.objects.filter(pk=email.pk).update(status=Email.Status.FAILED, last_error=reason)
            logger.error("email failed: id=%s kind=%s error=%s", email.pk, email.kind, reason)
            raise EmailFailed(
                f"Email {email.pk} not sent after {email.attempts} tries: {reason}"
            ) from error
        retry_at = timezone.now() + retry_delay(email.attempts)
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.QUEUED, last_error=reason, next_attempt_at=retry_at
        )
        send_email.using(run_after=retry_at).enqueue(email.pk)
        logger.warning(
            "email not sent, will retry: id=%s attempt=%s retry_at=%s error=%s",
            email.pk,
            email.attempts,
            retry_at.isoformat(),
            reason,
        )
        # The job is recorded as failed with the error (visible in admin); the retry is queued.
        raise EmailNotSent(f"Email {email.pk}, try {email.attempts}: {reason}") from error
    if not delivered:
        # Production without EMAIL_HOST (core.mail.UnsentEmailBackend): nothing can send it.
        reason = "Not sent: no mail server is configured (EMAIL_HOST)."
        Email.objects.filter(pk=email.pk).update(status=Email.Status.FAILED, last_error=reason)
        raise EmailFailed(f"Email {email.pk}: {reason}")
    sent = {"status": Email.Status.SENT, "sent_at": now, "last_error": ""}
    if email.kind in CLEARED_WHEN_SENT:
        # A receipt carries the manage link, a response confirmation its link, a question
        # a reader's words and address: once delivered, the only copy is the recipient's.
        sent.update(body_text="", body_html="")
        if email.kind == Email.Kind.QUESTION:
            sent["reply_to"] = ""
    with transaction.atomic():
        Email.objects.filter(pk=email.pk).update(**sent)
        if email.kind == Email.Kind.QUESTION:
            Question.objects.filter(email=email.pk).update(status=Question.Status.SENT, sent_at=now)
    return f"sent to {email.to}"


def email_send_again(*, emails) -> int:
    """Queue emails for another try: failed ones, ones stuck "sending" (their worker died),
    and ones waiting long past their time (their job was never enqueued).

    Safe to repeat: a second job for an email finds it already claimed and does nothing.
    """
    stuck_before = timezone.now() - STUCK_AFTER
    ids = sorted(
        set(emails.filter(status=Email.Status.FAILED).values_list("pk", flat=True))
        | set(
            emails.filter(status=Email.Status.SENDING, claimed_at__lt=stuck_before).values_list(
                "pk", flat=True
            )
        )
        | set(
            emails.filter(status=Email.Status.QUEUED, created_at__lt=stuck_before)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=stuck_before))
            .values_list("pk", flat=True)
        )
    )
    with transaction.atomic():
        Email.objects.filter(pk__in=ids).update(
            status=Email.Status.QUEUED, attempts=0, next_attempt_at=None
        )
        for pk in ids:
            enqueue_job(send_email, pk)
    return len(ids)
