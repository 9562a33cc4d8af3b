"""The collated list, one innovation's page and an organisation's page."""

import re

import pytest
from django.urls import reverse

from campaign.models import DefaultTheme
from innovations import collated
from innovations.counts import counts_rebuild
from innovations.models import Innovation, innovation_search_text
from tests.factories import make_campaign, make_innovation, make_organisation, make_submission
from tests.public_data import fill

pytestmark = pytest.mark.django_db


def list_page(client, campaign, **params):
    return client.get(reverse("campaign:innovations", kwargs={"slug": campaign.slug}), params)


def headings(html):
    return re.findall(r'<h2 id="org-\d+" class="org-group__name"><a [^>]*>([^<]+)</a>', html)


def test_list_shows_only_approved_grouped_by_organisation_a_to_z(client):
    campaign = make_campaign()
    zebra, acme, bolton = (
        make_organisation(name="zebra Homes"),
        make_organisation(name="Acme Housing"),
        make_organisation(name="Bolton at Home"),
    )
    make_innovation(campaign=campaign, organisation=zebra, title="Z one", status="approved")
    make_innovation(campaign=campaign, organisation=acme, title="A two", status="approved")
    make_innovation(campaign=campaign, organisation=acme, title="A one", status="approved")
    make_innovation(campaign=campaign, organisation=acme, title="A pending", status="pending")
    make_innovation(campaign=campaign, organisation=bolton, title="B rejected", status="rejected")

    html = list_page(client, campaign).content.decode()

    assert headings(html) == ["Acme Housing", "zebra Homes"]
    assert "Housing association · 2 innovations" in html
    assert "Housing association · 1 innovation<" in html
    assert html.index("A one") < html.index("A two") < html.index("Z one")
    assert "A pending" not in html and "B rejected" not in html and "Bolton at Home" not in html
    assert "3 innovations from 2 organisations" in html


def test_a_to_z_index_links_letters_present_and_marks_the_rest(client):
    campaign = make_campaign()
    for name in ["Acme", "Anchor", "Bolton"]:
        make_innovation(
            campaign=campaign, organisation=make_organisation(name=name), status="approved"
        )
    html = list_page(client, campaign).content.decode()
    assert '<a href="#letter-A">A</a>' in html
    assert '<a href="#letter-B">B</a>' in html
    assert '<span class="az-index__empty" aria-hidden="true">C</span>' in html
    # The anchor is on the first organisation under its letter only.
    assert html.count('id="letter-A"') == 1 and html.count('id="letter-B"') == 1


def test_theme_filter_and_search(client):
    campaign = make_campaign()
    org = make_organisation(name="Orbit Group")
    make_innovation(
        campaign=campaign,
        organisation=org,
        title="Digital champions",
        description="Volunteers on every estate.",
        theme=DefaultTheme.DIGITAL_INCLUSION,
        status="approved",
    )
    make_innovation(
        campaign=campaign,
        organisation=org,
        title="Staff hack days",
        description="A day a month to fix things with digital tools.",
        theme=DefaultTheme.STAFF_LEARNING,
        status="approved",
    )
    make_innovation(
        campaign=campaign,
        organisation=make_organisation(name="Riverside"),
        title="Growing spaces",
        description="Gardens.",
        theme=DefaultTheme.HEALTH_AND_WELLBEING,
        status="approved",
    )

    by_theme = list_page(client, campaign, theme=DefaultTheme.STAFF_LEARNING).content.decode()
    assert "Staff hack days" in by_theme
    assert "Digital champions" not in by_theme and "Growing spaces" not in by_theme
    assert "Housing association · 1 innovation<" in by_theme

    # Every word must match the title or the description, in any case.
    searched = list_page(client, campaign, q="DIGITAL tools").content.decode()
    assert "Staff hack days" in searched
    assert "Digital champions" not in searched

    either = list_page(client, campaign, q="digital").content.decode()
    assert "Staff hack days" in either and "Digital champions" in either
    assert "Riverside" not in either

    nothing = list_page(client, campaign, q="zzz").content.decode()
    assert "No published innovations match" in nothing


def test_unknown_theme_is_ignored_not_an_error(client):
    campaign = make_campaign()
    make_innovation(campaign=campaign, title="Still listed", status="approved")
    response = list_page(client, campaign, theme="<script>", page="x")
    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


def test_pagination_is_by_organisation_and_never_splits_a_group(client):
    campaign = make_campaign()
    orgs = fill(campaign, 60, organisations=12)  # 5 innovations each
    page = collated.collated_page(campaign, per_page=5)
    assert page.num_pages == 3
    assert [len(group.innovations) for group in page.groups] == [5] * 5
    last = collated.collated_page(campaign, per_page=5, page=3)
    assert [group.count for group in last.groups] == [5, 5]
    names = sorted(org.name.lower() for org in orgs)
    assert [g.organisation.name.lower() for g in last.groups] == names[10:]
    # Past the end means the last page.
    assert collated.collated_page(campaign, per_page=5, page=99).number == 3


def whole(*positions_and_counts):
    return [(position, 0, count) for position, count in positions_and_counts]


@pytest.mark.parametrize(
    ("counts", "pages"),
    [
        ([5, 5, 5], [whole((0, 5), (1, 5), (2, 5))]),
        ([60, 60, 1], [whole((0, 60), (1, 60)), whole((2, 1))]),  # 121 would pass 120
        ([120, 3], [whole((0, 120)), whole((1, 3))]),  # exactly a page: not split
        # Too many for one page: full pages of its own, the rest starts the next page.
        ([300, 3, 3], [[(0, 0, 120)], [(0, 120, 240)], [(0, 240, 300), *whole((1, 3), (2, 3))]]),
        ([2, 250], [whole((0, 2)), [(1, 0, 120)], [(1, 120, 240)], [(1, 240, 250)]]),
        ([1] * 7, [whole((0, 1), (1, 1), (2, 1)), whole((3, 1), (4, 1), (5, 1)), whole((6, 1))]),
        ([], [[]]),
    ],
)
def test_pages_hold_whole_organisations_within_an_innovation_budget(counts, pages):
    assert collated.paginate(counts, per_page=3, innovations_per_page=120) == pages


def approved_from(campaign, organisation, titles):
    """Approved innovations with these titles, from one submission, in one query."""
    submission = make_submission(campaign=campaign, organisation=organisation)
    theme = campaign.themes.first()
    Innovation.objects.bulk_create(
        Innovation(
            submission=submission,
            campaign=campaign,
            organisation=organisation,
            theme=theme,
            title=title,
            description="What it does.",
            search_text=innovation_search_text(title, "What it does."),  # bulk skips save()
            status="approved",
        )
        for title in titles
    )
    counts_rebuild([campaign.pk])  # bulk_create skips the services that keep the counts


def test_an_organisation_bigger_than_a_page_is_spread_over_pages_in_order(client):
    campaign = make_campaign()
    big = make_organisation(name="Big Housing Group")
    small = make_organisation(name="Small Homes")
    titles = [f"Big idea {i:03}" for i in range(250)]  # two full pages and 10 more
    approved_from(campaign, big, reversed(titles))
    make_innovation(campaign=campaign, organisation=small, title="Small idea", status="approved")

    pages = [collated.collated_page(campaign, page=n) for n in (1, 2, 3)]
    assert [p.num_pages for p in pages] == [3, 3, 3]
    shown = [[i.title for g in p.groups for i in g.innovations] for p in pages]
    assert shown == [titles[:120], titles[120:240], [*titles[240:], "Small idea"]]
    assert [(g.start, g.stop, g.count) for g in pages[2].groups] == [(240, 250, 250), (0, 1, 1)]
    assert [g.shown for g in pages[2].groups] == ["241 to 250", "number 1"]

    # What a reader sees: where each part begins and ends, and the A-Z link to its start.
    html = client.get(
        reverse("campaign:innovations", kwargs={"slug": campaign.slug}), {"page": 2}
    ).content.decode()
    assert 'Big Housing Group</a> <span class="org-group__continued">(continued)</span>' in html
    assert "250 innovations · showing 121 to 240" in html
    assert '<a href="?page=3">Big Housing Group continues on the next page</a>' in html
    assert 'href="?page=1#letter-B"' in html
    assert html.count('id="letter-B"') == 0  # the anchor is where the organisation begins


def test_a_split_organisation_with_a_filter_is_numbered_within_the_matches(client):
    campaign = make_campaign()
    org = make_organisation(name="Big Housing Group")
    approved_from(
        campaign, org, (f"{'Garden' if i % 2 else 'Repairs'} idea {i:03}" for i in range(40))
    )
    page = collated.collated_page(campaign, words=["garden"], innovations_per_page=8, page=3)
    assert page.num_pages == 3 and page.innovations == 20
    assert [i.title for i in page.groups[0].innovations] == [
        f"Garden idea {i:03}" for i in range(33, 40, 2)
    ]


def test_a_page_weighs_the_same_however_large_the_campaign(client):
    campaign = make_campaign()
    fill(campaign, 400, organisations=8)  # 50 innovations each
    page = collated.collated_page(campaign, innovations_per_page=120)
    assert [group.count for group in page.groups] == [50, 50]
    assert sum(len(group.innovations) for group in page.groups) == 100
    assert page.num_pages == 4
    assert (page.organisations, page.innovations) == (8, 400)


def test_pagination_links_keep_the_filters(client):
    campaign = make_campaign()
    fill(campaign, 120, organisations=60)
    html = list_page(client, campaign, q="bulk").content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?q=bulk&amp;page=2"' in html


def test_index_letter_on_a_later_page_links_to_that_page(client):
    campaign = make_campaign()
    for i in range(3):
        make_innovation(
            campaign=campaign, organisation=make_organisation(name=f"Alpha {i}"), status="approved"
        )
    make_innovation(
        campaign=campaign, organisation=make_organisation(name="Zeta"), status="approved"
    )
    page = collated.collated_page(campaign, per_page=2)
    letters = {entry["letter"]: entry["page"] for entry in page.index}
    assert letters["A"] == 1 and letters["Z"] == 2 and letters["B"] is None


def test_innovation_page_shows_an_approved_innovation_escaped_with_line_breaks(client):
    campaign = make_campaign(hashtag="140in140")
    innovation = make_innovation(
        campaign=campaign,
        organisation=make_organisation(name="Bromford"),
        title="Be <b>Bromford</b>",
        description="First line\nsecond line\n\n<script>alert(1)</script>",
        link="https://example.org/be-bromford",
        status="approved",
    )
    response = client.get(innovation.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Be &lt;b&gt;Bromford&lt;/b&gt;</h1>" in html
    assert "<p>First line<br>second line</p>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Digital inclusion" in html and "Bromford</a>" in html
    assert 'href="https://example.org/be-bromford"' in html
    assert "Submitted at " in html
    assert "twitter.com/intent/tweet" in html and "hashtags=140in140" in html


@pytest.mark.parametrize("status", [Innovation.Status.PENDING, Innovation.Status.REJECTED])
def test_innovation_page_is_404_unless_approved(client, status):
    innovation = make_innovation(status=status)
    assert client.get(innovation.get_absolute_url()).status_code == 404


def test_innovation_page_is_404_under_another_campaigns_slug(client):
    innovation = make_innovation(status="approved")
    other = make_campaign()
    url = reverse("campaign:innovation", kwargs={"slug": other.slug, "pk": innovation.pk})
    assert client.get(url).status_code == 404


def test_organisation_page_shows_approved_innovations_across_campaigns(client):
    org = make_organisation(name="Knightstone")
    first, second = make_campaign(title="First run"), make_campaign(title="Second run")
    make_innovation(campaign=first, organisation=org, title="Energy visits", status="approved")
    make_innovation(campaign=second, organisation=org, title="Mystery shop", status="approved")
    make_innovation(campaign=second, organisation=org, title="Not yet", status="pending")
    html = client.get(org.get_absolute_url()).content.decode()
    assert "First run" in html and "Second run" in html
    assert "Energy visits" in html and "Mystery shop" in html
    assert "Not yet" not in html
    assert "2 published innovations across every campaign" in html


def test_submitter_details_are_never_on_public_pages(client):
    campaign = make_campaign()
    submission = make_submission(
        campaign=campaign, name="Secret Person", email="secret.person@example.org"
    )
    innovation = make_innovation(submission=submission, status="approved")
    for url in [
        campaign.get_absolute_url(),
        reverse("campaign:innovations", kwargs={"slug": campaign.slug}),
        innovation.get_absolute_url(),
        innovation.organisation.get_absolute_url(),
        reverse("campaign:feed", kwargs={"slug": campaign.slug}),
    ]:
        html = client.get(url).content.decode()
        assert "Secret Person" not in html and "secret.person" not in html, url
