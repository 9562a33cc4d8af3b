"""Merging duplicate organisations, and the list of possible duplicates."""

from unittest import mock

import pytest
from django.db.models import F

from core.caching import current_version
from innovations.models import Innovation, Submission
from organisations.models import Organisation, OrganisationAlias
from organisations.services import organisation_merge

from .factories import make_campaign, make_innovation, make_organisation, make_submission

pytestmark = pytest.mark.django_db

MERGE = "/admin/organisations/organisation/merge/"


@pytest.fixture
def knightstone():
    """Knightstone and two misspellings of it, each with submissions, innovations, aliases."""
    campaign, other_campaign = make_campaign(), make_campaign()
    keep = make_organisation(name="Knightstone")
    OrganisationAlias.objects.create(organisation=keep, name="Knightstone HA")
    typo = make_organisation(name="Knightsone Housing")
    OrganisationAlias.objects.create(organisation=typo, name="Knightsone")
    OrganisationAlias.objects.create(organisation=typo, name="KNIGHTSTONE")  # = keep's name
    spaced = make_organisation(name="Knight Stone")
    for org, camp in [
        (keep, campaign),
        (typo, campaign),
        (typo, other_campaign),
        (spaced, campaign),
    ]:
        submission = make_submission(campaign=camp, organisation=org)
        make_innovation(submission=submission)
        make_innovation(submission=submission, status="approved")
    bystander = make_organisation(name="Bromford")
    make_innovation(organisation=bystander, campaign=campaign)
    return {
        "keep": keep,
        "typo": typo,
        "spaced": spaced,
        "bystander": bystander,
        "campaigns": [campaign, other_campaign],
    }


def snapshot():
    return {
        "organisations": sorted(Organisation.objects.values_list("pk", "name")),
        "aliases": sorted(OrganisationAlias.objects.values_list("organisation_id", "name")),
        "submissions": sorted(Submission.objects.values_list("pk", "organisation_id")),
        "innovations": sorted(Innovation.objects.values_list("pk", "organisation_id")),
    }


def test_merge_moves_every_related_row_and_leaves_no_orphan(knightstone):
    keep, typo, spaced = knightstone["keep"], knightstone["typo"], knightstone["spaced"]
    result = organisation_merge(keep=keep, others=[typo, spaced])
    assert not Organisation.objects.filter(pk__in=[typo.pk, spaced.pk]).exists()
    assert keep.submissions.count() == 4
    assert keep.innovations.count() == 8
    assert result.innovations == 6 and result.submissions == 3 and result.merged == 2
    # Every innovation still agrees with its submission.
    assert not Innovation.objects.exclude(organisation=F("submission__organisation")).exists()
    # The bystander is untouched.
    assert knightstone["bystander"].innovations.count() == 1
    assert set(keep.aliases.values_list("name", flat=True)) == {
        "Knightstone HA",
        "Knightsone",
        "Knightsone Housing",
        "Knight Stone",
    }
    # Old names now find the kept organisation.
    assert Organisation.objects.find_by_name("knightsone housing") == keep
    assert Organisation.objects.find_by_name("Knight-Stone") == keep


def test_merge_never_duplicates_an_alias(knightstone):
    keep, typo = knightstone["keep"], knightstone["typo"]
    # Keep already knows the typo's name as an alias, spelt differently.
    OrganisationAlias.objects.create(organisation=keep, name="knightsone HOUSING")
    organisation_merge(keep=keep, others=[typo])
    names = [name.lower() for name in keep.aliases.values_list("name", flat=True)]
    assert len(names) == len(set(names))
    assert "knightstone" not in names  # equal to keep's own name: dropped
    assert names.count("knightsone housing") == 1


def test_merge_marks_every_affected_campaign_changed(
    knightstone, django_capture_on_commit_callbacks
):
    campaigns = knightstone["campaigns"]
    before = [current_version() for c in campaigns]
    with django_capture_on_commit_callbacks(execute=True):
        organisation_merge(keep=knightstone["keep"], others=[knightstone["typo"]])
    assert [current_version() for c in campaigns] != before
    assert all(current_version() != v for c, v in zip(campaigns, before, strict=True))


def test_merge_writes_innovation_history(knightstone):
    organisation_merge(keep=knightstone["keep"], others=[knightstone["typo"]])
    innovation = (
        knightstone["keep"]
        .innovations.filter(submission__campaign=knightstone["campaigns"][1])
        .first()
    )
    latest = innovation.history.latest()
    assert latest.history_change_reason == "Organisation merged into Knightstone"
    assert latest.prev_record.organisation_id == knightstone["typo"].pk


def test_merge_is_all_or_nothing(knightstone):
    before = snapshot()
    # Fail midway: after submissions and innovations moved, while adding aliases.
    with (
        mock.patch.object(
            OrganisationAlias.objects, "bulk_create", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        organisation_merge(
            keep=knightstone["keep"], others=[knightstone["typo"], knightstone["spaced"]]
        )
    assert snapshot() == before


def test_merge_refuses_nothing_to_merge(knightstone):
    with pytest.raises(ValueError, match="at least one other"):
        organisation_merge(keep=knightstone["keep"], others=[knightstone["keep"]])


def test_merge_action_leads_to_a_confirmation_page(client, moderator, knightstone):
    keep, typo, spaced = knightstone["keep"], knightstone["typo"], knightstone["spaced"]
    response = client.post(
        "/admin/organisations/organisation/",
        {"action": "merge_selected", "_selected_action": [keep.pk, typo.pk, spaced.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{MERGE}?ids={keep.pk}&ids={typo.pk}&ids={spaced.pk}"
    content = response.content.decode()
    assert "Merge organisations" in content
    for org in (keep, typo, spaced):
        assert f'name="keep" value="{org.pk}"' in content
    # What will move: 8 innovations and 4 submissions in all, 3 aliases.
    assert [org.innovation_count for org in response.context["organisations"]] == [2, 4, 2]
    assert response.context["totals"] == {"innovations": 8, "submissions": 4, "aliases": 3}
    assert "Knightsone" in content and "KNIGHTSTONE" in content
    # Nothing happened yet.
    assert Organisation.objects.filter(pk__in=[typo.pk, spaced.pk]).count() == 2


def test_merge_action_needs_two(client, moderator, knightstone):
    response = client.post(
        "/admin/organisations/organisation/",
        {"action": "merge_selected", "_selected_action": [knightstone["keep"].pk]},
        follow=True,
    )
    assert "Choose two or more organisations to merge." in [
        str(m) for m in response.context["messages"]
    ]


def test_confirming_the_merge_merges(client, moderator, knightstone):
    keep, typo = knightstone["keep"], knightstone["typo"]
    response = client.post(MERGE, {"ids": [keep.pk, typo.pk], "keep": keep.pk}, follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/organisations/organisation/{keep.pk}/change/"
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Merged Knightsone Housing into Knightstone: moved 4 innovations, 2 submissions "
        "and 1 alias; added 1 new alias."
    ]
    assert not Organisation.objects.filter(pk=typo.pk).exists()


def test_confirmation_without_a_choice_says_what_to_do(client, moderator, knightstone):
    keep, typo = knightstone["keep"], knightstone["typo"]
    before = snapshot()
    response = client.post(MERGE, {"ids": [keep.pk, typo.pk]})
    assert response.status_code == 200
    assert "Choose the organisation to keep." in response.content.decode()
    response = client.post(MERGE, {"ids": [keep.pk, typo.pk], "keep": knightstone["bystander"].pk})
    assert "Keep one of the organisations being merged." in response.content.decode()
    assert snapshot() == before


def test_duplicates_view_finds_knightsone_housing_like_knightstone(client, moderator, knightstone):
    response = client.get("/admin/organisations/organisation/duplicates/")
    assert response.status_code == 200
    pairs = {
        frozenset({pair["first"].name, pair["second"].name}) for pair in response.context["pairs"]
    }
    assert frozenset({"Knightstone", "Knightsone Housing"}) in pairs
    assert frozenset({"Knightstone", "Knight Stone"}) in pairs
    assert not any("Bromford" in pair for pair in pairs)
    keep, typo = knightstone["keep"], knightstone["typo"]
    content = response.content.decode()
    merge_link = f"{MERGE}?ids={min(keep.pk, typo.pk)}&amp;ids={max(keep.pk, typo.pk)}"
    merge_link_reversed = f"{MERGE}?ids={max(keep.pk, typo.pk)}&amp;ids={min(keep.pk, typo.pk)}"
    assert merge_link in content or merge_link_reversed in content


def test_organisation_changelist_links_to_the_duplicates(client, moderator):
    response = client.get("/admin/organisations/organisation/")
    assert b'href="/admin/organisations/organisation/duplicates/"' in response.content


def test_duplicates_view_lists_an_alias_alike_another_organisations_name(client, moderator):
    sovereign = make_organisation(name="Sovereign")
    OrganisationAlias.objects.create(organisation=sovereign, name="Spectrum Housing")
    OrganisationAlias.objects.create(organisation=sovereign, name="Sovereign Housing")
    spectrum = make_organisation(name="Spectrum Housing Group")
    make_organisation(name="Bromford")
    response = client.get("/admin/organisations/organisation/duplicates/")
    assert [
        (pair["first"], pair["second"], pair["first_alias"], pair["second_alias"])
        for pair in response.context["pairs"]
    ] == [(sovereign, spectrum, "Spectrum Housing", "")]
    content = response.content.decode()
    assert "as its alias “Spectrum Housing”" in content
    assert f"{MERGE}?ids={sovereign.pk}&amp;ids={spectrum.pk}" in content
