"""Reach: how much of the register took part, on the campaign page, constant in queries."""

import pytest

from campaign import sitesettings
from innovations.models import Innovation
from innovations.reach import campaign_reach, reach_sentence
from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.public_data import fill, url

pytestmark = pytest.mark.django_db

LISTED = Organisation.Register.LISTED


def registered(n, *, region="North", kind=Organisation.Kind.HOUSING_ASSOCIATION, **fields):
    return [
        make_organisation(register=LISTED, region=region, kind=kind, **fields) for _ in range(n)
    ]


def test_reach_counts_registered_organisations_that_took_part_by_region():
    campaign = make_campaign()
    north = registered(3, region="North")
    south = registered(2, region="South")
    make_innovation(campaign=campaign, organisation=north[0])
    make_innovation(campaign=campaign, organisation=north[0])  # counted once
    make_innovation(campaign=campaign, organisation=south[1], status=Innovation.Status.PENDING)
    make_innovation(campaign=campaign, organisation=north[1], status=Innovation.Status.REJECTED)
    make_innovation(campaign=make_campaign(), organisation=north[2])  # another campaign
    make_innovation(campaign=campaign)  # not in the register
    reach = campaign_reach(campaign)
    assert (reach.taken_part, reach.registered) == (2, 5)
    assert [(r.region, r.taken_part, r.registered) for r in reach.regions] == [
        ("North", 1, 3),
        ("South", 1, 2),
    ]
    assert reach_sentence(campaign, reach) == (
        "2 of 5 housing associations in the register have taken part"
    )


def test_only_the_current_register_counts():
    campaign = make_campaign()
    gone = make_organisation(register=Organisation.Register.GONE)
    never = make_organisation()
    make_innovation(campaign=campaign, organisation=gone)
    make_innovation(campaign=campaign, organisation=never)
    listed = registered(1)[0]
    reach = campaign_reach(campaign)
    assert (reach.taken_part, reach.registered) == (0, 1)
    make_innovation(campaign=campaign, organisation=listed)
    assert campaign_reach(campaign).taken_part == 1


def test_the_noun_is_organisations_when_the_register_is_not_all_housing_associations():
    campaign = make_campaign()
    registered(1412 // 1000)
    registered(1, kind=Organisation.Kind.LOCAL_AUTHORITY, region="")
    reach = campaign_reach(campaign)
    assert reach_sentence(campaign, reach) == "0 of 2 organisations in the register have taken part"
    assert reach.regions[-1].region == "Region not given"


def test_thousands_are_written_with_commas_and_one_is_singular():
    from innovations.reach import Reach

    campaign = make_campaign()
    reach = Reach(taken_part=18, registered=1412, all_housing_associations=True, regions=())
    assert reach_sentence(campaign, reach) == (
        "18 of 1,412 housing associations in the register have taken part"
    )
    one = Reach(taken_part=1, registered=1, all_housing_associations=True, regions=())
    assert reach_sentence(campaign, one) == (
        "1 of 1 housing association in the register has taken part"
    )


def test_the_campaign_page_shows_reach_and_a_table_by_region_never_naming_non_participants(client):
    campaign = make_campaign()
    took_part = registered(1, region="London", name="Took Part Homes")[0]
    registered(1, region="London", name="Quiet Housing Trust")
    registered(1, region="Wales", name="Silent Valley Homes")
    make_innovation(campaign=campaign, organisation=took_part, status="approved")
    page = client.get(url("detail", campaign)).content.decode()
    assert "1 of 3 housing associations in the register has taken part." in page
    assert '<th scope="row">London</th>' in page and '<th scope="row">Wales</th>' in page
    assert 'aria-label="London: 50% taken part"' in page
    assert "Quiet Housing Trust" not in page and "Silent Valley Homes" not in page


def test_without_a_register_the_campaign_page_says_nothing_of_reach(client):
    campaign = make_campaign()
    make_innovation(campaign=campaign, status="approved")
    page = client.get(url("detail", campaign)).content.decode()
    assert "in the register" not in page


def test_an_import_moves_the_reach_on_the_cached_campaign_page(
    client, tmp_path, django_capture_on_commit_callbacks
):
    import io

    from organisations.services import register_import

    campaign = make_campaign()
    org = make_organisation(name="Alpha Homes")
    make_innovation(campaign=campaign, organisation=org, status="approved")
    assert "in the register" not in client.get(url("detail", campaign)).content.decode()
    data = b"name,kind,region,homes,website\nAlpha Homes,housing_association,North,,\nBeta,charity,,,\n"
    with django_capture_on_commit_callbacks(execute=True):
        register_import(file=io.BytesIO(data), file_name="r.csv")
    page = client.get(url("detail", campaign)).content.decode()
    assert "1 of 2 organisations in the register has taken part" in page


@pytest.mark.parametrize("size", [10, 400])
def test_reach_costs_the_same_queries_at_any_size(client, django_assert_max_num_queries, size):
    campaign = make_campaign()
    orgs = fill(campaign, size, organisations=min(size, 100))
    Organisation.objects.filter(pk__in=[o.pk for o in orgs[::2]]).update(register=LISTED)
    registered(size // 10, region="Elsewhere")
    sitesettings.current()  # the site's own words: read once per cache lifetime, not per page
    with django_assert_max_num_queries(4):
        response = client.get(url("detail", campaign))
    assert "in the register have taken part" in response.content.decode()
    with django_assert_max_num_queries(0):
        client.get(url("detail", campaign))
