"""On an empty cache (Redis restarted or flushed) a public page is built with at most 4
queries: a campaign's page reads the site settings in the campaign's own query
(campaign.reading, campaign.sitesettings.remember), an organisation's page its count of
innovations in the organisation's query. What the settings say is the same either way."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from campaign.models import SiteSettings
from innovations.models import Innovation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.public_data import CACHED, url

# Every test twice: on the local-memory cache, and on the machine's Redis.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_cache", "one_minute")]


@pytest.fixture
def site():
    return SiteSettings.objects.create(
        pk=1,
        site_name="Housing Hub",
        footer_line="Run by the Housing Hub collective",
        organiser_name="Kim Organiser",
        organiser_email="kim@example.org",
    )


@pytest.fixture
def campaign():
    campaign = make_campaign(title="Spring push")
    acme = make_organisation(name="Acme Homes")
    for n in range(3):
        make_innovation(campaign=campaign, organisation=acme, title=f"Idea {n}", status="approved")
    return campaign


@pytest.mark.parametrize("name", CACHED)
def test_a_campaign_page_on_an_empty_cache_reads_the_settings_with_the_campaign(
    client, site, campaign, name, django_assert_max_num_queries
):
    cache.clear()
    with django_assert_max_num_queries(4):
        response = client.get(url(name, campaign))
    assert response.status_code == 200
    if name in ("detail", "innovations"):  # the pages with a footer
        assert "Run by the Housing Hub collective" in response.content.decode()


def test_settings_read_with_a_campaign_are_the_settings(client, site, campaign):
    cache.clear()
    direct = client.get(reverse("campaign:accessibility")).content.decode()
    cache.clear()
    assert client.get(campaign.get_absolute_url()).status_code == 200
    primed = client.get(reverse("campaign:accessibility")).content.decode()
    assert primed == direct
    assert "Housing Hub" in primed
    assert site.updated_at.strftime("%Y") in primed


def test_before_any_settings_are_saved_the_defaults_show(client, campaign):
    cache.clear()
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert SiteSettings().site_name in html


def test_an_organisation_page_counts_its_innovations_in_its_own_query(
    client, campaign, django_assert_max_num_queries
):
    acme = campaign.innovations.first().organisation
    make_innovation(campaign=campaign, organisation=acme, title="Not yet", status="pending")
    cache.clear()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("organisations:detail", kwargs={"slug": acme.slug}))
    html = response.content.decode()
    assert response.status_code == 200
    for n in range(3):
        assert f"Idea {n}" in html
    assert "Not yet" not in html
    assert Innovation.objects.public().filter(organisation=acme).count() == 3
