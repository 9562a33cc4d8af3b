from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F

from campaign.models import Campaign, DefaultTheme
from core.caching import current_version
from dev.synthetic import organisation_names
from innovations.models import Innovation, Submission
from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation

pytestmark = pytest.mark.django_db


def load(**options):
    options.setdefault("innovations", 60)
    options.setdefault("organisations", 12)
    options.setdefault("campaign", "synthetic")
    call_command("load_synthetic", **options)
    return Campaign.objects.get(slug=options["campaign"])


def test_loads_the_asked_numbers_into_a_new_open_campaign():
    campaign = load()

    assert campaign.is_open()
    assert Innovation.objects.for_campaign(campaign).count() == 60
    assert Organisation.objects.count() == 12
    assert campaign.innovations.values("organisation").distinct().count() == 12
    sizes = Submission.objects.annotate(n=Count("innovations")).values_list("n", flat=True)
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert sum(sizes) == 60


def test_mostly_approved_with_some_pending_and_rejected():
    campaign = load(innovations=400, organisations=20)

    statuses = Counter(Innovation.objects.for_campaign(campaign).values_list("status", flat=True))
    assert statuses[Innovation.Status.APPROVED] > 0.7 * 400
    assert statuses[Innovation.Status.PENDING] > 0
    assert statuses[Innovation.Status.REJECTED] > 0
    moderated = Innovation.objects.exclude(status=Innovation.Status.PENDING)
    assert not moderated.filter(moderated_at__isnull=True).exists()


def test_denormalised_campaign_and_organisation_match_the_submission():
    load()

    assert not Innovation.objects.exclude(campaign=F("submission__campaign")).exists()
    assert not Innovation.objects.exclude(organisation=F("submission__organisation")).exists()


def test_spread_over_the_hours_so_far_with_plausible_text():
    campaign = load(innovations=200, organisations=10)

    innovations = Innovation.objects.for_campaign(campaign)
    first = innovations.order_by("created_at").first().created_at
    last = innovations.order_by("created_at").last().created_at
    assert campaign.opens_at <= first and last <= campaign.closes_at
    assert (last - first).total_seconds() > 100 * 3600
    assert innovations.values("theme").distinct().count() >= 5
    assert set(innovations.values_list("theme__slug", flat=True)) <= set(DefaultTheme.values)
    assert all(0 < len(title) <= 200 for title in innovations.values_list("title", flat=True))
    assert all(org.slug and org.match_key for org in Organisation.objects.all())


def test_same_seed_same_data_in_an_existing_campaign():
    existing = make_campaign(slug="existing")
    load(campaign="existing", innovations=30, organisations=5, seed=7)
    titles = list(Innovation.objects.order_by("pk").values_list("title", flat=True))
    Innovation.objects.all().delete()
    Submission.objects.all().delete()

    load(campaign="existing", innovations=30, organisations=5, seed=7)

    assert Campaign.objects.count() == 1
    assert Innovation.objects.for_campaign(existing).count() == 30
    assert list(Innovation.objects.order_by("pk").values_list("title", flat=True)) == titles


def test_reuses_organisations_that_already_exist():
    name, _kind = organisation_names(1)[0]
    Organisation.objects.create(name=name.upper())

    load(innovations=10, organisations=3)

    assert Organisation.objects.count() == 3


def test_refuses_a_campaign_that_already_has_submissions():
    innovation = make_innovation()

    with pytest.raises(CommandError, match="already has submissions"):
        load(campaign=innovation.campaign.slug)
    assert Innovation.objects.count() == 1


def test_refuses_fewer_innovations_than_organisations():
    with pytest.raises(CommandError, match="one innovation per organisation"):
        load(innovations=5, organisations=6)
    assert not Innovation.objects.exists()


def test_marks_the_campaign_changed_after_commit(django_capture_on_commit_callbacks):
    make_campaign(slug="fresh")
    before = current_version()

    with django_capture_on_commit_callbacks(execute=True):
        load(campaign="fresh", innovations=10, organisations=2)

    assert current_version() != before


def test_organisation_names_are_distinct_beyond_every_combination():
    names = [name.lower() for name, _kind in organisation_names(3200)]
    assert len(set(names)) == 3200
