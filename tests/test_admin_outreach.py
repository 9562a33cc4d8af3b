"""Admin: registered organisations that have not taken part yet, filtered, exported as CSV."""

import csv
import io

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("admin:innovations_registeredorganisation_changelist")
EXPORT = reverse("admin:innovations_registeredorganisation_export")


@pytest.fixture
def register():
    listed = Organisation.Register.LISTED
    return {
        "took_part": make_organisation(name="Took Part Homes", register=listed, region="North"),
        "quiet_north": make_organisation(
            name="Quiet North Housing", register=listed, region="North", homes=500
        ),
        "quiet_south": make_organisation(
            name="Quiet South Trust",
            register=listed,
            region="South",
            homes=45000,
            kind=Organisation.Kind.LOCAL_AUTHORITY,
        ),
        "gone": make_organisation(name="Gone Housing", register=Organisation.Register.GONE),
        "never": make_organisation(name="Never Listed Ltd"),
    }


@pytest.fixture
def campaign(register):
    campaign = make_campaign()
    make_innovation(campaign=campaign, organisation=register["took_part"], status="pending")
    return campaign


def names(response):
    page = response.content.decode()
    return {
        name
        for name in [
            "Took Part Homes",
            "Quiet North Housing",
            "Quiet South Trust",
            "Gone Housing",
            "Never Listed Ltd",
        ]
        if f">{name}</a>" in page
    }


def test_a_moderator_sees_the_registered_organisations_not_taken_part(client, moderator, campaign):
    response = client.get(LIST)
    assert response.status_code == 200
    assert names(response) == {"Quiet North Housing", "Quiet South Trust"}
    assert "Not taken part yet" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "North"}, {"Quiet North Housing"}),
        ({"kind__exact": "local_authority"}, {"Quiet South Trust"}),
        ({"size": "largest"}, {"Quiet South Trust"}),
        ({"size": "small"}, {"Quiet North Housing"}),
        ({"size": "unknown"}, set()),
    ],
)
def test_filters_by_region_kind_and_size(client, moderator, campaign, query, expected):
    assert names(client.get(LIST, query)) == expected


def test_another_campaign_can_be_chosen(client, moderator, campaign, register):
    other = make_campaign(opens_at=campaign.opens_at.replace(year=2014))
    make_innovation(campaign=other, organisation=register["quiet_south"])
    response = client.get(LIST, {"campaign": other.pk})
    assert names(response) == {"Took Part Homes", "Quiet North Housing"}


def test_the_csv_export_follows_the_filters(client, moderator, campaign):
    response = client.get(EXPORT, {"region": "North"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["Name", "Kind", "Region", "Homes", "Website"],
        ["Quiet North Housing", "Housing association", "North", "500", ""],
    ]
    assert "export.csv?region=North" in client.get(LIST, {"region": "North"}).content.decode()


def test_staff_without_permission_cannot_see_or_export(client, campaign):
    client.force_login(make_user(staff=True))
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
