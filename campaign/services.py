"""Writes to campaigns that the public pages must show at once."""

from django.db import transaction

from core.caching import mark_changed

from .models import Campaign


@transaction.atomic
def campaign_save(*, campaign: Campaign) -> Campaign:
    """Save an organiser's edit of a campaign (or a new one)."""
    campaign.save()
    transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    return campaign


@transaction.atomic
def campaign_delete(*, campaigns) -> int:
    """Delete campaigns (a queryset) and what they hold; how many campaigns went."""
    ids = sorted(campaigns.values_list("pk", flat=True))
    campaigns.delete()
    transaction.on_commit(lambda: mark_changed(*ids), robust=True)
    return len(ids)
