"""Search on the collated list ignores case, accents and hyphens, the same on SQLite and
PostgreSQL, and finds innovations by their organisation's name too."""

import pytest
from django.urls import reverse

from core.caching import mark_changed
from innovations.models import Innovation
from organisations.services import organisation_merge
from tests.factories import make_campaign, make_innovation, make_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_campaign()


def found(client, campaign, q):
    response = client.get(reverse("campaign:innovations", kwargs={"slug": campaign.slug}), {"q": q})
    assert response.status_code == 200
    return {
        innovation.title
        for group in response.context["page"].groups
        for innovation in group.innovations
    }


@pytest.mark.parametrize("q", ["café", "cafe", "CAFÉ", "Cafe", "CAFE"])
def test_case_and_accents_are_ignored(client, campaign, q):
    make_innovation(campaign=campaign, title="Café mornings", status="approved")
    make_innovation(campaign=campaign, title="A CAFE FOR ALL", status="approved")
    make_innovation(campaign=campaign, title="Coffee club", status="approved")
    assert found(client, campaign, q) == {"Café mornings", "A CAFE FOR ALL"}


@pytest.mark.parametrize("q", ["wi-fi", "wifi", "WiFi", "Wi-Fi", "wi fi"])
def test_hyphens_count_as_a_space_or_nothing(client, campaign, q):
    make_innovation(campaign=campaign, title="Free Wi-Fi in every block", status="approved")
    make_innovation(campaign=campaign, title="wifi for tenants", status="approved")
    assert found(client, campaign, q) == {"Free Wi-Fi in every block", "wifi for tenants"}


def test_a_search_finds_every_innovation_of_an_organisation_by_its_name(client, campaign):
    bromford = make_organisation(name="Bromford")
    for title in ["Bromford lab", "Digital skills", "Repairs app", "Tenant panel"]:
        make_innovation(campaign=campaign, organisation=bromford, title=title, status="approved")
    make_innovation(campaign=campaign, title="Learning from Bromford", status="approved")
    assert found(client, campaign, "bromford") == {
        "Bromford lab",
        "Digital skills",
        "Repairs app",
        "Tenant panel",
        "Learning from Bromford",
    }
    assert found(client, campaign, "Bromford repairs") == {"Repairs app"}


def test_a_renamed_or_merged_organisation_is_found_by_its_new_name(
    client, campaign, django_capture_on_commit_callbacks
):
    organisation = make_organisation(name="Knightstone")
    make_innovation(campaign=campaign, organisation=organisation, title="One", status="approved")
    organisation.name = "Stonewater Homes"
    organisation.save()
    mark_changed()  # as the organisation admin does after a rename
    assert found(client, campaign, "stonewater") == {"One"}
    keep = make_organisation(name="Sovereign Network")
    with django_capture_on_commit_callbacks(execute=True):
        organisation_merge(keep=keep, others=[organisation])
    assert found(client, campaign, "sovereign") == {"One"}
    assert found(client, campaign, "stonewater") == set()


def test_an_edited_title_is_searched_as_edited(client, campaign):
    innovation = make_innovation(campaign=campaign, title="Old words", status="approved")
    innovation.title = "Nouveau rôle"
    innovation.save(update_fields=["title"])
    assert Innovation.objects.get().search_text.startswith("nouveau role")
    assert found(client, campaign, "ROLE") == {"Nouveau rôle"}


def test_exports_filter_the_same_way(client, campaign):
    make_innovation(campaign=campaign, title="Café mornings", status="approved")
    csv = client.get(reverse("campaign:export_csv", kwargs={"slug": campaign.slug}), {"q": "CAFE"})
    assert "Café mornings" in b"".join(csv.streaming_content).decode()


def test_search_takes_the_same_number_of_queries_however_many_match(
    client, campaign, django_assert_max_num_queries
):
    make_innovation(campaign=campaign, title="Café one", status="approved")
    url = reverse("campaign:innovations", kwargs={"slug": campaign.slug})
    with django_assert_max_num_queries(20) as few:
        client.get(url, {"q": "cafe"})
    for n in range(30):
        make_innovation(campaign=campaign, title=f"Café {n}", status="approved")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"q": "CAFÉ"})  # another key: built afresh
    assert response.context["page"].innovations == 31


def test_the_data_migration_fills_the_search_text_of_existing_rows(client, campaign):
    import importlib

    from django.apps import apps

    from organisations.models import Organisation

    make_innovation(campaign=campaign, title="Café mornings", status="approved")
    Innovation.objects.update(search_text="")  # as the rows were before the migration
    Organisation.objects.update(search_name="")
    for module in [
        "innovations.migrations.0006_innovation_search_text",
        "organisations.migrations.0004_organisation_search_name",
    ]:
        importlib.import_module(module).fill(apps, None)
    assert Innovation.objects.get().search_text.startswith("cafe mornings what innovation")
    assert found(client, campaign, "CAFE") == {"Café mornings"}


def test_the_search_box_says_what_it_searches(client, campaign):
    html = client.get(reverse("campaign:innovations", kwargs={"slug": campaign.slug})).content
    assert b"Search titles, descriptions and organisations</label>" in html
