"""An organisation is public only once it has an approved innovation: before that its
name, typed by anyone, is in no datalist and no list, and its page is a 404."""

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.submitting import payload, submit_url

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/innovations/innovation/"


@pytest.fixture
def campaign():
    return make_campaign()


def organisation_page(client, organisation):
    return client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug}))


def test_a_pending_organisation_is_not_in_the_datalist_nor_on_its_page(client, campaign):
    assert client.post(submit_url(campaign), payload(organisation="Zzyzx Homes")).status_code == 303
    newcomer = Organisation.objects.get(name="Zzyzx Homes")

    form = client.get(submit_url(campaign)).content.decode()
    assert "Zzyzx" not in form
    page = organisation_page(client, newcomer)
    assert page.status_code == 404
    assert "Zzyzx" not in page.content.decode()  # nor in <title> or og:title


def test_an_organisation_appears_once_an_innovation_is_approved(client, campaign, moderator):
    assert client.post(submit_url(campaign), payload(organisation="Zzyzx Homes")).status_code == 303
    newcomer = Organisation.objects.get(name="Zzyzx Homes")
    innovation = newcomer.innovations.get()
    response = client.post(
        CHANGELIST + "?status=all&campaign=all",
        {"action": "approve_selected", "_selected_action": [innovation.pk]},
    )
    assert response.status_code == 302
    client.logout()

    assert '<option value="Zzyzx Homes">' in client.get(submit_url(campaign)).content.decode()
    page = organisation_page(client, newcomer)
    assert page.status_code == 200
    assert "<title>Zzyzx Homes · " in page.content.decode()


def test_an_organisation_with_only_rejected_innovations_stays_hidden(client, campaign):
    hidden = make_organisation(name="Rejected Only Housing")
    make_innovation(campaign=campaign, organisation=hidden, status="rejected")
    make_innovation(campaign=campaign, organisation=hidden, status="pending")
    assert organisation_page(client, hidden).status_code == 404
    assert "Rejected Only" not in client.get(submit_url(campaign)).content.decode()
    listed = client.get(reverse("campaign:innovations", kwargs={"slug": campaign.slug}))
    assert "Rejected Only" not in listed.content.decode()
