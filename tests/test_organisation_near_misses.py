"""A near miss in any word of an organisation's name asks "Did you mean…?" and is listed
among possible duplicates; a name confirmed that way is offered as an alias in one click."""

import pytest

from organisations.matching import SIMILAR, similarity
from organisations.models import ConfirmedName, Organisation, OrganisationAlias
from tests.factories import make_campaign, make_organisation
from tests.submitting import payload, submit_url

pytestmark = pytest.mark.django_db

NEAR_MISSES = [
    ("Salix Homez", "Salix Homes"),
    ("Wulvern Housng", "Wulvern Housing"),
    ("Muir Grp", "Muir Group"),
    ("Trafford Housing Trst", "Trafford Housing Trust"),
]


@pytest.mark.parametrize(("typed", "known"), NEAR_MISSES)
def test_a_typo_in_a_generic_word_is_a_near_miss(typed, known):
    assert similarity(typed, known) >= SIMILAR


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Hope Group", "Home Group"),
        ("Salix Homes", "Saxon Homes"),
        ("Thirteen Group", "Fifteen Group"),
    ],
)
def test_different_organisations_with_a_shared_generic_word_are_not(one, other):
    assert similarity(one, other) < SIMILAR


@pytest.mark.parametrize(("typed", "known"), NEAR_MISSES)
def test_the_form_asks_did_you_mean(client, typed, known):
    make_organisation(name=known)
    campaign = make_campaign()
    response = client.post(submit_url(campaign), payload(organisation=typed))
    assert response.status_code == 200
    assert f"Did you mean {known}?" in response.content.decode()
    assert not Organisation.objects.filter(name=typed).exists()


def test_the_duplicates_page_lists_such_pairs(client, moderator):
    for typed, known in NEAR_MISSES:
        make_organisation(name=typed)
        make_organisation(name=known)
    response = client.get("/admin/organisations/organisation/duplicates/")
    pairs = {
        frozenset((pair["first"].name, pair["second"].name)) for pair in response.context["pairs"]
    }
    assert pairs == {frozenset(pair) for pair in NEAR_MISSES}


def test_a_confirmed_name_is_offered_as_an_alias_and_accepted_in_one_click(client, admin_user):
    salix = make_organisation(name="Salix Homes")
    campaign = make_campaign()
    asked = payload(organisation="Salix Homez")
    assert client.post(submit_url(campaign), asked).status_code == 200
    asked["organisation_choice"] = str(salix.pk)
    assert client.post(submit_url(campaign), asked).status_code == 303
    again = payload(organisation="salix homez", organisation_choice=str(salix.pk))
    assert client.post(submit_url(campaign), again).status_code == 303
    confirmed = ConfirmedName.objects.get()
    assert (confirmed.organisation, confirmed.name, confirmed.times) == (salix, "Salix Homez", 2)

    client.force_login(admin_user)
    change = client.get(f"/admin/organisations/organisation/{salix.pk}/change/").content.decode()
    assert "Accept “Salix Homez” as alias" in change
    assert f'formaction="/admin/organisations/organisation/{salix.pk}/accept-alias/"' in change
    duplicates = client.get("/admin/organisations/organisation/duplicates/").content.decode()
    assert "Accept “Salix Homez” as alias" in duplicates

    response = client.post(
        f"/admin/organisations/organisation/{salix.pk}/accept-alias/",
        {"confirmed": confirmed.pk},
        follow=True,
    )
    assert "“Salix Homez” is now an alias of Salix Homes" in response.content.decode()
    assert list(salix.aliases.values_list("name", flat=True)) == ["Salix Homez"]
    assert not ConfirmedName.objects.exists()

    # Next time the form recognises it without asking.
    client.logout()
    response = client.post(submit_url(campaign), payload(organisation="Salix Homez"))
    assert response.status_code == 303
    assert Organisation.objects.count() == 1


def test_accepting_a_name_another_organisation_has_as_alias_says_why(client, admin_user):
    salix = make_organisation(name="Salix Homes")
    other = make_organisation(name="Other Homes")
    OrganisationAlias.objects.create(organisation=other, name="Salix Homez")
    confirmed = ConfirmedName.objects.create(organisation=salix, name="SALIX HOMEZ")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/organisations/organisation/{salix.pk}/accept-alias/",
        {"confirmed": confirmed.pk},
        follow=True,
    )
    assert "This alias is already in use." in response.content.decode()
    assert ConfirmedName.objects.filter(pk=confirmed.pk).exists()


def test_accepting_needs_a_post_and_change_permission(client, admin_user):
    salix = make_organisation(name="Salix Homes")
    confirmed = ConfirmedName.objects.create(organisation=salix, name="Salix Homez")
    url = f"/admin/organisations/organisation/{salix.pk}/accept-alias/"
    client.force_login(admin_user)
    assert client.get(url).status_code == 405
    assert client.post(url, {"confirmed": "x"}).status_code == 404
    assert client.post(url, {"confirmed": confirmed.pk + 1}).status_code == 404


def test_a_merge_keeps_the_names_confirmed_as_the_merged_organisation():
    from organisations.services import organisation_merge

    keep, gone = make_organisation(name="Salix Homes"), make_organisation(name="Salix Homez")
    ConfirmedName.objects.create(organisation=gone, name="Salix Hms")
    organisation_merge(keep=keep, others=[gone])
    assert list(keep.confirmed_names.values_list("name", flat=True)) == ["Salix Hms"]
