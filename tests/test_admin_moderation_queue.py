"""The moderation queue spans every open campaign, shows a description excerpt and the
likely duplicates of each innovation, and staff can preview a pending one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import make_campaign, make_innovation, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/innovations/innovation/"


def titles(response):
    return {innovation.title for innovation in response.context["cl"].result_list}


def test_queue_defaults_to_pending_in_every_open_campaign(client, moderator):
    spring = make_campaign(opens_at=timezone.now() - timedelta(hours=30), title="Spring")
    autumn = make_campaign(opens_at=timezone.now() - timedelta(hours=2), title="Autumn")
    closed = make_campaign(opens_at=timezone.now() - timedelta(days=300))
    make_innovation(campaign=spring, title="Waiting in spring")
    make_innovation(campaign=autumn, title="Waiting in autumn")
    make_innovation(campaign=autumn, title="Approved in autumn", status="approved")
    make_innovation(campaign=closed, title="Waiting in a closed one")
    response = client.get(CHANGELIST)
    assert titles(response) == {"Waiting in spring", "Waiting in autumn"}
    assert "campaign" in response.context["cl"].list_display  # two campaigns: say which
    assert b"Every open campaign" in response.content


def test_with_no_campaign_open_the_queue_shows_the_latest(client, moderator):
    old = make_campaign(opens_at=timezone.now() - timedelta(days=300))
    latest = make_campaign(opens_at=timezone.now() - timedelta(days=30))
    make_innovation(campaign=old, title="Old")
    make_innovation(campaign=latest, title="Latest")
    assert titles(client.get(CHANGELIST)) == {"Latest"}


def test_queue_shows_an_excerpt_and_the_duplicate_hint_without_a_query_per_row(
    client, moderator, django_assert_max_num_queries
):
    campaign = make_campaign()
    first = make_innovation(
        campaign=campaign, title="Online skills assessment", description="Word " * 100
    )
    make_innovation(campaign=campaign, title="Skills assessment online")
    make_innovation(campaign=campaign, title="Something else entirely")
    with django_assert_max_num_queries(30) as few:
        response = client.get(CHANGELIST)
    html = response.content.decode()
    assert '<div class="queue-excerpt">Word Word' in html
    assert "Word …</div>" in html or "Word…</div>" in html
    assert (
        f'Looks like <a href="/admin/innovations/innovation/{first.pk}/change/">'
        f"#{first.pk}: Online skills assessment</a>"
    ) in html
    hints = {row.title: row.duplicate_hints for row in response.context["cl"].result_list}
    assert [title for _pk, title in hints["Skills assessment online"]] == [
        "Online skills assessment"
    ]
    assert hints["Something else entirely"] == []

    for n in range(30):
        make_innovation(campaign=campaign, title=f"Another idea number {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 33


def preview_url(innovation):
    return reverse(
        "innovations:preview", kwargs={"slug": innovation.campaign.slug, "pk": innovation.pk}
    )


def test_staff_preview_a_pending_innovation_as_the_public_would_see_it(client, moderator):
    pending = make_innovation(title="Waiting for a decision")
    assert client.get(pending.get_absolute_url()).status_code == 404  # not public
    change = client.get(f"{CHANGELIST}{pending.pk}/change/").content.decode()
    assert f'href="{preview_url(pending)}"' in change  # "View on site"
    response = client.get(preview_url(pending))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Waiting for a decision</h1>" in html
    assert "Preview for staff." in html and "the public cannot see it" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert "Share on Twitter" not in html


def test_the_preview_is_for_staff_only(client):
    pending = make_innovation(title="Waiting for a decision")
    anonymous = client.get(preview_url(pending))
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]
    client.force_login(make_user(staff=False))
    assert client.get(preview_url(pending)).status_code == 302
    assert b"Waiting for a decision" not in client.get(preview_url(pending)).content
