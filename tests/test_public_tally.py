"""The tally, the "As of…" sentence and the campaign home."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaign.models import Campaign
from innovations.models import Innovation
from innovations.tally import Tally, as_of_sentence, campaign_tally
from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation, make_submission

LONDON = ZoneInfo("Europe/London")

HOUSING = "housing associations"

pytestmark = pytest.mark.django_db


def home(client, campaign):
    return client.get(reverse("campaign:detail", kwargs={"slug": campaign.slug}))


def test_tally_counts_pending_and_approved_not_rejected():
    campaign = make_campaign()
    a, b, c = make_organisation(), make_organisation(), make_organisation()
    make_innovation(campaign=campaign, organisation=a, status=Innovation.Status.APPROVED)
    make_innovation(campaign=campaign, organisation=b, status=Innovation.Status.PENDING)
    make_innovation(campaign=campaign, organisation=c, status=Innovation.Status.REJECTED)
    make_innovation(status=Innovation.Status.APPROVED)  # another campaign

    tally = campaign_tally(campaign)

    assert (tally.innovations, tally.organisations) == (2, 2)


def test_organisation_noun_is_housing_associations_only_when_all_are():
    campaign = make_campaign()
    make_innovation(campaign=campaign)
    assert campaign_tally(campaign).summary() == "1 innovation from 1 housing association"

    make_innovation(
        campaign=campaign, organisation=make_organisation(kind=Organisation.Kind.COMPANY)
    )
    assert campaign_tally(campaign).summary() == "2 innovations from 2 organisations"


def test_a_rejected_company_does_not_change_the_noun():
    campaign = make_campaign()
    make_innovation(campaign=campaign)
    make_innovation(
        campaign=campaign,
        organisation=make_organisation(kind=Organisation.Kind.COMPANY),
        status=Innovation.Status.REJECTED,
    )
    assert campaign_tally(campaign).organisation_noun == "housing association"


@pytest.mark.parametrize(
    ("tally", "at", "expected"),
    [
        (
            Tally(53, 18, True, participant_noun=HOUSING),
            datetime(2014, 7, 3, 16, 0, tzinfo=LONDON),
            "As of 4pm Thursday 3 July 2014, we've had 53 innovations from 18 housing associations",
        ),
        (
            Tally(1, 1, True, participant_noun=HOUSING),
            datetime(2014, 7, 3, 12, 0, tzinfo=LONDON),
            "As of midday Thursday 3 July 2014, we've had 1 innovation from 1 housing association",
        ),
        (
            Tally(2, 1, False, participant_noun=HOUSING),
            datetime(2014, 7, 4, 0, 0, tzinfo=LONDON),
            "As of midnight Friday 4 July 2014, we've had 2 innovations from 1 organisation",
        ),
        (
            Tally(5, 3, True, participant_noun=HOUSING),
            datetime(2014, 7, 3, 23, 59, tzinfo=LONDON),
            "As of 11.59pm Thursday 3 July 2014, we've had 5 innovations from 3 housing associations",
        ),
        (
            Tally(5, 3, False, participant_noun=HOUSING),
            datetime(2014, 7, 3, 12, 1, tzinfo=LONDON),
            "As of 12.01pm Thursday 3 July 2014, we've had 5 innovations from 3 organisations",
        ),
        (
            Tally(0, 0, True, participant_noun=HOUSING),
            datetime(2014, 7, 3, 0, 1, tzinfo=LONDON),
            "As of 12.01am Thursday 3 July 2014, we've had no innovations yet",
        ),
    ],
)
def test_as_of_sentence(tally, at, expected):
    assert as_of_sentence(tally, at) == expected


def test_percent_of_target_rounds_to_whole_numbers():
    assert Tally(53, 18, True, participant_noun=HOUSING).percent_of(140) == 38
    assert Tally(0, 0, True, participant_noun=HOUSING).percent_of(140) == 0
    assert Tally(280, 9, True, participant_noun=HOUSING).percent_of(140) == 200


def test_home_while_open_shows_the_tally_countdown_and_one_share_button(client):
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    org = make_organisation()
    for status in ["approved", "approved", "pending", "rejected"]:
        make_innovation(campaign=campaign, organisation=org, status=status)

    with time_machine.travel(datetime(2014, 7, 3, 16, 0, tzinfo=LONDON), tick=False):
        response = home(client, campaign)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="tally__number">3</span>' in html
    assert "innovations from 1 housing association" in html
    assert '<progress id="tally-progress-' in html and 'max="140" value="3">2% of 140' in html
    assert (
        '<span data-countdown-to="2014-07-06T04:59:00+01:00">2 days 12 hours 59 minutes left'
        not in html
    )
    assert '<span data-countdown-to="2014-07-06T04:59:00+01:00">2 days 12 hours left</span>' in html
    assert "As of 4pm Thursday 3 July 2014, we&#x27;ve had 3 innovations" in html
    assert html.count("Share an innovation</a>") == 1
    assert reverse("innovations:submit", kwargs={"slug": campaign.slug}) in html
    assert 'src="/static/js/countdown.js" defer' in html


def test_home_after_close_says_closed_at_and_has_no_share_button(client):
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    make_innovation(campaign=campaign, status="approved")
    with time_machine.travel(datetime(2014, 7, 10, 9, 0, tzinfo=LONDON), tick=False):
        response = home(client, campaign)
    html = response.content.decode()
    assert "Closed at 4.59am on Sunday 6 July 2014" in html
    assert "data-countdown-to" not in html
    assert "Share an innovation</a>" not in html
    # The sentence is as of the close, not of today.
    assert "As of 4.59am Sunday 6 July 2014, we&#x27;ve had 1 innovation from 1" in html


def test_home_lists_latest_approved_innovations_only(client):
    campaign = make_campaign()
    make_innovation(campaign=campaign, title="Seen in public", status="approved")
    make_innovation(campaign=campaign, title="Waiting for moderation", status="pending")
    html = home(client, campaign).content.decode()
    assert "Seen in public" in html
    assert "Waiting for moderation" not in html


def test_home_shows_the_chart_with_a_text_alternative_and_the_badge_snippet(client, settings):
    settings.SITE_URL = "https://140in140.example.org"
    campaign = make_campaign(title="Fish & chips")
    make_innovation(campaign=campaign)
    html = home(client, campaign).content.decode()
    chart = reverse("campaign:chart", kwargs={"slug": campaign.slug})
    assert f'<img src="{chart}" alt="1 innovation received against a target of 140.' in html
    badge = f"https://140in140.example.org/campaigns/{campaign.slug}/badge.svg"
    # Escaped inside a read-only textarea, so it shows as code to copy.
    assert f"&lt;img src=&quot;{badge}&quot; alt=&quot;Fish &amp;amp; chips: live tally" in html
    assert '<textarea id="badge-snippet"' in html and "readonly" in html


def test_unknown_campaign_is_404(client):
    assert client.get("/campaigns/no-such-thing/").status_code == 404


def test_upcoming_campaign_says_when_it_opens(client):
    campaign = Campaign.scheduled(
        opens_at=datetime(2030, 1, 7, 9, 0, tzinfo=LONDON), title="Later", slug="later"
    )
    campaign.save()
    make_submission(campaign=campaign)
    html = home(client, campaign).content.decode()
    assert "Opens at 9am on Monday 7 January 2030" in html
    assert "Share an innovation</a>" not in html


def test_campaign_list_puts_open_campaigns_first_with_their_tallies(client):
    old = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON), title="The 2014 one")
    live = make_campaign(title="The live one")
    make_innovation(campaign=old, status="approved")
    make_innovation(campaign=old, status="rejected")
    html = client.get(reverse("campaign:list")).content.decode()
    assert html.index("Open now") < html.index("The live one") < html.index("Archive")
    assert html.index("Archive") < html.index("The 2014 one")
    assert "<strong>1</strong> innovation from 1 organisation" in html
    assert live.get_absolute_url() in html


def test_time_left_is_server_rendered_in_words(client):
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    at = campaign.closes_at - timedelta(minutes=45)
    with time_machine.travel(at, tick=False):
        html = home(client, campaign).content.decode()
    assert ">45 minutes left</span>" in html


def test_home_says_how_many_were_received_and_how_many_published(client):
    """The list shows approved innovations only: the home says both numbers, so they agree."""
    campaign = make_campaign()
    org = make_organisation()
    for status in ["approved"] * 4 + ["pending"] * 3 + ["rejected"]:
        make_innovation(campaign=campaign, organisation=org, status=status)
    html = home(client, campaign).content.decode()
    assert "7 received · 4 published so far" in html


def test_closed_home_says_received_and_published_without_so_far(client):
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    make_innovation(campaign=campaign, status="approved")
    html = home(client, campaign).content.decode()
    assert "1 received · 1 published</p>" in html
