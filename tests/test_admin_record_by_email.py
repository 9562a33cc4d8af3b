"""An organiser records innovations that reached them by email: through the submission's add
page, with complete innovations; "Add innovation" leads there."""

import pytest

from core import caching
from innovations.models import Innovation, Submission
from innovations.tally import campaign_tally
from tests.factories import make_campaign, make_organisation
from tests.html_forms import as_post, read_form

pytestmark = pytest.mark.django_db

ADD_SUBMISSION = "/admin/innovations/submission/add/"


def test_add_innovation_leads_to_the_submission_add_page(admin_client):
    response = admin_client.get("/admin/innovations/innovation/add/", follow=True)
    assert response.redirect_chain[-1][0] == ADD_SUBMISSION
    assert "Record an innovation with the submission it came in" in response.content.decode()
    # What used to be a 500 (no campaign, no organisation): nothing saved, no error.
    response = admin_client.post(
        "/admin/innovations/innovation/add/",
        {"title": "By email", "description": "Sent to the organiser", "theme": "other"},
    )
    assert response.status_code == 302
    assert not Innovation.objects.exists()


def test_organiser_records_an_emailed_innovation_with_its_submission(
    admin_client, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    bromford = make_organisation(name="Bromford")
    version_before = caching.current_version()
    page = admin_client.get(ADD_SUBMISSION).content.decode()
    fields, names = read_form(page, form_id="submission_form")
    assert "innovations-0-description" in names  # the inline is complete on the add page
    data = as_post(fields)
    data.update(
        {
            "campaign": str(campaign.pk),
            "organisation": str(bromford.pk),
            "name": "Asha Patel",
            "email": "asha@example.org",
            "innovations-0-title": "Repairs by text",
            "innovations-0-description": "Tenants report repairs by text message.",
            "innovations-0-theme": str(campaign.themes.get(slug="homes_technology").pk),
            "innovations-0-status": "approved",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_SUBMISSION, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get()
    innovation = submission.innovations.get()
    assert (innovation.campaign, innovation.organisation) == (campaign, bromford)
    assert innovation.title == "Repairs by text"
    assert innovation.status == "approved"
    assert innovation.moderated_at is not None
    assert innovation.created_at == submission.created_at
    # The tally counts it (and the list shows it) as one sent through the form.
    assert campaign_tally(campaign).innovations == 1
    assert campaign_tally(campaign).published == 1
    assert caching.current_version() != version_before  # public pages show it


def test_a_submission_added_in_admin_needs_an_innovation(admin_client):
    campaign = make_campaign()
    bromford = make_organisation(name="Bromford")
    fields, _names = read_form(
        admin_client.get(ADD_SUBMISSION).content.decode(), form_id="submission_form"
    )
    data = as_post(fields)
    data.update(
        {
            "campaign": str(campaign.pk),
            "organisation": str(bromford.pk),
            "name": "Asha Patel",
            "email": "asha@example.org",
        }
    )
    response = admin_client.post(ADD_SUBMISSION, data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["?title=%00", "?theme__exact=%00", "?q=%00", "?status=%00", "?campaign=%00", "?%00=x"],
)
def test_admin_list_filters_and_search_with_a_nul_are_a_400(admin_client, query):
    response = admin_client.get(f"/admin/innovations/innovation/{query}")
    assert response.status_code == 400
