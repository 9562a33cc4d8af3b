import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from campaign.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo")


def test_root_redirects_to_the_open_campaign(client, demo):
    live = Campaign.objects.open_at().get()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == live.get_absolute_url()


def test_root_without_campaigns_goes_to_the_list(client):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert b"There are no campaigns yet" in response.content


def test_campaign_page_shows_the_tally(client, demo):
    response = client.get(reverse("campaign:detail", kwargs={"slug": "140in140-2014"}))
    assert response.status_code == 200
    assert b"53" in response.content
    assert b"18 organisations" in response.content


@pytest.mark.parametrize(
    "model",
    [
        "campaign/campaign",
        "organisations/organisation",
        "innovations/innovation",
        "innovations/submission",
    ],
)
def test_admin_changelists_show_with_search(client, demo, model):
    User.objects.create_superuser("admin", "admin@example.org", "pw")
    client.login(username="admin", password="pw")
    response = client.get(f"/admin/{model}/?q=a")
    assert response.status_code == 200


def test_admin_campaign_list_shows_innovation_counts(admin_client, demo):
    response = admin_client.get("/admin/campaign/campaign/")
    assert response.status_code == 200
    assert b"53 received: " in response.content
    assert b" 18 organisations</td>" in response.content
