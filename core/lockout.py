"""Who django-axes locks out after failed sign-ins (`AXES_LOCKOUT_PARAMETERS`).

Normally the **username and address together**: five wrong passwords for "organiser"
from one address lock "organiser" from that address only, so a stranger cannot lock the
organiser out from everywhere, and a moderator mistyping at an office whose staff share
one address does not lock their colleagues out.

An address that has tried **many usernames** (`AXES_ADDRESS_USERNAME_LIMIT`, 10 by
default, within the cool-off) is guessing accounts, not mistyping one: then the address
itself is locked, for every username. django-axes compares one failure limit against
every lockout parameter, so a separate "address alone" parameter would lock a shared
office address after the same five failures; counting distinct usernames keeps the two
apart.
"""

from django.conf import settings
from django.utils import timezone

USERNAME_AND_ADDRESS = [["username", "ip_address"]]
ADDRESS = ["ip_address"]


def _address(request_or_attempt):
    address = getattr(request_or_attempt, "axes_ip_address", None)
    if address is None:
        address = getattr(request_or_attempt, "ip_address", None)
    if address is None and hasattr(request_or_attempt, "META"):
        from axes.helpers import get_client_ip_address

        address = get_client_ip_address(request_or_attempt)
    return address


def usernames_tried_from(address: str) -> int:
    """How many different usernames failed to sign in from `address` within the cool-off."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.values("username").distinct().count()


def lockout_parameters(request_or_attempt, credentials=None):
    address = _address(request_or_attempt)
    if address and usernames_tried_from(address) >= settings.AXES_ADDRESS_USERNAME_LIMIT:
        return ADDRESS
    return USERNAME_AND_ADDRESS
