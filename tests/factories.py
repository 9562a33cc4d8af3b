"""Small factory functions for tests: each makes a valid, saved row with overridable fields."""

import itertools
from datetime import timedelta

from django.utils import timezone

from campaign.models import Campaign
from innovations.counts import counts_apply
from innovations.models import Innovation, Submission, Theme
from organisations.models import Organisation

_seq = itertools.count(1)


def make_campaign(*, opens_at=None, hours=140, **fields):
    n = next(_seq)
    opens_at = opens_at or timezone.now() - timedelta(hours=1)
    fields.setdefault("title", f"Campaign {n}")
    fields.setdefault("slug", f"campaign-{n}")
    fields.setdefault("hashtag", "140in140")
    campaign = Campaign.scheduled(opens_at=opens_at, hours=hours, **fields)
    campaign.save()
    return campaign


def make_organisation(**fields):
    n = next(_seq)
    fields.setdefault("name", f"Organisation {n}")
    fields.setdefault("kind", Organisation.Kind.HOUSING_ASSOCIATION)
    org = Organisation(**fields)
    org.save()
    return org


def make_submission(*, campaign=None, organisation=None, **fields):
    n = next(_seq)
    fields.setdefault("name", f"Person {n}")
    fields.setdefault("email", f"person{n}@example.org")
    return Submission.objects.create(
        campaign=campaign or make_campaign(),
        organisation=organisation or make_organisation(),
        **fields,
    )


def make_innovation(*, submission=None, campaign=None, organisation=None, **fields):
    if submission is None:
        submission = make_submission(campaign=campaign, organisation=organisation)
    n = next(_seq)
    fields.setdefault("title", f"Innovation {n}")
    fields.setdefault("description", f"What innovation {n} does.")
    fields.setdefault("theme", Theme.DIGITAL_INCLUSION)
    innovation = Innovation.objects.create(submission=submission, **fields)
    # As submission_create does: the tally and the chart read the kept counts.
    counts_apply(added=[innovation])
    return innovation


def make_user(*, staff=False, groups=(), **fields):
    """A user who can log in with password "pw"; `groups` by name (e.g. "Moderator")."""
    from django.contrib.auth.models import Group, User

    n = next(_seq)
    fields.setdefault("username", f"user{n}")
    user = User.objects.create_user(password="pw", is_staff=staff, **fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user
