"""Email in production without an SMTP server: sent nowhere, and said so loudly.

Django's console backend prints every message (names, addresses, the whole body) to
stdout, where the logs keep it beyond the reach of `purge_personal_data`. In production
without `EMAIL_HOST` the settings choose `UnsentEmailBackend` instead: it sends nothing
and logs only that an email was not sent. Start-up logs an error line, and
`manage.py check` gives the warning `core.W001`.
"""

import logging

from django.conf import settings
from django.core import checks
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("core.mail")

BACKEND = "core.mail.UnsentEmailBackend"
NOT_CONFIGURED = (
    "EMAIL_HOST is not set: no email (submission receipts, password resets) will be sent."
)


class UnsentEmailBackend(BaseEmailBackend):
    """Sends nothing; logs one line per message without its recipients, subject or body."""

    def send_messages(self, email_messages):
        for _message in email_messages:
            logger.warning("email not sent: EMAIL_HOST is not set")
        return 0


def unsent_email_check(app_configs=None, **kwargs):
    if settings.EMAIL_BACKEND != BACKEND:
        return []
    return [
        checks.Warning(
            NOT_CONFIGURED,
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
            id="core.W001",
        )
    ]


def register():
    """The check, and one error line when the app starts (gunicorn runs no checks)."""
    checks.register(unsent_email_check, checks.Tags.compatibility, deploy=False)
    if settings.EMAIL_BACKEND == BACKEND:
        logger.error(NOT_CONFIGURED)
