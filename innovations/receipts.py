"""The receipt email a submitter gets, and how many one address may get.

Anyone can type anyone's email address into the form, so the receipt must be useless for
carrying a stranger's words: it quotes nothing typed but the innovations' titles (one
line each, shortened), never the name, role or organisation; and one address gets at
most `RECEIPT_EMAILS_PER_HOUR` receipts an hour (3 by default). The count is kept in the
shared cache under a hash of the address; if the cache fails the receipt is sent (a
missing receipt is worse than an extra one). A receipt over the limit is not stored or sent, and
the log says so without the address. The receipt itself is composed and queued by
`innovations.notifications.receipt_queue` and sent by a background job.
"""

import logging

from django.conf import settings

from core.limits import address_key, count
from core.text import printable

logger = logging.getLogger("innovations.submissions")

HOUR = 60 * 60
TITLE_LENGTH = 80


def quoted_title(title: str) -> str:
    """A title as an email may quote it: printable, on one line, at most 80 characters."""
    title = " ".join(printable(title, multiline=False).split())
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


def receipt_refused_logged(campaign) -> None:
    logger.warning(
        "receipt not sent: reason=receipt-limit campaign=%s",
        campaign.slug,
        extra={"reason": "receipt-limit", "campaign": campaign.slug},
    )


def receipt_allowed(email: str) -> bool:
    """Count one receipt to `email`; False once the address has had its share this hour."""
    limit = settings.RECEIPT_EMAILS_PER_HOUR
    if limit <= 0:
        return True
    sent = count(address_key("receipts", email), HOUR)
    return sent is None or sent <= limit  # None: the cache is down, send the receipt
