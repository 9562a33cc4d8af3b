"""The counts kept per organisation and per hour (innovations/counts.py) always equal a
fresh count of the innovations, whichever service wrote them, and the tally, chart and
list read them."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from innovations.charts import hourly_counts
from innovations.counts import counts_rebuild
from innovations.models import HourCount, Innovation, OrganisationCount, Submission
from innovations.moderation import innovation_delete, innovation_moderate
from innovations.services import submission_create, submission_delete, submission_innovations_sync
from innovations.tally import campaign_tally
from organisations.services import organisation_merge

from .factories import make_campaign, make_organisation, make_user
from .submitting import innovation


def kept(campaign):
    """The kept counts of a campaign, without empty rows."""
    return (
        sorted(
            OrganisationCount.objects.filter(campaign=campaign, n__gt=0).values_list(
                "organisation_id", "status", "n"
            )
        ),
        sorted(
            HourCount.objects.filter(campaign=campaign, n__gt=0).values_list("hour", "status", "n")
        ),
    )


def recounted(campaign):
    """What counting every innovation afresh gives (then the kept counts are put back)."""
    before = (
        list(OrganisationCount.objects.filter(campaign=campaign)),
        list(HourCount.objects.filter(campaign=campaign)),
    )
    counts_rebuild([campaign.pk])
    fresh = kept(campaign)
    OrganisationCount.objects.filter(campaign=campaign).delete()
    HourCount.objects.filter(campaign=campaign).delete()
    OrganisationCount.objects.bulk_create(before[0])
    HourCount.objects.bulk_create(before[1])
    return fresh


def submit(campaign, organisation_name, *titles, at=None):
    return submission_create(
        campaign=campaign,
        name="Asha Patel",
        email="asha@example.org",
        organisation_name=organisation_name,
        innovations=[innovation(title=title) for title in titles],
        at=at,
    )


@pytest.fixture
def campaign():
    return make_campaign(opens_at=timezone.now() - timedelta(hours=3))


@pytest.mark.django_db
def test_every_service_keeps_the_counts_equal_to_a_fresh_count(campaign):
    moderator = make_user(staff=True)
    bromford = make_organisation(name="Bromford")
    orbit = make_organisation(name="Orbit Group")
    earlier = timezone.now() - timedelta(hours=2)
    first = submit(campaign, "Bromford", "Repairs by text", "Digital buddies", at=earlier)
    second = submit(campaign, "Orbit Group", "Damp sensors")
    assert kept(campaign) == recounted(campaign)
    assert campaign_tally(campaign).innovations == 3

    innovation_moderate(
        innovations=first.innovations.all(), status=Innovation.Status.APPROVED, user=moderator
    )
    innovation_moderate(
        innovations=second.innovations.all(), status=Innovation.Status.REJECTED, user=moderator
    )
    assert kept(campaign) == recounted(campaign)
    assert campaign_tally(campaign).innovations == 2  # the rejected one is not counted

    second.organisation = bromford
    second.save()
    submission_innovations_sync(submission=second)
    assert kept(campaign) == recounted(campaign)

    third = submit(campaign, "Orbit Group", "Rent coaching", "Tenant panels")
    organisation_merge(keep=bromford, others=[orbit])
    assert kept(campaign) == recounted(campaign)
    assert OrganisationCount.objects.filter(organisation=orbit).count() == 0
    assert campaign_tally(campaign).organisations == 1

    innovation_delete(innovations=third.innovations.filter(title="Tenant panels"))
    assert kept(campaign) == recounted(campaign)
    submission_delete(submissions=Submission.objects.filter(pk=first.pk))
    assert kept(campaign) == recounted(campaign)
    assert campaign_tally(campaign).innovations == 1
    assert sum(hourly_counts(campaign).values()) == 1


@pytest.mark.django_db
def test_a_moderation_moves_an_innovation_between_statuses_not_hours(campaign):
    submission = submit(campaign, "Bromford", "Repairs by text")
    hours = hourly_counts(campaign)
    innovation_moderate(
        innovations=submission.innovations.all(), status=Innovation.Status.APPROVED, user=None
    )
    assert hourly_counts(campaign) == hours
    assert OrganisationCount.objects.get(status="pending").n == 0
    assert OrganisationCount.objects.get(status="approved").n == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_lose_no_count(campaign):
    """Eight people submitting at once to the same organisation and hour: every one counted.

    On PostgreSQL the writers race; SQLite takes them one at a time (IMMEDIATE
    transactions), and the counts must come out the same."""
    make_organisation(name="Bromford")
    errors = []

    def person(n):
        try:
            for i in range(5):
                submit(campaign, "Bromford", f"Idea {n}-{i}")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=person, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert campaign_tally(campaign).innovations == 40
    assert kept(campaign) == recounted(campaign)
