"""The Atom feed of a campaign's approved innovations, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from campaign.reading import campaign_or_404
from core.links import absolute_url
from core.text import printable

from .models import Innovation

FEED_LENGTH = 50


class CampaignFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return campaign_or_404(slug)

    # Every text from the database goes through core.text.printable: a control character
    # in a row saved before the validators refused them would make the XML unreadable
    # (or the feed a 500) for every subscriber.

    def title(self, campaign):
        return f"{printable(campaign.title, multiline=False)}: approved innovations"

    def subtitle(self, campaign):
        title = printable(campaign.title, multiline=False)
        return f"The latest innovations shared in {title}, as they are approved."

    def link(self, campaign):
        return absolute_url(campaign.get_absolute_url())

    def feed_url(self, campaign):
        return absolute_url(reverse("campaign:feed", kwargs={"slug": campaign.slug}))

    def author_name(self):
        return settings.SITE_NAME

    def items(self, campaign):
        items = list(
            Innovation.objects.public()
            .for_campaign(campaign)
            .select_related("organisation", "theme")
            .order_by("-created_at", "-pk")[:FEED_LENGTH]
        )
        for item in items:
            item.campaign = campaign  # for its URL, without a query per item
        return items

    def item_title(self, item):
        return printable(item.title, multiline=False)

    def item_description(self, item):
        return printable(item.description)

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.moderated_at or item.created_at

    def item_author_name(self, item):
        # The organisation, never the person who sent it: that is personal data.
        return printable(item.organisation.name, multiline=False)

    def item_categories(self, item):
        return [item.theme.name]
