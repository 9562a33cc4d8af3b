"""The accessibility statement and privacy notice: accurate defaults, editable, linked."""

import pytest

from campaign.models import SiteSettings

from .factories import make_campaign, make_innovation
from .submitting import submit_url

pytestmark = pytest.mark.django_db


def test_the_accessibility_statement_has_the_model_statement_s_parts(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    html = response.content.decode()
    for part in [
        "<h1>Accessibility statement</h1>",
        "How accessible this website is",
        "Compliance status",
        "partially compliant with the",
        "Web Content Accessibility Guidelines version 2.2</a> AA standard",
        "Non-accessible content",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Equality and Human Rights Commission",
        "Preparation of this accessibility statement",
        "axe-core",
    ]:
        assert part in html, part
    assert response["Cache-Control"] == "public, max-age=0, s-maxage=60"


def test_the_privacy_notice_says_what_why_basis_who_how_long_rights_contact(client):
    html = client.get("/privacy/").content.decode()
    for part in [
        "<h1>Privacy notice</h1>",
        "What we collect",
        "your name and email address",
        "lawful basis",
        "legitimate interests",
        "consent",
        "Who sees it",
        "never published",
        "How long we keep it",
        "<code>purge_personal_data</code>",
        "(removed)",
        "Your rights",
        "Office (ICO)",
        "Who to contact",
        "location and camera details",
    ]:
        assert part in html, part


def test_the_organiser_s_contact_is_filled_in(client):
    SiteSettings.objects.create(organiser_name="Jo Bloggs", organiser_email="jo@example.org")
    html = client.get("/privacy/").content.decode()
    assert 'Jo Bloggs: <a href="mailto:jo@example.org">jo@example.org</a>' in html


def test_the_organiser_can_replace_either_text_in_markdown_safely(client):
    SiteSettings.objects.create(
        accessibility_statement="## Our own statement\n\nWritten by {organiser}. <script>x()</script>",
    )
    html = client.get("/accessibility/").content.decode()
    assert "<h2>Our own statement</h2>" in html
    assert "Written by The organisers." in html
    assert "<script>x()" not in html and "Enforcement procedure" not in html


def test_every_page_s_footer_links_both_and_the_consent_box_links_the_notice(client):
    campaign = make_campaign()
    innovation = make_innovation(campaign=campaign, status="approved")
    for path in [
        "/campaigns/",
        campaign.get_absolute_url(),
        f"/campaigns/{campaign.slug}/innovations/",
        innovation.get_absolute_url(),
        innovation.organisation.get_absolute_url(),
        submit_url(campaign),
        "/accessibility/",
        "/privacy/",
        "/no-such-page/",
    ]:
        html = client.get(path).content.decode()
        assert '<a href="/accessibility/">Accessibility statement</a>' in html, path
        assert '<a href="/privacy/">Privacy notice</a>' in html, path
    form = client.get(submit_url(campaign)).content.decode()
    consent = form.index('name="consent"')
    assert form.index('href="/privacy/">our privacy notice</a>') - consent < 1500


def test_the_admin_index_says_how_many_innovations_wait_for_moderation(admin_client):
    campaign = make_campaign()
    for _ in range(3):
        make_innovation(campaign=campaign)
    make_innovation(campaign=campaign, status="approved")
    html = admin_client.get("/admin/").content.decode()
    assert "3 innovations wait for moderation." in html
    assert 'href="/admin/innovations/innovation/?status=pending&amp;campaign=all"' in html


def test_site_settings_open_straight_onto_the_one_record(admin_client):
    response = admin_client.get("/admin/campaign/sitesettings/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/campaign/sitesettings/1/change/"
    assert admin_client.get("/admin/campaign/sitesettings/add/").status_code == 403
