"""Wording per site (site settings in admin) and per campaign (who takes part, intro, hashtag)."""

import re
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from campaign import sitesettings
from campaign.models import Campaign, SiteSettings, singular
from core import caching
from innovations.tally import campaign_tally
from organisations.models import Organisation

from .factories import make_campaign, make_innovation, make_organisation
from .submitting import submit_url

pytestmark = pytest.mark.django_db


def home(client, campaign):
    return client.get(campaign.get_absolute_url()).content.decode()


def test_footer_shows_the_site_s_own_words_and_organiser(client):
    SiteSettings.objects.create(
        site_name="CX Forum",
        footer_line="Ideas from public-sector customer service.",
        organiser_name="Jo Bloggs",
        organiser_email="jo@example.org",
    )
    page = client.get(reverse("campaign:list")).content.decode()
    assert "CX Forum: Ideas from public-sector customer service." in page
    assert 'href="mailto:jo@example.org"' in page
    assert "social housing" not in page


def test_editing_site_settings_in_admin_shows_on_cached_pages_at_once(
    admin_client, client, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    assert "140in140: Innovations shared in the open" in home(client, campaign)  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.get("/admin/campaign/sitesettings/", follow=True)
        url = response.redirect_chain[-1][0]
        response = admin_client.post(
            url,
            {
                "site_name": "CX Forum",
                "tagline": "Ideas against the clock.",
                "footer_line": "Ideas from public-sector customer service.",
                "organiser_name": "Jo Bloggs",
                "organiser_email": "jo@example.org",
                "accessibility_statement": "",
                "privacy_notice": "",
            },
        )
    assert response.status_code == 302
    page = home(client, campaign)
    assert "CX Forum: Ideas from public-sector customer service." in page
    assert "<title>" in page and "· CX Forum</title>" in page


def test_admin_is_titled_for_the_site_s_organisers(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "140in140 organisers" in page
    assert "Django administration" not in page
    SiteSettings.objects.create(site_name="CX Forum")
    sitesettings.cache.clear()
    assert "CX Forum organisers" in admin_client.get("/admin/").content.decode()


def test_site_settings_fail_open_when_the_database_fails(client):
    with mock.patch.object(sitesettings, "_load", side_effect=DatabaseError("gone")):
        found = sitesettings.current()
    assert found.site_name == "140in140" and found.pk == 1


def test_site_settings_fail_open_when_the_cache_fails(client, monkeypatch):
    monkeypatch.setattr(caching, "_paused_until", 0.0)  # the pause this causes ends with the test
    with mock.patch.object(sitesettings.cache, "get", side_effect=ConnectionError("redis")):
        page = client.get("/accessibility/")
    assert page.status_code == 200 and "140in140" in page.content.decode()


def test_site_settings_cost_no_query_once_read(django_assert_num_queries):
    sitesettings.current()
    with django_assert_num_queries(0):
        assert sitesettings.current().site_name == "140in140"


@pytest.mark.parametrize(
    ("plural", "one"),
    [
        ("housing associations", "housing association"),
        ("councils", "council"),
        ("local authorities", "local authority"),
        ("businesses", "business"),
        ("organisations", "organisation"),
        ("staff", "staff"),
    ],
)
def test_the_singular_is_made_from_the_plural_noun(plural, one):
    assert singular(plural) == one


def test_a_campaign_of_councils_says_councils_until_another_kind_takes_part(client):
    campaign = make_campaign(participant_noun="councils", participant_kind="local_authority")
    council = make_organisation(kind=Organisation.Kind.LOCAL_AUTHORITY)
    make_innovation(campaign=campaign, organisation=council)
    assert campaign_tally(campaign).summary() == "1 innovation from 1 council"
    make_innovation(campaign=campaign, organisation=make_organisation(kind="local_authority"))
    assert campaign_tally(campaign).summary() == "2 innovations from 2 councils"
    assert "innovations from 2 councils" in home(client, campaign)
    make_innovation(campaign=campaign, organisation=make_organisation(kind="charity"))
    # The rule that keeps the sentence true: a charity is not a council.
    assert campaign_tally(campaign).summary() == "3 innovations from 3 organisations"


def test_a_campaign_with_no_kind_always_uses_its_noun():
    campaign = make_campaign(participant_noun="teams", participant_kind="")
    make_innovation(campaign=campaign, organisation=make_organisation(kind="charity"))
    make_innovation(campaign=campaign, organisation=make_organisation(kind="company"))
    assert campaign_tally(campaign).summary() == "2 innovations from 2 teams"


def test_the_form_speaks_of_the_campaign_s_participants(client):
    campaign = make_campaign(participant_noun="councils", participant_kind="local_authority")
    page = client.get(submit_url(campaign)).content.decode()
    assert "The council or other organisation the innovations come from." in page
    assert "housing association" not in page


def test_a_new_campaign_says_organisations_by_default():
    campaign = Campaign.scheduled(opens_at=make_campaign().opens_at, title="New", slug="new-one")
    assert campaign.participant_noun == "organisations" and campaign.participant_kind == ""


def test_intro_markdown_is_rendered_safely(client):
    campaign = make_campaign(
        intro=(
            "Share **what you changed**.\n\n"
            "<script>alert('x')</script> [click me](javascript:alert(1)) "
            '<a href="javascript:alert(2)">raw</a> [our blog](https://example.org/blog)'
        )
    )
    page = home(client, campaign)
    assert "<strong>what you changed</strong>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    links = re.findall(r'<a [^>]*href="([^"]*)"', page)
    assert links and not any(link.startswith("javascript") for link in links)
    assert "&lt;a href=" in page  # the raw tag is shown as text, not made a link
    assert "<a>click me</a>" in page or '<a rel="noopener noreferrer">click me</a>' in page
    assert '<a href="https://example.org/blog" rel="noopener noreferrer">our blog</a>' in page


def test_the_hashtag_is_the_campaign_s_own(client):
    campaign = make_campaign(hashtag="CXideas")
    innovation = make_innovation(campaign=campaign, status="approved")
    page = client.get(innovation.get_absolute_url()).content.decode()
    assert "hashtags=CXideas" in page
