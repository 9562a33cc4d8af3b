"""The consent to publish is required, and when it was given is kept as evidence."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from innovations.models import Innovation, Submission
from organisations.models import Organisation
from tests.factories import make_campaign, make_submission
from tests.submitting import payload, submit_url

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SENT = datetime(2014, 7, 3, 16, 0, 5, tzinfo=LONDON)


@pytest.fixture
def campaign():
    return make_campaign(opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=LONDON), hours=140)


def test_a_submission_records_when_consent_was_given(client, campaign):
    with time_machine.travel(SENT, tick=False):
        response = client.post(submit_url(campaign), payload())
    assert response.status_code == 303
    submission = Submission.objects.get()
    assert submission.consented_at == SENT
    assert submission.consented_at == submission.created_at


def test_without_consent_nothing_is_saved_and_the_box_says_why(client, campaign):
    data = payload()
    del data["consent"]  # an unticked checkbox is not sent at all
    with time_machine.travel(SENT, tick=False):
        response = client.post(submit_url(campaign), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick the box to agree that the innovations may be published" in page
    assert 'href="#id_consent"' in page  # in the error summary, linking to the box
    assert Submission.objects.count() == 0
    assert Innovation.objects.count() == 0
    assert not Organisation.objects.filter(name="Bromford").exists()


def test_the_submission_admin_shows_consent_read_only(admin_client, campaign):
    submission = make_submission(campaign=campaign)
    Submission.objects.filter(pk=submission.pk).update(consented_at=SENT)
    response = admin_client.get(f"/admin/innovations/submission/{submission.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Consent to publish given:" in page
    assert "4pm on Thursday 3 July 2014" in page
    assert 'name="consented_at"' not in page  # shown, not editable


def test_the_submission_admin_says_when_consent_was_not_recorded(admin_client, campaign):
    submission = make_submission(campaign=campaign)  # as saved before consent was recorded
    response = admin_client.get(f"/admin/innovations/submission/{submission.pk}/change/")
    assert "Not recorded (sent before consent was recorded)" in response.content.decode()


def test_purging_personal_data_keeps_the_consent(campaign):
    submission = make_submission(campaign=campaign, email="jo@example.org")
    Submission.objects.filter(pk=submission.pk).update(consented_at=SENT)
    with time_machine.travel(SENT + timedelta(days=30)):
        call_command("purge_personal_data", campaign=campaign.slug, stdout=StringIO())
    submission.refresh_from_db()
    assert submission.email != "jo@example.org"
    assert submission.consented_at == SENT
