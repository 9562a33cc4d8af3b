"""Speed and freshness: constant queries, cached pages that never go stale, 304s, no cookies."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.caching import mark_changed
from innovations.models import Innovation
from innovations.moderation import innovation_moderate
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.public_data import CACHED, fill, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_minute")]

ALL_CAMPAIGN_PAGES = [*CACHED, "export_csv", "export_json"]


def content(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def public_urls(campaign):
    innovation = campaign.innovations.filter(status="approved").first()
    return [
        *(url(name, campaign) for name in ALL_CAMPAIGN_PAGES),
        url("innovations", campaign) + "?theme=digital_inclusion&q=bulk",
        innovation.get_absolute_url(),
        innovation.organisation.get_absolute_url(),
        reverse("campaign:list"),
        "/",
    ]


@pytest.mark.parametrize("size", [3, 300])
def test_every_public_page_runs_at_most_4_queries_on_a_miss(
    client, django_assert_max_num_queries, size
):
    campaign = make_campaign()
    fill(campaign, size, organisations=min(size, 60))
    fill(campaign, size // 3 + 1, organisations=3, status=Innovation.Status.PENDING)
    for page in public_urls(campaign):
        with django_assert_max_num_queries(4):
            response = client.get(page)
            body = content(response)  # streamed exports query while streaming
        assert response.status_code in (200, 302), page
        assert body or response.status_code == 302, page


@pytest.mark.parametrize("size", [3, 300])
def test_cached_pages_run_no_query_on_a_hit(client, django_assert_num_queries, size):
    campaign = make_campaign()
    fill(campaign, size, organisations=min(size, 60))
    for name in CACHED:
        first = client.get(url(name, campaign))
        with django_assert_num_queries(0):
            second = client.get(url(name, campaign))
        assert second.content == first.content, name


def test_a_campaign_edit_is_seen_at_once_although_the_campaign_is_kept_in_memory(client):
    campaign = make_campaign(title="Before")
    assert b"Before" in client.get(url("detail", campaign)).content
    campaign.title = "After"
    campaign.save()
    mark_changed(campaign.pk)  # what every admin save does
    assert b"After" in client.get(url("detail", campaign)).content


def test_repeated_request_with_if_none_match_gets_304(client):
    campaign = make_campaign()
    fill(campaign, 5, organisations=2)
    for name in CACHED:
        first = client.get(url(name, campaign))
        etag = first["ETag"]
        assert etag, name
        again = client.get(url(name, campaign), headers={"if-none-match": etag})
        assert again.status_code == 304, name
        assert again.content == b""


def test_etag_differs_by_query_string(client):
    campaign = make_campaign()
    fill(campaign, 5, organisations=2)
    plain = client.get(url("innovations", campaign))["ETag"]
    filtered = client.get(url("innovations", campaign) + "?q=bulk")["ETag"]
    assert plain != filtered


def test_etag_goes_stale_after_a_change(client):
    campaign = make_campaign()
    fill(campaign, 5, organisations=2)
    etags = {name: client.get(url(name, campaign))["ETag"] for name in CACHED}
    make_innovation(campaign=campaign, status="approved")
    mark_changed(campaign.pk)
    for name in CACHED:
        response = client.get(url(name, campaign), headers={"if-none-match": etags[name]})
        assert response.status_code == 200, name
        assert response["ETag"] != etags[name]


def _warm(client, campaign):
    return {name: client.get(url(name, campaign)).content.decode() for name in CACHED}


def test_a_new_submission_shows_at_once_after_mark_changed(
    client, django_capture_on_commit_callbacks
):
    campaign = make_campaign()
    org = make_organisation(name="Acme Homes")
    make_innovation(campaign=campaign, organisation=org, status="approved")
    before = _warm(client, campaign)
    assert "1 / 140 innovations" in before["badge"]

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_innovation(campaign=campaign, organisation=make_organisation(), status="pending")
        transaction.on_commit(lambda: mark_changed(campaign.pk))

    after = _warm(client, campaign)
    assert '<span class="tally__number">2</span>' in after["detail"]
    assert "2 innovations from 2" in after["detail"]
    assert "2 / 140 innovations" in after["badge"]
    assert '<span class="tally__number">2</span>' in after["embed"]
    assert "2 innovations received" in after["chart"]


def test_an_approval_shows_at_once_after_mark_changed(client):
    campaign = make_campaign()
    pending = make_innovation(campaign=campaign, title="Waiting to be seen", status="pending")
    before = _warm(client, campaign)
    assert "Waiting to be seen" not in before["innovations"]
    assert "Waiting to be seen" not in before["feed"]

    innovation_moderate(
        innovations=Innovation.objects.filter(pk=pending.pk), status="approved", user=None
    )
    mark_changed(campaign.pk)

    after = _warm(client, campaign)
    assert "Waiting to be seen" in after["innovations"]
    assert "Waiting to be seen" in after["feed"]
    assert "Waiting to be seen" in after["detail"]


def test_an_organisation_change_shows_at_once_after_mark_changed(client):
    campaign = make_campaign()
    org = make_organisation(name="Knightsone")
    make_innovation(campaign=campaign, organisation=org, status="approved")
    before = _warm(client, campaign)
    assert "Knightsone" in before["innovations"]

    org.name = "Knightstone"
    org.kind = "company"
    org.save()
    mark_changed(campaign.pk)

    after = _warm(client, campaign)
    assert "Knightstone" in after["innovations"] and "Knightsone" not in after["innovations"]
    assert "Knightstone" in after["feed"]
    assert "from 1 organisation" in after["detail"]  # no longer a housing association


def test_without_mark_changed_the_cache_is_what_is_served(client):
    """The cache really is used: this is why every change must call mark_changed."""
    campaign = make_campaign()
    make_innovation(campaign=campaign, status="approved")
    client.get(url("badge", campaign))
    make_innovation(campaign=campaign, status="approved")
    assert "1 / 140 innovations" in client.get(url("badge", campaign)).content.decode()


def test_public_pages_set_no_cookies_and_do_not_vary_on_them(client):
    campaign = make_campaign()
    fill(campaign, 3, organisations=2)
    for page in public_urls(campaign):
        response = client.get(page)
        content(response)
        assert not response.cookies, page
        assert "Cookie" not in response.get("Vary", ""), page
        assert "csrfmiddlewaretoken" not in content(response).decode(), page


def test_public_pages_may_be_kept_by_a_shared_cache_for_seconds_and_revalidated_by_browsers(
    client, settings
):
    settings.PUBLIC_CACHE_SECONDS = 3
    campaign = make_campaign()
    for name in CACHED:
        cache_control = client.get(url(name, campaign))["Cache-Control"]
        assert set(cache_control.split(", ")) == {"public", "max-age=0", "s-maxage=3"}


def test_every_html_page_has_title_description_social_tags_and_canonical(client, settings):
    settings.SITE_URL = "https://140in140.example.org"
    campaign = make_campaign(title="Big push")
    fill(campaign, 3, organisations=2)
    innovation = campaign.innovations.first()
    pages = {
        url("detail", campaign): "Big push",
        url("innovations", campaign): "Innovations in Big push",
        url("embed", campaign): "Big push: live tally",
        innovation.get_absolute_url(): innovation.title,
        innovation.organisation.get_absolute_url(): innovation.organisation.name,
        reverse("campaign:list"): "All campaigns",
    }
    for page, title in pages.items():
        html = client.get(page).content.decode()
        assert "<title>" in html and f"<title>{title}" in html, page
        assert '<meta name="description" content="' in html, page
        assert f'<meta property="og:title" content="{title}">' in html, page
        assert '<meta property="og:description" content="' in html, page
        assert '<meta name="twitter:card" content="summary">' in html, page
        path = page.split("?")[0]
        assert f'<link rel="canonical" href="https://140in140.example.org{path}">' in html, page


def test_innovation_and_organisation_pages_run_no_query_on_a_hit_and_follow_changes(
    client, django_assert_num_queries
):
    campaign = make_campaign()
    org = make_organisation(name="Bromford")
    shown = make_innovation(
        campaign=campaign, organisation=org, title="Be Bromford", status="approved"
    )
    hidden = make_innovation(campaign=campaign, organisation=org, title="Brombox", status="pending")
    for page in [shown.get_absolute_url(), org.get_absolute_url()]:
        first = client.get(page)
        assert first.status_code == 200
        with django_assert_num_queries(0):
            assert client.get(page).content == first.content
    assert b"Brombox" not in client.get(org.get_absolute_url()).content

    # An approval and a rejection, as the admin actions make them (with mark_changed).
    Innovation.objects.filter(pk=hidden.pk).update(status="approved")
    Innovation.objects.filter(pk=shown.pk).update(status="rejected")
    mark_changed(campaign.pk)
    assert b"Brombox" in client.get(org.get_absolute_url()).content
    assert client.get(shown.get_absolute_url()).status_code == 404


def test_a_renamed_organisation_shows_its_new_name_at_once(client):
    org = make_organisation(name="Old Name Homes")
    make_innovation(organisation=org, status="approved")  # public only with one approved
    assert b"Old Name Homes" in client.get(org.get_absolute_url()).content
    org.name = "New Name Homes"
    org.save()
    mark_changed()  # what the organisation admin does on a rename
    assert b"New Name Homes" in client.get(org.get_absolute_url()).content


def test_a_new_release_renders_every_cached_page_again(client, settings):
    campaign = make_campaign()
    make_innovation(campaign=campaign, status="approved")
    before = {name: client.get(url(name, campaign)) for name in CACHED}

    settings.RELEASE = "next-release"
    for name, old in before.items():
        response = client.get(url(name, campaign), headers={"if-none-match": old["ETag"]})
        assert response.status_code == 200, name  # not 304: the old ETag is the old release's
        assert response["ETag"] != old["ETag"], name


def test_the_release_is_named_by_the_environment_or_a_digest_of_the_source(tmp_path, monkeypatch):
    from config import release

    for folder, name, text in [
        ("templates", "a.html", "<p>one</p>"),
        ("campaign", "v.py", "x = 1"),
    ]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text)
    monkeypatch.delenv("RELEASE", raising=False)
    first = release.identify(tmp_path)
    assert first == release.identify(tmp_path)  # the same files, the same release
    (tmp_path / "templates" / "a.html").write_text("<p>two</p>")
    assert release.identify(tmp_path) != first
    monkeypatch.setenv("RELEASE", "v2.1")
    assert release.identify(tmp_path) == "v2.1"


def test_a_page_kept_in_the_cache_still_refuses_a_host_not_allowed(client):
    campaign = make_campaign()
    assert client.get(url("detail", campaign)).status_code == 200
    assert client.get(url("detail", campaign)).status_code == 200  # now from the cache
    response = client.get(url("detail", campaign), HTTP_HOST="attacker-host.test")
    assert response.status_code == 400


@pytest.mark.redis
def test_query_parameters_a_page_does_not_read_make_no_new_cache_entries(client, redis_cache):
    campaign = make_campaign()
    for n in range(30):
        assert client.get(url("innovations", campaign), {"utm_source": f"x{n}"}).status_code == 200
    assert len(redis_cache.keys("page:*")) == 1
    client.get(url("innovations", campaign), {"theme": "other"})
    client.get(url("innovations", campaign), {"q": "skills", "utm_source": "y"})
    assert len(redis_cache.keys("page:*")) == 3
