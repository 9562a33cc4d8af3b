"""Exports (CSV, JSON), the Atom feed and the SVGs: formats other programs read."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from campaign.models import DefaultTheme
from tests.factories import make_campaign, make_innovation, make_organisation, make_submission
from tests.public_data import url

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SVG = "{http://www.w3.org/2000/svg}"
LONDON = ZoneInfo("Europe/London")


def parse_xml(data):
    # Our own server's output, parsed to prove it is well-formed XML.
    return ET.fromstring(data)  # noqa: S314


def body(response):
    assert response.streaming, "exports must stream"
    return b"".join(response.streaming_content)


@pytest.fixture
def campaign():
    campaign = make_campaign(title="Fish & <chips>")
    bromford = make_organisation(name="Bromford")
    submission = make_submission(
        campaign=campaign, organisation=bromford, name="Private Name", email="private@example.org"
    )
    make_innovation(
        submission=submission,
        title='=HYPERLINK("http://evil.example","click")',
        description="-2+3\nsecond line, with a comma",
        theme=DefaultTheme.STAFF_LEARNING,
        link="https://example.org/x",
        status="approved",
        created_at=datetime(2014, 7, 1, 9, 5, tzinfo=LONDON),
    )
    make_innovation(
        campaign=campaign,
        organisation=make_organisation(name="@Acme"),
        title="Café ☕ for tenants",
        description="Plain",
        status="approved",
    )
    make_innovation(campaign=campaign, title="Pending one", status="pending")
    make_innovation(campaign=campaign, title="Rejected one", status="rejected")
    return campaign


def test_csv_has_a_bom_the_header_and_approved_rows_only(client, campaign):
    response = client.get(url("export_csv", campaign))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "Organisation",
        "Title",
        "Description",
        "Theme",
        "Link",
        "Submitted",
        "Also done at (organisations)",
        "Want to try it (organisations)",
    ]
    assert len(rows) == 3
    titles = [row[1] for row in rows[1:]]
    assert "Café ☕ for tenants" in titles
    assert not {"Pending one", "Rejected one"} & set(titles)
    assert b"Private Name" not in raw and b"private@example.org" not in raw


def test_csv_escapes_formulas_so_spreadsheets_show_text(client, campaign):
    rows = list(
        csv.reader(io.StringIO(body(client.get(url("export_csv", campaign))).decode("utf-8-sig")))
    )
    by_title = {row[1]: row for row in rows[1:]}
    formula = by_title['\'=HYPERLINK("http://evil.example","click")']
    assert formula[0] == "Bromford"
    assert formula[2] == "'-2+3\nsecond line, with a comma"
    assert formula[3] == "Staff learning"
    assert formula[5] == "2014-07-01 09:05"
    assert by_title["Café ☕ for tenants"][0] == "'@Acme"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_exports_follow_the_list_filters(client, campaign):
    response = client.get(url("export_csv", campaign), {"theme": DefaultTheme.STAFF_LEARNING})
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Bromford"]


def test_json_matches_the_schema_in_the_readme(client, campaign, settings):
    settings.SITE_URL = "https://140in140.example.org"
    response = client.get(url("export_json", campaign))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    raw = body(response)
    data = json.loads(raw)
    assert set(data) == {"campaign", "generated_at", "innovations"}
    assert data["campaign"] == {
        "title": "Fish & <chips>",
        "slug": campaign.slug,
        "url": f"https://140in140.example.org/campaigns/{campaign.slug}/",
        "target": 140,
        "opens_at": data["campaign"]["opens_at"],
        "closes_at": data["campaign"]["closes_at"],
    }
    datetime.fromisoformat(data["campaign"]["opens_at"])
    datetime.fromisoformat(data["generated_at"])
    assert len(data["innovations"]) == 2
    keys = {
        "id",
        "url",
        "organisation",
        "title",
        "description",
        "theme",
        "theme_label",
        "link",
        "submitted_at",
        "answers",
        "also_done_at",
        "want_to_try",
    }
    for item in data["innovations"]:
        assert set(item) == keys
        assert isinstance(item["id"], int)
        assert item["url"].startswith("https://140in140.example.org/campaigns/")
        assert set(item["organisation"]) == {"name", "slug", "kind"}
        assert item["theme"] in DefaultTheme.values
        assert item["answers"] == []  # the campaign asks no questions of its own
        assert item["link"] is None or item["link"].startswith("http")
        assert datetime.fromisoformat(item["submitted_at"]).tzinfo is not None
    first = data["innovations"][1]
    # JSON is for programs: no spreadsheet escaping, the text as written.
    assert first["title"] == '=HYPERLINK("http://evil.example","click")'
    assert first["submitted_at"] == "2014-07-01T09:05:00+01:00"
    assert first["theme_label"] == "Staff learning"
    assert b"Private Name" not in raw and b"private@example.org" not in raw


def test_json_of_an_empty_campaign_is_valid():
    from django.test import Client

    campaign = make_campaign()
    data = json.loads(body(Client().get(url("export_json", campaign))))
    assert data["innovations"] == []


def test_exports_stream_from_an_iterator(client, campaign):
    for name in ["export_csv", "export_json"]:
        response = client.get(url(name, campaign))
        assert response.streaming is True
        assert not isinstance(response.streaming_content, bytes | str | list)
        chunks = list(response.streaming_content)
        assert len(chunks) > 2  # a chunk per row, not one big string


def test_feed_is_atom_with_the_approved_entries(client, campaign, settings):
    settings.SITE_URL = "https://140in140.example.org"
    response = client.get(url("feed", campaign))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse_xml(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "Fish & <chips>: approved innovations"
    assert root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    titles = {entry.find(f"{ATOM}title").text for entry in entries}
    assert titles == {'=HYPERLINK("http://evil.example","click")', "Café ☕ for tenants"}
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("https://140in140.example.org/")
        assert entry.find(f"{ATOM}author/{ATOM}name").text in {"Bromford", "@Acme"}
    assert b"Private Name" not in response.content


def test_every_campaign_page_links_its_feed(client, campaign):
    feed = url("feed", campaign)
    innovation = campaign.innovations.filter(status="approved").first()
    for page in [
        url("detail", campaign),
        url("innovations", campaign),
        innovation.get_absolute_url(),
    ]:
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/atom+xml"' in html
        assert f'href="{feed}"' in html


def test_chart_is_valid_svg_with_title_and_description(client, campaign):
    response = client.get(url("chart", campaign))
    assert response["Content-Type"] == "image/svg+xml"
    root = parse_xml(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text.startswith("Fish & <chips>: innovations received per hour")
    assert "3 innovations received against a target of 140" in root.find(f"{SVG}desc").text
    bars = root.findall(f"{SVG}g/{SVG}rect")
    assert sum(int(bar.find(f"{SVG}title").text.split()[0]) for bar in bars) == 3
    assert len(root.findall(f"{SVG}polyline")) == 2


def test_chart_has_a_narrow_drawing_for_phones_that_the_home_page_offers(client, campaign):
    wide = parse_xml(client.get(url("chart", campaign)).content)
    narrow = parse_xml(client.get(url("chart", campaign) + "?size=narrow").content)
    assert wide.get("viewBox") == "0 0 720 300"
    assert narrow.get("viewBox") == "0 0 360 300"
    # The same data, the labels at the same size in fewer units.
    assert len(narrow.findall(f"{SVG}g/{SVG}rect")) == len(wide.findall(f"{SVG}g/{SVG}rect"))
    assert narrow.get("font-size") == wide.get("font-size")
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert (
        f'<source media="(max-width: 40rem)" srcset="{url("chart", campaign)}?size=narrow"' in html
    )


def test_chart_counts_per_hour_in_the_database(client):
    campaign = make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON))
    org = make_organisation()
    for minute in [0, 10, 20]:
        make_innovation(
            campaign=campaign,
            organisation=org,
            created_at=datetime(2014, 6, 30, 10, minute, tzinfo=LONDON),
        )
    make_innovation(
        campaign=campaign, organisation=org, created_at=datetime(2014, 7, 1, 9, 0, tzinfo=LONDON)
    )
    from innovations.charts import hourly_counts

    # Hour 0 is 8am (the campaign opened at 8.59am), so 10am is hour 2.
    assert hourly_counts(campaign) == {2: 3, 25: 1}


def test_badge_is_valid_svg_with_the_live_tally(client, campaign):
    response = client.get(url("badge", campaign))
    assert response["Content-Type"] == "image/svg+xml"
    root = parse_xml(response.content)
    title = root.find(f"{SVG}title").text
    assert title.startswith("#140in140: 3 / 140 innovations · ")
    assert title.endswith("h left")


def test_only_the_badge_and_embed_may_be_framed(client, campaign):
    for name in ["badge", "embed"]:
        assert "X-Frame-Options" not in client.get(url(name, campaign)).headers, name
    for name in ["detail", "innovations", "chart", "feed"]:
        assert client.get(url(name, campaign))["X-Frame-Options"] == "DENY", name


def test_embed_page_is_minimal_with_the_tally(client, campaign):
    html = client.get(url("embed", campaign)).content.decode()
    assert '<span class="tally__number">3</span>' in html
    assert 'class="site-header"' not in html
    assert 'target="_blank"' in html
