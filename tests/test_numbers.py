"""Numbers of a thousand or more have a separator wherever they show ("2,841"); the
badge on the home has its size, so the page does not jump as it loads."""

import pytest
from django.urls import reverse

from innovations.tally import Tally
from tests.factories import make_campaign
from tests.public_data import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def big():
    campaign = make_campaign(target=2841)
    fill(campaign, 1000, organisations=2)
    return campaign


def test_the_tally_sentence_groups_thousands():
    assert (
        Tally(2841, 1204, True, participant_noun="housing associations").summary()
        == "2,841 innovations from 1,204 housing associations"
    )


def test_the_home_groups_thousands(client, big):
    html = client.get(big.get_absolute_url()).content.decode()
    assert '<span class="tally__number">1,000</span>' in html
    assert "1,000 received · 1,000 published so far" in html
    assert "35% of 2,841" in html
    assert "the target pace, 2,841 in 140 hours" in html
    assert 'max="2841" value="1000"' in html  # attributes stay plain numbers
    assert ">1000<" not in html and " 1000 " not in html


def test_the_list_the_campaigns_the_badge_and_the_chart_group_thousands(client, big):
    listing = client.get(reverse("campaign:innovations", kwargs={"slug": big.slug}))
    assert "1,000 innovations from 2 organisations" in listing.content.decode()
    assert "500 innovations" in listing.content.decode()
    campaigns = client.get(reverse("campaign:list")).content.decode()
    assert "<strong>1,000</strong> innovations from 2 organisations, target 2,841" in campaigns
    badge = client.get(reverse("campaign:badge", kwargs={"slug": big.slug})).content.decode()
    assert "1,000 / 2,841 innovations" in badge
    chart = client.get(reverse("campaign:chart", kwargs={"slug": big.slug})).content.decode()
    assert "target 2,841" in chart
    assert "1,000 innovations received against a target of 2,841" in chart


def test_the_badge_image_on_the_home_has_its_width_and_height(client):
    campaign = make_campaign(hashtag="140in140")
    html = client.get(campaign.get_absolute_url()).content.decode()
    badge = reverse("campaign:badge", kwargs={"slug": campaign.slug})
    start = html.index(f'<img src="{badge}"')
    tag = html[start : html.index(">", start)]
    assert 'height="20"' in tag
    width = int(tag.split('width="')[1].split('"')[0])
    svg = client.get(badge).content.decode()
    assert f'width="{width}" height="20"' in svg
