"""Staff only: every admin page, custom view and the report, walked as a permission matrix."""

import pytest
from django.contrib.auth.models import Group, Permission

from innovations.models import Innovation
from organisations.models import Organisation

from .factories import make_campaign, make_innovation, make_organisation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    campaign = make_campaign()
    innovation = make_innovation(campaign=campaign)
    a = make_organisation(name="Knightstone")
    b = make_organisation(name="Knightsone Housing")
    return {"campaign": campaign, "innovation": innovation, "a": a, "b": b}


PAGES = [
    "/admin/",
    "/admin/innovations/innovation/",
    "/admin/innovations/innovation/{innovation.pk}/change/",
    "/admin/innovations/innovation/{innovation.pk}/history/",
    "/admin/innovations/submission/",
    "/admin/organisations/organisation/",
    "/admin/organisations/organisation/duplicates/",
    "/admin/organisations/organisation/merge/?ids={a.pk}&ids={b.pk}",
    "/admin/organisations/organisationalias/",
    "/admin/campaign/campaign/",
    "/admin/campaign/campaign/{campaign.pk}/report/",
]

# Pages that need a model permission, so a staff member without any gets 403.
NEEDS_PERMISSION = [page for page in PAGES if page != "/admin/"]


def url(page, rows):
    return page.format(**rows)


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_the_login_page(client, rows, page):
    response = client.get(url(page, rows))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_logged_in_non_staff_is_sent_to_the_login_page(client, rows, page):
    client.force_login(make_user(staff=False, groups=["Moderator"]))
    response = client.get(url(page, rows))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("page", NEEDS_PERMISSION)
def test_staff_without_permissions_is_refused(client, rows, page):
    client.force_login(make_user(staff=True))
    response = client.get(url(page, rows))
    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_moderator_reaches_every_page(client, rows, page):
    client.force_login(make_user(staff=True, groups=["Moderator"]))
    response = client.get(url(page, rows))
    assert response.status_code == 200


def test_non_staff_cannot_act(client, rows):
    client.force_login(make_user(staff=False, groups=["Moderator"]))
    innovation, a, b = rows["innovation"], rows["a"], rows["b"]
    client.post(
        "/admin/innovations/innovation/",
        {"action": "approve_selected", "_selected_action": [innovation.pk]},
    )
    client.post("/admin/organisations/organisation/merge/", {"ids": [a.pk, b.pk], "keep": a.pk})
    innovation.refresh_from_db()
    assert innovation.status == "pending"
    assert Organisation.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_view_only_staff_cannot_approve_or_merge(client, rows):
    user = make_user(staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_innovation", "view_organisation", "view_campaign"]
        )
    )
    client.force_login(user)
    innovation, a, b = rows["innovation"], rows["a"], rows["b"]
    client.post(
        "/admin/innovations/innovation/",
        {"action": "approve_selected", "_selected_action": [innovation.pk]},
    )
    innovation.refresh_from_db()
    assert innovation.status == "pending"
    response = client.post(
        "/admin/organisations/organisation/merge/", {"ids": [a.pk, b.pk], "keep": a.pk}
    )
    assert response.status_code == 403
    assert Organisation.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    # The duplicates list is readable, without merge buttons.
    response = client.get("/admin/organisations/organisation/duplicates/")
    assert response.status_code == 200
    assert b"Knightsone Housing" in response.content
    assert b"/merge/" not in response.content


def test_moderator_group_has_exactly_the_permissions_needed():
    group = Group.objects.get(name="Moderator")
    assert sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()) == [
        "campaign.view_campaign",
        "innovations.add_alertpreference",
        "innovations.add_rejectionreason",
        "innovations.change_alertpreference",
        "innovations.change_innovation",
        "innovations.change_rejectionreason",
        "innovations.change_response",
        "innovations.view_alertpreference",
        "innovations.view_email",
        "innovations.view_innovation",
        "innovations.view_question",
        "innovations.view_registeredorganisation",
        "innovations.view_rejectionreason",
        "innovations.view_response",
        "innovations.view_submission",
        "organisations.add_organisationalias",
        # Issue 16: import the register.
        "organisations.add_registerimport",
        "organisations.change_organisation",
        "organisations.change_organisationalias",
        "organisations.view_organisation",
        "organisations.view_organisationalias",
        "organisations.view_registerimport",
    ]


def test_moderator_cannot_delete_or_edit_campaigns(client, rows):
    moderator = make_user(staff=True, groups=["Moderator"])
    client.force_login(moderator)
    innovation = rows["innovation"]
    response = client.get(f"/admin/innovations/innovation/{innovation.pk}/delete/")
    assert response.status_code == 403
    assert Innovation.objects.filter(pk=innovation.pk).exists()
    assert not moderator.has_perm("campaign.change_campaign")
    assert not moderator.has_perm("auth.change_user")


def test_moderator_group_migration_is_idempotent():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("innovations.migrations.0002_issue5_moderator_group")
    loop = import_module("innovations.migrations.0009_issue14_reasons_and_permissions")
    issue16 = import_module("innovations.migrations.0013_issue16_moderator_permissions")
    before = set(Group.objects.get(name="Moderator").permissions.values_list("pk", flat=True))
    for _ in range(2):
        migration.create_moderator_group(apps, None)
        loop.grant_moderators(apps, None)
        issue16.grant(apps, None)
    assert Group.objects.filter(name="Moderator").count() == 1
    after = set(Group.objects.get(name="Moderator").permissions.values_list("pk", flat=True))
    assert after == before
