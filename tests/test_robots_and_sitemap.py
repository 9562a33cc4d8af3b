"""/robots.txt lets search engines in but not into the admin; /sitemap.xml lists the
campaigns, published innovations and organisations with a published innovation."""

import pytest

from tests.factories import make_campaign, make_innovation, make_organisation

pytestmark = pytest.mark.django_db


def test_robots_txt_lets_search_engines_in_but_not_the_admin(client, settings):
    settings.ADMIN_URL = "admin/"
    settings.SITE_URL = "https://140in140.example.org"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /" not in lines  # the public pages are open
    assert "Sitemap: https://140in140.example.org/sitemap.xml" in lines
    assert client.post("/robots.txt").status_code == 405


def test_sitemap_lists_campaigns_published_innovations_and_their_organisations(client, settings):
    settings.SITE_URL = "https://140in140.example.org"
    campaign = make_campaign(slug="autumn")
    shown_org = make_organisation(name="Shown Homes")
    hidden_org = make_organisation(name="Hidden Homes")
    published = make_innovation(campaign=campaign, organisation=shown_org, status="approved")
    pending = make_innovation(campaign=campaign, organisation=hidden_org, status="pending")

    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert index["Content-Type"].startswith("application/xml")
    body = index.content.decode()
    for section in ["campaigns", "innovations", "organisations"]:
        assert f"/sitemap-{section}.xml</loc>" in body

    site = "https://140in140.example.org"
    urls = "".join(
        client.get(f"/sitemap-{section}.xml").content.decode()
        for section in ["campaigns", "innovations", "organisations"]
    )
    assert f"<loc>{site}/campaigns/autumn/</loc>" in urls
    assert f"<loc>{site}{published.get_absolute_url()}</loc>" in urls
    assert f"<loc>{site}{shown_org.get_absolute_url()}</loc>" in urls
    assert pending.get_absolute_url() not in urls
    assert hidden_org.get_absolute_url() not in urls
    assert "/admin/" not in urls


def test_the_sitemap_takes_a_few_queries_however_many_innovations(
    client, django_assert_max_num_queries
):
    campaign = make_campaign()
    from tests.public_data import fill

    fill(campaign, 5)
    with django_assert_max_num_queries(6) as few:
        client.get("/sitemap-innovations.xml")
    fill(campaign, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/sitemap-innovations.xml")
    assert response.content.decode().count("<url>") == 305
