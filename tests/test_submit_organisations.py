"""Which organisation a submission is from: exact matches, near misses, and new ones."""

import pytest

from innovations.models import Submission
from organisations.models import Organisation, OrganisationAlias
from tests.factories import make_campaign, make_organisation
from tests.submitting import payload, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_campaign()


@pytest.fixture
def knightstone():
    org = make_organisation(name="Knightstone")
    OrganisationAlias.objects.create(organisation=org, name="Knightsone")
    return org


@pytest.mark.parametrize("typed", ["Knightsone", "knightstone", "  KNIGHT-STONE. ", "Knight Stone"])
def test_organisation_matched_by_alias_or_ignoring_case_and_punctuation(
    client, campaign, knightstone, typed
):
    response = client.post(submit_url(campaign), payload(organisation=typed))
    assert response.status_code == 303
    assert Submission.objects.get().organisation == knightstone
    assert Organisation.objects.count() == 1


def test_near_miss_asks_did_you_mean_before_saving(client, campaign, knightstone):
    response = client.post(submit_url(campaign), payload(organisation="Knightstown Housing"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Did you mean Knightstone?" in page
    assert f'value="{knightstone.pk}"' in page
    assert "No, add “Knightstown Housing” as a new organisation" in page
    assert 'href="#id_organisation_choice_0"' in page
    assert not Submission.objects.exists()
    assert Organisation.objects.count() == 1


def test_answering_did_you_mean_with_the_suggestion_uses_it(client, campaign, knightstone):
    data = payload(organisation="Knightstown Housing", organisation_choice=str(knightstone.pk))
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 303
    assert Submission.objects.get().organisation == knightstone
    assert Organisation.objects.count() == 1


def test_answering_no_creates_a_new_organisation_of_kind_other(client, campaign, knightstone):
    data = payload(organisation="Knightstown Housing", organisation_choice="new")
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 303
    created = Submission.objects.get().organisation
    assert created.name == "Knightstown Housing"
    assert created.kind == Organisation.Kind.OTHER


def test_a_choice_that_is_not_a_suggestion_is_asked_again(client, campaign, knightstone):
    elsewhere = make_organisation(name="Completely Different")
    data = payload(organisation="Knightstown Housing", organisation_choice=str(elsewhere.pk))
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 200
    assert "Did you mean Knightstone?" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_name_like_nothing_known_is_created_without_asking(client, campaign, knightstone):
    response = client.post(submit_url(campaign), payload(organisation="Sovereign"))
    assert response.status_code == 303
    assert Organisation.objects.get(name="Sovereign").kind == Organisation.Kind.OTHER
