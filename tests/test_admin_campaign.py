"""Campaign admin: counts per campaign in the database, scheduling, the collated report."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from campaign.models import Campaign

from .factories import (
    NO_INLINES,
    make_campaign,
    make_innovation,
    make_organisation,
    make_submission,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def fill(campaign, n):
    """n innovations from 3 organisations: a third each approved, pending, rejected."""
    orgs = [make_organisation() for _ in range(3)]
    statuses = ["approved", "pending", "rejected"]
    for i in range(n):
        make_innovation(campaign=campaign, organisation=orgs[i % 3], status=statuses[i % 3])


def row(response, campaign):
    obj = next(c for c in response.context["cl"].result_list if c.pk == campaign.pk)
    return {
        "received": obj.received_count,
        "approved": obj.approved_count,
        "pending": obj.pending_count,
        "rejected": obj.rejected_count,
        "organisations": obj.organisation_count,
    }


def test_changelist_shows_every_count(client, moderator):
    campaign = make_campaign()
    org_a, org_b = make_organisation(), make_organisation()
    make_innovation(campaign=campaign, organisation=org_a, status="approved")
    make_innovation(campaign=campaign, organisation=org_a, status="approved")
    make_innovation(campaign=campaign, organisation=org_b, status="pending")
    make_innovation(campaign=campaign, organisation=make_organisation(), status="rejected")
    make_innovation(status="approved")  # another campaign
    response = client.get("/admin/campaign/campaign/")
    assert row(response, campaign) == {
        "received": 3,
        "approved": 2,
        "pending": 1,
        "rejected": 1,
        "organisations": 2,  # as the public tally counts them: rejected ones left out
    }
    content = response.content.decode()
    # Grouped in one column, with the status in words, so the list fits 1280 px.
    assert "3 received: 2 approved, 1 pending<br>1 rejected · 2 organisations" in content
    assert '<td class="field-status_words">Open</td>' in content
    assert f'href="/admin/campaign/campaign/{campaign.pk}/report/"' in content


def test_counts_take_a_constant_number_of_queries(client, moderator, django_assert_max_num_queries):
    small, big = make_campaign(), make_campaign()
    fill(small, 3)
    with django_assert_max_num_queries(12) as few:
        response = client.get("/admin/campaign/campaign/")
    assert row(response, small)["received"] == 2
    fill(big, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/admin/campaign/campaign/")
    assert row(response, big) == {
        "received": 200,
        "approved": 100,
        "pending": 100,
        "rejected": 100,
        "organisations": 2,
    }


def test_campaign_is_created_from_opening_time_and_length(admin_client):
    response = admin_client.post(
        "/admin/campaign/campaign/add/",
        {
            "title": "Autumn run",
            "slug": "autumn-run",
            "intro": "",
            "target": 140,
            "hashtag": "",
            "participant_noun": "housing associations",
            "participant_kind": "housing_association",
            "opens_at_0": "2025-10-20",
            "opens_at_1": "08:59:00",
            "length_hours": 140,
            **NO_INLINES,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="autumn-run")
    assert campaign.opens_at == datetime(2025, 10, 20, 8, 59, tzinfo=LONDON)
    assert campaign.length_hours == 140
    # Across the end of British Summer Time: 140 real hours, one less on the clock.
    assert campaign.closes_at.astimezone(LONDON) == datetime(2025, 10, 26, 3, 59, tzinfo=LONDON)


@pytest.fixture
def report_campaign():
    campaign = make_campaign(title="140 innovations in 140 hours", target=140)
    zebra = make_organisation(name="Zebra Homes")
    acorn = make_organisation(name="Acorn Housing")
    for org, title, status in [
        (zebra, "Zebra approved one", "approved"),
        (acorn, "Acorn approved one", "approved"),
        (acorn, "Acorn approved two", "approved"),
        (acorn, "Acorn still pending", "pending"),
        (zebra, "Zebra rejected", "rejected"),
    ]:
        make_innovation(
            submission=make_submission(campaign=campaign, organisation=org),
            title=title,
            status=status,
        )
    make_innovation(title="Another campaign's innovation", status="approved")
    return campaign


def test_report_lists_only_approved_innovations_grouped_by_organisation(
    client, moderator, report_campaign
):
    response = client.get(f"/admin/campaign/campaign/{report_campaign.pk}/report/")
    assert response.status_code == 200
    groups = [
        (group["organisation"].name, [i.title for i in group["innovations"]])
        for group in response.context["groups"]
    ]
    assert groups == [
        ("Acorn Housing", ["Acorn approved one", "Acorn approved two"]),
        ("Zebra Homes", ["Zebra approved one"]),
    ]
    content = response.content.decode()
    assert "Still pending" not in content and "Acorn still pending" not in content
    assert "Zebra rejected" not in content
    assert "Another campaign" not in content
    assert content.index("Acorn Housing") < content.index("Zebra Homes")
    assert "2 innovations" in content  # Acorn's count
    assert "1 innovation<" in content  # Zebra's count
    assert '<strong class="report-number">3</strong>' in content
    assert "1 more is" in content  # the pending one, said but not listed
    # The organisers' exports: every question's answers, the organisers-only ones too.
    assert f'href="/admin/campaign/campaign/{report_campaign.pk}/export.csv"' in content
    assert f'href="/admin/campaign/campaign/{report_campaign.pk}/export.json"' in content
    assert "css/report.css" in content


def test_report_takes_a_constant_number_of_queries(
    client, moderator, report_campaign, django_assert_max_num_queries
):
    url = f"/admin/campaign/campaign/{report_campaign.pk}/report/"
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for _ in range(20):
        make_innovation(
            submission=make_submission(campaign=report_campaign, organisation=make_organisation()),
            status="approved",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["innovation_count"] == 23


def test_report_of_an_unknown_campaign_is_404(client, moderator):
    assert client.get("/admin/campaign/campaign/999999/report/").status_code == 404


def test_campaign_change_page_links_to_the_report(client, moderator, report_campaign):
    response = client.get(f"/admin/campaign/campaign/{report_campaign.pk}/change/")
    assert response.status_code == 200
    assert (
        f'href="/admin/campaign/campaign/{report_campaign.pk}/report/"' in response.content.decode()
    )


def test_print_stylesheet_exists():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/report.css")).read_text()
    assert "@media print" in css
