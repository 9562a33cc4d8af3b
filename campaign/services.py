"""Writes to campaigns, their themes and the site's words, which the public pages must show at once."""

from datetime import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.caching import cache_call, mark_changed
from core.timewords import when_words

from . import sitesettings
from .models import DEFAULT_THEME_DESCRIPTIONS, Campaign, DefaultTheme, SiteSettings, Theme


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


@transaction.atomic
def campaign_close_now(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    """Close a running campaign at this moment: its closing time becomes `at` (now).

    Nothing received so far falls outside it, unlike a shorter length typed in the
    schedule form, which could close it before submissions it has already counted.
    Raises ValidationError when the campaign is not open.
    """
    at = at or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    status = campaign.status(at)
    if status == Campaign.Status.UPCOMING:
        raise ValidationError(
            f"{campaign.title} has not opened yet (it opens at {when_words(campaign.opens_at)}), "
            "so it cannot be closed now: change its opening time instead."
        )
    if status == Campaign.Status.CLOSED:
        raise ValidationError(
            f"{campaign.title} already closed at {when_words(campaign.closes_at)}."
        )
    campaign.closes_at = at
    campaign.full_clean()
    campaign.save(update_fields=["closes_at"])
    campaign_id = campaign.pk
    transaction.on_commit(lambda: mark_changed(campaign_id), robust=True)
    return campaign


def innovations_outside(campaign: Campaign, *, opens_at: datetime, closes_at: datetime):
    """How many of the campaign's innovations were received before `opens_at` and at or
    after `closes_at`: what a new schedule would leave outside its hours."""
    if campaign.pk is None:
        return 0, 0
    received = campaign.innovations.all()  # every one received, whatever its status
    return (
        received.filter(created_at__lt=opens_at).count(),
        received.filter(created_at__gte=closes_at).count(),
    )


def campaign_themes_ensure(*, campaign: Campaign) -> list[Theme]:
    """Give a campaign with no themes the default set; returns its themes, in order.

    Every new campaign starts with these (the organiser then renames, hides or adds
    themes inline on the campaign's admin page). A campaign that has themes keeps them.
    """
    if not campaign.themes.exists():
        Theme.objects.bulk_create(
            Theme(
                campaign=campaign,
                name=label,
                slug=value,
                description=DEFAULT_THEME_DESCRIPTIONS[value],
                order=position,
            )
            for position, (value, label) in enumerate(DefaultTheme.choices, start=1)
        )
        transaction.on_commit(lambda: mark_changed(campaign.pk), robust=True)
    return list(campaign.themes.order_by("order", "pk"))


def theme_for(campaign: Campaign, value) -> Theme:
    """The campaign's theme given as a Theme, its id or its slug (as demo data names them)."""
    if isinstance(value, Theme):
        return value
    themes = campaign.themes.all()
    found = themes.filter(pk=value).first() if isinstance(value, int) else None
    return found or themes.get(slug=value)


@transaction.atomic
def site_settings_save(*, site_settings: SiteSettings) -> SiteSettings:
    """Save the site's words and make every page show them at once."""
    site_settings.full_clean()
    site_settings.save()

    def changed():
        cache_call("site settings", lambda: cache.delete(sitesettings.cache_key()))
        mark_changed()

    transaction.on_commit(changed, robust=True)
    return site_settings
