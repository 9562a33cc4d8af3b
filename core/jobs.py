"""Email by a background job, and the retry rule every emailing job follows.

No email is sent inside a request (issue 14): a request stores what to send and a job
(django-tasks, run by `manage.py db_worker`) sends it, trying again with backoff while
the mail server is down. The submitters' and organisers' emails are stored as
`innovations.Email` rows (innovations/emails.py); this module serves what lives below
that app, the staff password reset, whose message travels in the job itself.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("core.mail")

# Seconds before the 2nd, 3rd, 4th and 5th tries; every later try waits the last step.
BACKOFF_SECONDS = (20, 40, 80, 160)
LATER_BACKOFF_SECONDS = 300


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    if attempts <= len(BACKOFF_SECONDS):
        return timedelta(seconds=BACKOFF_SECONDS[attempts - 1])
    return timedelta(seconds=LATER_BACKOFF_SECONDS)


def permanent(error: Exception) -> bool:
    """A refusal that trying again will not change (a bad address, a 5xx reply)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


class MessageNotSent(Exception):
    """The mail server refused or could not be reached (retried unless the last try)."""


def message_enqueue(*, subject: str, body: str, to: str, html: str = "") -> None:
    """Send one message from a job: subject, plain text and an optional HTML alternative."""
    send_message.enqueue({"subject": subject, "body": body, "to": [to], "html": html}, 1)


@task()
def send_message(message: dict, attempt: int = 1) -> str:
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=message["to"],
    )
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        reason = f"{type(error).__name__}: {error}"[:500]
        if permanent(error) or attempt >= settings.EMAIL_MAX_ATTEMPTS:
            logger.error("message failed: attempt=%s error=%s", attempt, reason)
            raise MessageNotSent(f"Not sent after {attempt} tries: {reason}") from error
        retry_at = timezone.now() + retry_delay(attempt)
        send_message.using(run_after=retry_at).enqueue(message, attempt + 1)
        logger.warning("message not sent, will retry: attempt=%s error=%s", attempt, reason)
        raise MessageNotSent(f"Try {attempt}: {reason}") from error
    return "sent"
