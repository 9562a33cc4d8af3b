"""Small factory functions for tests: each makes a valid, saved row with overridable fields."""

import itertools
from datetime import timedelta

from django.utils import timezone

from campaign.models import Campaign, DefaultTheme
from campaign.services import campaign_themes_ensure, theme_for
from innovations.counts import counts_apply
from innovations.models import Innovation, Submission
from organisations.models import Organisation

_seq = itertools.count(1)

# What the campaign admin page's inlines (themes, questions) post when left alone.
NO_INLINES = {
    f"{prefix}-{name}": value
    for prefix in ("themes", "questions", "editions")
    for name, value in [("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MAX_NUM_FORMS", "")]
}
# … and the innovation admin page's inline of answers.
NO_ANSWERS = {"answers-TOTAL_FORMS": "0", "answers-INITIAL_FORMS": "0"}


def make_campaign(*, opens_at=None, hours=140, **fields):
    n = next(_seq)
    opens_at = opens_at or timezone.now() - timedelta(hours=1)
    fields.setdefault("title", f"Campaign {n}")
    fields.setdefault("slug", f"campaign-{n}")
    fields.setdefault("hashtag", "140in140")
    # The campaigns the tests were written for: housing associations, the default themes.
    fields.setdefault("participant_noun", "housing associations")
    fields.setdefault("participant_kind", Organisation.Kind.HOUSING_ASSOCIATION)
    campaign = Campaign.scheduled(opens_at=opens_at, hours=hours, **fields)
    campaign.save()
    campaign_themes_ensure(campaign=campaign)
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
    # A theme by its slug (DefaultTheme.DIGITAL_INCLUSION), or a Theme of the campaign.
    theme = fields.pop("theme", DefaultTheme.DIGITAL_INCLUSION)
    fields["theme"] = theme_for(submission.campaign, theme)
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
