import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from innovations.models import Innovation
from innovations.tally import campaign_tally

from .factories import make_campaign, make_innovation, make_organisation, make_submission

pytestmark = pytest.mark.django_db


def test_tally_counts_pending_and_approved_but_not_rejected():
    campaign = make_campaign()
    a, b = make_organisation(), make_organisation()
    make_innovation(
        submission=make_submission(campaign=campaign, organisation=a), status="approved"
    )
    make_innovation(submission=make_submission(campaign=campaign, organisation=a), status="pending")
    make_innovation(
        submission=make_submission(campaign=campaign, organisation=b), status="rejected"
    )
    make_innovation(status="approved")  # another campaign
    tally = campaign_tally(campaign)
    assert (tally.innovations, tally.organisations) == (2, 1)
    assert Innovation.objects.for_campaign(campaign).public().count() == 1


def test_innovation_follows_its_submission_campaign_and_organisation():
    submission = make_submission()
    theme = submission.campaign.themes.first()
    innovation = Innovation(submission=submission, title="T", description="D", theme=theme)
    innovation.save()
    assert innovation.campaign == submission.campaign
    assert innovation.organisation == submission.organisation


def test_status_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_innovation(status="published")


def test_a_theme_of_another_campaign_is_refused():
    other = make_campaign()
    innovation = make_innovation()
    innovation.theme = other.themes.first()
    with pytest.raises(ValidationError) as refused:
        innovation.full_clean()
    assert refused.value.message_dict["theme"] == ["Choose one of this campaign's themes."]


def test_moderation_history_is_recorded():
    innovation = make_innovation()
    innovation.status = "approved"
    innovation.save()
    statuses = list(innovation.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["pending", "approved"]
