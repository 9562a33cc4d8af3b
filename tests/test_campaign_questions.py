"""A campaign's own questions: asked per innovation, stored, shown and exported as marked."""

import csv
import io
import json

import pytest

from campaign.models import Question
from core.caching import mark_changed
from innovations.models import Answer, Innovation

from .factories import NO_INLINES, make_campaign, make_organisation
from .public_data import url
from .submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    make_organisation(name="Bromford")
    campaign = make_campaign()
    Question.objects.create(
        campaign=campaign,
        text="How many people did it reach?",
        kind="short",
        required=True,
        public=True,
        order=1,
    )
    Question.objects.create(
        campaign=campaign,
        text="What did it cost?",
        kind="long",
        required=False,
        public=False,
        order=2,
    )
    return campaign


def questions(campaign):
    return list(campaign.questions.order_by("order"))


def test_each_innovation_is_asked_the_campaign_s_questions(client, campaign):
    reach, cost = questions(campaign)
    page = client.get(submit_url(campaign)).content.decode()
    assert f'name="innovations-0-question_{reach.pk}"' in page
    assert f'<textarea name="innovations-0-question_{cost.pk}"' in page
    assert "What did it cost? (optional)" in page


def test_a_required_question_left_unanswered_is_a_clear_error_and_nothing_is_saved(
    client, campaign
):
    response = client.post(submit_url(campaign), payload(innovation(1), innovation(2)))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Answer “How many people did it reach?” for innovation 1" in html
    assert "Answer “How many people did it reach?” for innovation 2" in html
    assert not Innovation.objects.exists()


def test_answers_are_stored_shown_and_exported_as_marked(client, campaign, admin_client):
    reach, cost = questions(campaign)
    response = client.post(
        submit_url(campaign),
        payload(
            innovation(
                1, **{f"question_{reach.pk}": "400 tenants", f"question_{cost.pk}": "£2,000"}
            )
        ),
    )
    assert response.status_code == 303
    saved = Innovation.objects.get()
    assert {a.question: a.text for a in Answer.objects.all()} == {
        reach: "400 tenants",
        cost: "£2,000",
    }
    saved.status = "approved"
    saved.save()
    mark_changed(campaign.pk)

    page = client.get(saved.get_absolute_url()).content.decode()
    assert "<dt>How many people did it reach?</dt><dd>400 tenants</dd>" in page
    assert "What did it cost?" not in page and "£2,000" not in page  # organisers only

    rows = list(
        csv.reader(
            io.StringIO(client.get(url("export_csv", campaign)).getvalue().decode("utf-8-sig"))
        )
    )
    assert rows[0][-1] == "How many people did it reach?" and rows[1][-1] == "400 tenants"
    assert "£2,000" not in str(rows)
    item = json.loads(client.get(url("export_json", campaign)).getvalue())["innovations"][0]
    assert item["answers"] == [
        {"question": "How many people did it reach?", "answer": "400 tenants"}
    ]

    # The organisers' exports (admin) carry every answer.
    staff = admin_client.get(f"/admin/campaign/campaign/{campaign.pk}/export.csv")
    staff_rows = list(csv.reader(io.StringIO(staff.getvalue().decode("utf-8-sig"))))
    assert staff_rows[0][-2:] == ["How many people did it reach?", "What did it cost?"]
    assert staff_rows[1][-2:] == ["400 tenants", "£2,000"]
    assert client.get(f"/admin/campaign/campaign/{campaign.pk}/export.csv").status_code == 302

    admin_page = admin_client.get(f"/admin/innovations/innovation/{saved.pk}/change/")
    assert "400 tenants" in admin_page.content.decode()
    assert "£2,000" in admin_page.content.decode()


def test_a_campaign_asks_at_most_five_questions(admin_client):
    campaign = make_campaign()
    data = {**NO_INLINES, "questions-TOTAL_FORMS": "6"}
    for i in range(6):
        data[f"questions-{i}-text"] = f"Question {i}"
        data[f"questions-{i}-kind"] = "short"
        data[f"questions-{i}-order"] = str(i)
        data[f"questions-{i}-public"] = "on"
    from django.utils import timezone

    opens = timezone.localtime(campaign.opens_at)
    response = admin_client.post(
        f"/admin/campaign/campaign/{campaign.pk}/change/",
        {
            "title": campaign.title,
            "slug": campaign.slug,
            "target": 140,
            "participant_noun": "housing associations",
            "opens_at_0": opens.strftime("%Y-%m-%d"),
            "opens_at_1": opens.strftime("%H:%M:%S"),
            "length_hours": 140,
            **data,
        },
    )
    assert response.status_code == 200
    assert "Please submit at most 5 forms." in response.content.decode() or (
        "A campaign can ask at most 5 questions" in response.content.decode()
    )
    assert not campaign.questions.exists()
