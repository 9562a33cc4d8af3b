"""The receipt email a submitter gets, and how many one address may get.

Anyone can type anyone's email address into the form, so the receipt must be useless for
carrying a stranger's words: it quotes nothing typed but the innovations' titles (one
line each, shortened), never the name, role or organisation; and one address gets at
most `RECEIPT_EMAILS_PER_HOUR` receipts an hour (3 by default). The count is kept in the
shared cache under a hash of the address; if the cache fails the receipt is sent (a
missing receipt is worse than an extra one). A receipt over the limit is not sent, and the
log says so without the address.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from core.limits import address_key, count
from core.text import printable

logger = logging.getLogger("innovations.submissions")

HOUR = 60 * 60
TITLE_LENGTH = 80


def _quoted_title(title: str) -> str:
    title = " ".join(printable(title, multiline=False).split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


def receipt_allowed(email: str) -> bool:
    """Count one receipt to `email`; False once the address has had its share this hour."""
    limit = settings.RECEIPT_EMAILS_PER_HOUR
    if limit <= 0:
        return True
    sent = count(address_key("receipts", email), HOUR)
    return sent is None or sent <= limit  # None: the cache is down, send the receipt


def receipt_send(submission, innovations) -> bool:
    """Email the receipt for a saved submission, unless its address is over the limit."""
    campaign = submission.campaign
    if not receipt_allowed(submission.email):
        logger.warning(
            "receipt not sent: reason=receipt-limit campaign=%s",
            campaign.slug,
            extra={"reason": "receipt-limit", "campaign": campaign.slug},
        )
        return False
    count = len(innovations)
    noun = "innovation" if count == 1 else "innovations"
    url = settings.SITE_URL + reverse(
        "innovations:thanks", kwargs={"slug": campaign.slug, "receipt": submission.receipt}
    )
    titles = "\n".join(f"- {_quoted_title(innovation.title)}" for innovation in innovations)
    send_mail(
        subject=f"Thank you: {count} {noun} received for {campaign.title}",
        message=(
            "Hello,\n\n"
            f"Thank you for sharing {count} {noun} with {campaign.title}:\n\n{titles}\n\n"
            "The organiser reads every one before it appears on the public list.\n"
            f"What you sent: {url}\n\n"
            "If you did not send this, you can ignore this email.\n"
        ),
        from_email=None,
        recipient_list=[submission.email],
    )
    return True
