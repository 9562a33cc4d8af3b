import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organisations.matching import match_key
from organisations.models import Organisation, OrganisationAlias

from .factories import make_organisation

pytestmark = pytest.mark.django_db


def test_names_are_unique_ignoring_case():
    make_organisation(name="Orbit Group")
    with pytest.raises(ValidationError, match="already exists"):
        Organisation(name="ORBIT GROUP").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="orbit group")


def test_aliases_are_unique_ignoring_case():
    org = make_organisation(name="Knightstone")
    OrganisationAlias.objects.create(organisation=org, name="Knightsone")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationAlias.objects.create(organisation=org, name="KNIGHTSONE")


@pytest.mark.parametrize("typed", ["Orbit Group", "orbitgroup", "OrbitGroup", " orbit-group. "])
def test_find_by_name_ignores_case_spacing_and_punctuation(typed):
    org = make_organisation(name="Orbit Group")
    assert Organisation.objects.find_by_name(typed) == org


def test_find_by_alias():
    org = make_organisation(name="Shepherds Bush Housing Association")
    OrganisationAlias.objects.create(organisation=org, name="SBHA")
    assert Organisation.objects.find_by_name("sbha") == org
    assert Organisation.objects.find_by_name("Nobody Homes") is None
    assert Organisation.objects.find_by_name("  ") is None


def test_slug_is_unique_and_kept_on_rename():
    first = make_organisation(name="Riverside")
    second = make_organisation(name="Riverside!")
    assert (first.slug, second.slug) == ("riverside", "riverside-2")
    first.name = "Riverside Group"
    first.save()
    assert first.slug == "riverside"


def test_kind_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Odd", kind="pirate")


def test_match_key():
    assert match_key("Bolton at Home") == match_key("bolton  AT home")
    assert match_key("A2 Dominion") == "a2dominion"
