import pytest
from django.core.management import call_command

from campaign.models import Campaign
from innovations.models import Innovation, Response, Submission
from innovations.reach import campaign_reach, campaign_spread, reach_sentence
from innovations.tally import campaign_tally
from organisations.models import Organisation, OrganisationAlias, RegisterImport

pytestmark = pytest.mark.django_db


def counts():
    return [
        m.objects.count()
        for m in (
            Campaign,
            Organisation,
            OrganisationAlias,
            Submission,
            Innovation,
            Response,
            RegisterImport,
        )
    ]


def test_load_demo_is_idempotent():
    call_command("load_demo", stdout=None)
    first = counts()
    call_command("load_demo")
    assert counts() == first


def test_demo_2014_campaign_matches_the_seed():
    call_command("load_demo")
    campaign = Campaign.objects.get(slug="140in140-2014")
    assert campaign.status() == "closed"
    assert campaign.length_hours == 140
    tally = campaign_tally(campaign)
    assert (tally.innovations, tally.organisations) == (53, 18)
    assert Organisation.objects.get(name="Switchee").kind == "company"
    assert Organisation.objects.find_by_name("Knightsone").name == "Knightstone"
    assert Organisation.objects.find_by_name("OrbitGroup").name == "Orbit Group"
    assert Organisation.objects.find_by_name("SBHA").name == "Shepherds Bush Housing Association"
    bromford = Innovation.objects.filter(campaign=campaign, organisation__name="Bromford")
    assert set(bromford.values_list("status", flat=True)) == {"approved"}
    assert "Bromford Deal" in set(bromford.values_list("title", flat=True))
    invented = Innovation.objects.filter(campaign=campaign).exclude(organisation__name="Bromford")
    assert all("Demo content" in d for d in invented.values_list("description", flat=True))


def test_demo_has_an_open_campaign_with_every_status():
    call_command("load_demo")
    live = Campaign.objects.open_at().get()
    statuses = set(Innovation.objects.for_campaign(live).values_list("status", flat=True))
    assert statuses == {"pending", "approved", "rejected"}


def test_every_demo_submission_records_its_consent_time():
    call_command("load_demo")
    submissions = Submission.objects.all()
    assert submissions.exists()
    assert not submissions.filter(consented_at__isnull=True).exists()
    assert all(s.consented_at == s.created_at for s in submissions)


def test_the_demo_has_a_register_responses_and_a_spread():
    call_command("load_demo")
    campaign = Campaign.objects.get(slug="140in140-2014")
    reach = campaign_reach(campaign)
    assert reach_sentence(campaign, reach) == (
        "17 of 40 housing associations in the register have taken part"
    )
    # Invented organisations are marked, as the demo's other inventions are.
    registered = Organisation.objects.registered()
    invented = registered.exclude(innovations__isnull=False).exclude(responses__isnull=False)
    assert invented.exists() and all(org.name.endswith("(demo)") for org in invented)
    assert "invented" in RegisterImport.objects.get().note
    assert not registered.filter(name="Switchee").exists()  # a company, not a provider
    spread = campaign_spread(campaign)
    assert spread.innovations >= 5 and spread.organisations >= 5
    assert Response.objects.filter(confirmed_at__isnull=True).exists()
    assert Response.objects.filter(note_status="pending").exists()
    assert Response.objects.filter(note_status="approved").exists()
