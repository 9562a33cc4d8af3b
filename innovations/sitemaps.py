"""/sitemap.xml: what search engines may list. Campaigns, published innovations, and the
organisations that have one; nothing pending, nothing personal."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q

from campaign.models import Campaign

from .models import Innovation, public_organisations


class _OnSiteUrl(Sitemap):
    """Absolute URLs on SITE_URL (the canonical address), whatever host asked."""

    limit = 5000  # a page of the sitemap stays light at 100,000 innovations

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class CampaignSitemap(_OnSiteUrl):
    changefreq = "hourly"

    def items(self):
        return Campaign.objects.annotate(
            latest_innovation=Max(
                "innovations__moderated_at",
                filter=Q(innovations__status=Innovation.Status.APPROVED),
            )
        ).order_by("pk")

    def lastmod(self, campaign):
        return campaign.latest_innovation or campaign.created_at


class InnovationSitemap(_OnSiteUrl):
    changefreq = "weekly"

    def items(self):
        return (
            Innovation.objects.public()
            .select_related("campaign")
            .only("pk", "created_at", "moderated_at", "campaign__slug")
            .order_by("pk")
        )

    def lastmod(self, innovation):
        return innovation.moderated_at or innovation.created_at


class OrganisationSitemap(_OnSiteUrl):
    changefreq = "daily"

    def items(self):
        return public_organisations().only("pk", "slug").order_by("pk")


SITEMAPS = {
    "campaigns": CampaignSitemap,
    "innovations": InnovationSitemap,
    "organisations": OrganisationSitemap,
}
