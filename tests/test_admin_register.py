"""The register upload in admin: a preview of what would change, then saving it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from organisations.models import Organisation, OrganisationAlias, RegisterImport
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db

HEADER = "name,kind,region,homes,website\n"
ADD = reverse("admin:organisations_registerimport_add")


@pytest.fixture
def organiser(client):
    user = make_user(staff=True, is_superuser=True)
    client.force_login(user)
    return user


def upload(client, text, name="register.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(ADD, {"file": SimpleUploadedFile(name, data, "text/csv"), "note": ""})


def test_the_preview_lists_new_updated_gone_and_near_misses_and_saves_nothing(client, organiser):
    make_organisation(name="Alpha Homes", register=Organisation.Register.LISTED, region="North")
    make_organisation(name="Gamma Housing", register=Organisation.Register.LISTED)
    make_organisation(name="Knightstone Housing")
    response = upload(
        client,
        HEADER + "Alpha Homes,housing_association,South,,\n"
        "Knightsone Housing,housing_association,,,\n"
        "Delta Trust,charity,,,\n",
    )
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "2 new organisations",
        "1 to update",
        "1 gone from the register",
        "1 near miss to confirm",
        "Line 3: “Knightsone Housing”",
        "The same as",
        "Delta Trust",
        "region",
        "Gamma Housing",
    ]:
        assert text in page
    assert not RegisterImport.objects.exists()
    assert Organisation.objects.get(name="Alpha Homes").region == "North"


def test_saving_with_a_near_miss_confirmed_matches_it(client, organiser):
    knightstone = make_organisation(name="Knightstone Housing")
    response = upload(client, HEADER + "Knightsone Housing,housing_association,South West,,\n")
    token = response.context["token"]
    response = client.post(ADD, {"token": token, "line-2": str(knightstone.pk)})
    assert response.status_code == 302
    assert Organisation.objects.count() == 1
    knightstone.refresh_from_db()
    assert knightstone.region == "South West" and knightstone.register == "listed"
    assert OrganisationAlias.objects.get().name == "Knightsone Housing"
    assert RegisterImport.objects.get().imported_by == organiser


def test_saving_without_confirming_adds_the_near_miss_as_new(client, organiser):
    make_organisation(name="Knightstone Housing")
    response = upload(client, HEADER + "Knightsone Housing,housing_association,,,\n")
    response = client.post(ADD, {"token": response.context["token"]}, follow=True)
    assert Organisation.objects.count() == 2
    assert "Possible duplicates" in response.content.decode()


def test_a_bad_file_shows_every_problem_by_line_and_saves_nothing(client, organiser):
    response = upload(client, HEADER + "Alpha,castle,,,\n,charity,,,\n")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: unknown kind “castle”" in page and "Line 3: the name is empty" in page
    assert "Nothing was imported" in page
    assert not Organisation.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(client, organiser):
    response = upload(client, (HEADER + "Zoë,charity,,,\n").encode("utf-16"))
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode() or "header" in response.content.decode()


def test_an_expired_upload_asks_for_the_file_again(client, organiser):
    response = client.post(ADD, {"token": "made-up"}, follow=True)
    assert "upload it again" in response.content.decode()
    assert not RegisterImport.objects.exists()


def test_saving_twice_with_the_same_token_imports_once(client, organiser):
    response = upload(client, HEADER + "Alpha,charity,,,\n")
    token = response.context["token"]
    client.post(ADD, {"token": token})
    client.post(ADD, {"token": token})
    assert RegisterImport.objects.count() == 1
    assert Organisation.objects.count() == 1


def test_a_moderator_cannot_import_without_permission(client):
    client.force_login(make_user(staff=True))
    assert client.get(ADD).status_code == 403
