"""Themes belong to a campaign: edited inline in admin, migrated from the fixed list, filtered."""

import csv
import io
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from campaign.models import Campaign, DefaultTheme, Theme
from core.caching import mark_changed
from innovations.models import Innovation

from .factories import NO_INLINES, make_campaign, make_innovation
from .public_data import url
from .submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

ORGANISATIONS = ("organisations", "0004_organisation_search_name")
BEFORE = [
    ("campaign", "0003_hashtag_without_hash"),
    ("innovations", "0009_issue14_reasons_and_permissions"),
    ORGANISATIONS,
]
AFTER = [
    ("campaign", "0004_themes_questions_site_settings"),
    ("innovations", "0010_campaign_themes"),
    ORGANISATIONS,
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_campaign_its_themes_and_loses_no_innovation_s_theme():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldCampaign = old.get_model("campaign", "Campaign")
    OldInnovation = old.get_model("innovations", "Innovation")
    Organisation = old.get_model("organisations", "Organisation")
    Submission = old.get_model("innovations", "Submission")
    now = timezone.now()
    org = Organisation.objects.create(
        name="Bromford", slug="bromford", match_key="bromford", search_name="bromford"
    )
    made = {}
    for n in (1, 2):
        campaign = OldCampaign.objects.create(
            title=f"C{n}", slug=f"c{n}", opens_at=now, closes_at=now + timezone.timedelta(hours=1)
        )
        submission = Submission.objects.create(
            campaign=campaign, organisation=org, name="A", email="a@example.org"
        )
        for value in DefaultTheme.values:
            row = OldInnovation.objects.create(
                submission=submission,
                campaign=campaign,
                organisation=org,
                title=f"{value} {n}",
                description="d",
                theme=value,
            )
            made[row.pk] = (campaign.pk, value)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    NewInnovation = new.get_model("innovations", "Innovation")
    NewCampaign = new.get_model("campaign", "Campaign")
    assert NewInnovation.objects.count() == len(made) == 14
    for row in NewInnovation.objects.select_related("theme"):
        campaign_id, value = made[row.pk]
        assert row.theme.campaign_id == campaign_id  # its own campaign's theme
        assert row.theme.slug == value  # the old value, so ?theme=value still filters
        assert row.theme.name == DefaultTheme(value).label
    for campaign in NewCampaign.objects.all():
        assert campaign.participant_noun == "housing associations"
        assert campaign.participant_kind == "housing_association"
        assert campaign.themes.count() == 7

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as it was


def test_a_new_campaign_made_in_admin_starts_with_the_default_themes(admin_client):
    response = admin_client.post(
        "/admin/campaign/campaign/add/",
        {
            "title": "CX week",
            "slug": "cx-week",
            "target": 140,
            "participant_noun": "councils",
            "participant_kind": "local_authority",
            "opens_at_0": "2027-03-01",
            "opens_at_1": "09:00:00",
            "length_hours": 140,
            **NO_INLINES,
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="cx-week")
    assert [t.name for t in campaign.themes.all()] == DefaultTheme.labels


def test_themes_typed_on_the_add_page_replace_the_default_set(admin_client):
    data = {
        "title": "CX week",
        "slug": "cx-week",
        "target": 140,
        "participant_noun": "councils",
        "opens_at_0": "2027-03-01",
        "opens_at_1": "09:00:00",
        "length_hours": 140,
        **NO_INLINES,
        "themes-TOTAL_FORMS": "2",
        "themes-0-name": "Complaints",
        "themes-0-description": "Handling them well.",
        "themes-0-order": "1",
        "themes-1-name": "Self-service",
        "themes-1-order": "2",
    }
    assert admin_client.post("/admin/campaign/campaign/add/", data).status_code == 302
    themes = list(Campaign.objects.get(slug="cx-week").themes.values_list("name", "slug"))
    assert themes == [("Complaints", "complaints"), ("Self-service", "self-service")]


def theme_formset(campaign, rows):
    data = {
        "themes-TOTAL_FORMS": str(len(rows)),
        "themes-INITIAL_FORMS": str(sum(1 for row in rows if "id" in row)),
        "themes-MAX_NUM_FORMS": "",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "editions-TOTAL_FORMS": "0",
        "editions-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"themes-{i}-{key}"] = value
        data[f"themes-{i}-campaign"] = campaign.pk
    return data


def change(admin_client, campaign, **extra):
    opens = timezone.localtime(campaign.opens_at)
    return admin_client.post(
        f"/admin/campaign/campaign/{campaign.pk}/change/",
        {
            "title": campaign.title,
            "slug": campaign.slug,
            "target": campaign.target,
            "participant_noun": campaign.participant_noun,
            "participant_kind": campaign.participant_kind,
            "opens_at_0": opens.strftime("%Y-%m-%d"),
            "opens_at_1": opens.strftime("%H:%M:%S"),
            "length_hours": 140,
            **extra,
        },
    )


def test_a_theme_name_of_2000_characters_gets_a_clear_error(admin_client):
    campaign = make_campaign()
    response = change(admin_client, campaign, **theme_formset(campaign, [{"name": "x" * 2000}]))
    assert response.status_code == 200
    assert "Ensure this value has at most 80 characters (it has 2000)." in response.content.decode()
    assert campaign.themes.count() == 7


def test_a_theme_in_use_cannot_be_deleted_only_hidden(admin_client, client):
    campaign = make_campaign()
    used = make_innovation(campaign=campaign, theme=DefaultTheme.STAFF_LEARNING, status="approved")
    theme = used.theme
    row = {"id": theme.pk, "name": theme.name, "order": theme.order, "DELETE": "on"}
    response = change(admin_client, campaign, **theme_formset(campaign, [row]))
    assert response.status_code == 200
    assert (
        "“Staff learning” cannot be deleted: 1 innovation has it. Tick “hidden from the form” "
        "instead, so no one new chooses it."
    ) in response.content.decode()
    assert Theme.objects.filter(pk=theme.pk).exists()

    row = {"id": theme.pk, "name": theme.name, "order": theme.order, "hidden": "on"}
    assert change(admin_client, campaign, **theme_formset(campaign, [row])).status_code == 302
    form = client.get(submit_url(campaign)).content.decode()
    assert "Staff learning" not in form and "Digital inclusion" in form
    # The innovation keeps it, and the public list still shows and filters by it.
    listing = client.get(url("innovations", campaign), {"theme": "staff_learning"})
    assert used.title in listing.content.decode()


def test_an_unused_theme_can_be_deleted(admin_client):
    campaign = make_campaign()
    theme = campaign.themes.get(slug="other")
    row = {"id": theme.pk, "name": theme.name, "order": theme.order, "DELETE": "on"}
    assert change(admin_client, campaign, **theme_formset(campaign, [row])).status_code == 302
    assert not Theme.objects.filter(pk=theme.pk).exists()


def test_a_campaign_with_its_own_themes_uses_them_everywhere(client):
    campaign = make_campaign(participant_noun="councils", participant_kind="")
    campaign.themes.all().delete()
    complaints = Theme.objects.create(campaign=campaign, name="Complaints handled well", order=1)
    Theme.objects.create(campaign=campaign, name="Self-service", order=2)
    response = client.post(submit_url(campaign), payload(innovation(1, theme=complaints.slug)))
    assert response.status_code == 303
    saved = Innovation.objects.get()
    assert saved.theme == complaints
    saved.status = "approved"
    saved.save()
    mark_changed(campaign.pk)

    form = client.get(submit_url(campaign)).content.decode()
    assert '<option value="complaints-handled-well">Complaints handled well</option>' in form
    assert "Digital inclusion" not in form
    listing = client.get(url("innovations", campaign), {"theme": "complaints-handled-well"})
    assert saved.title in listing.content.decode()
    assert (
        saved.title
        not in client.get(url("innovations", campaign), {"theme": "self-service"}).content.decode()
    )
    exported = client.get(url("export_csv", campaign)).getvalue().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(exported)))[1][3] == "Complaints handled well"
    item = json.loads(client.get(url("export_json", campaign)).getvalue())["innovations"][0]
    assert (item["theme"], item["theme_label"]) == ("complaints-handled-well", saved.theme.name)
    assert b'term="Complaints handled well"' in client.get(url("feed", campaign)).content


def test_a_theme_from_another_campaign_is_refused_by_the_form(client):
    campaign, other = make_campaign(), make_campaign()
    Theme.objects.create(campaign=other, name="Elsewhere only")
    response = client.post(submit_url(campaign), payload(innovation(1, theme="elsewhere-only")))
    assert response.status_code == 400
    assert "Choose a theme for innovation 1 from the list" in response.content.decode()
