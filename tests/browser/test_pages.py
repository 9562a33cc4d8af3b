"""Every public page, at desktop (1280×900) and phone (390×844) widths: WCAG 2.2 AA (axe-core),
valid HTML (Nu HTML Checker), one h1, lang en-GB, landmarks, a working skip link, no sideways
scrolling, no console errors. Each test loads the demo once and checks both widths (the HTML is
the same at both, so the Nu HTML Checker reads it once).

With SCREENSHOTS=1 these tests also refresh docs/screenshots/<page>-<desktop|phone>.png, and
the organiser's admin pages at desktop width.
"""

import functools
import json

import pytest
from django.urls import reverse

from innovations import collated
from innovations.models import Innovation
from organisations.models import Organisation

from . import harness, steps
from .harness import assert_focus_visible, tab_to

pytestmark = pytest.mark.browser


def _innovations(demo, query=""):
    return reverse("campaign:innovations", kwargs={"slug": demo.closed.slug}) + query


def _submit(campaign):
    return reverse("innovations:submit", kwargs={"slug": campaign.slug})


# name → (path for the demo, expected status)
PAGES = {
    "campaign-open": (lambda demo: demo.open.get_absolute_url(), 200),
    "campaign-closed": (lambda demo: demo.closed.get_absolute_url(), 200),
    "campaigns": (lambda demo: reverse("campaign:list"), 200),
    "innovations": (_innovations, 200),
    "innovations-filtered": (
        lambda demo: _innovations(demo, "?theme=digital_inclusion&q=digital"),
        200,
    ),
    "innovations-page-2": (lambda demo: _innovations(demo, "?page=2"), 200),
    "innovation": (
        lambda demo: (
            Innovation.objects.public().for_campaign(demo.closed).first().get_absolute_url()
        ),
        200,
    ),
    "organisation": (
        lambda demo: Organisation.objects.get(name="Bromford").get_absolute_url(),
        200,
    ),
    "submit": (lambda demo: _submit(demo.open), 200),
    "submit-closed": (lambda demo: _submit(demo.closed), 200),
    "not-found": (lambda demo: "/campaigns/no-such-campaign/", 404),
}


@pytest.fixture
def small_pages(monkeypatch):
    """The collated list pages by 5 organisations instead of 50, so the demo has 4 pages."""
    monkeypatch.setattr(
        collated, "collated_page", functools.partial(collated.collated_page, per_page=5)
    )


@pytest.mark.parametrize("name", PAGES)
def test_public_page(new_page, demo, check_page, small_pages, name):
    path, status = PAGES[name]
    url = path(demo)
    desktop = new_page()
    assert desktop.goto(url).status == status
    check_page(desktop, f"{name}-desktop")
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    assert phone.goto(url).status == status
    check_page(phone, f"{name}-phone", vnu=False)


def test_the_filtered_and_paged_lists_say_what_they_show(page, demo, small_pages):
    page.goto(PAGES["innovations-filtered"][0](demo))
    assert (
        "5 innovations from 5 organisations match your search" in page.locator(".lead").inner_text()
    )
    assert page.get_by_label("Theme").input_value() == "digital_inclusion"
    page.goto(PAGES["innovations-page-2"][0](demo))
    assert page.locator(".pager").inner_text().count("Page 2 of 4") == 1
    assert page.title().startswith("Innovations in 140 innovations in 140 hours (page 2 of 4)")


def test_an_organisation_spread_over_pages_says_where_it_goes_on(
    new_page, demo, check_page, monkeypatch
):
    """With room for 2 innovations a page, a bigger organisation is spread over pages."""
    two = functools.partial(collated.collated_page, innovations_per_page=2)
    monkeypatch.setattr(collated, "collated_page", two)
    first_part = next(
        number
        for number in range(1, 60)
        if any(group.continues for group in two(demo.closed, page=number).groups)
    )
    page = new_page()
    page.goto(_innovations(demo, f"?page={first_part}"))
    name = page.locator(".org-group__name a").last.inner_text()
    page.get_by_role("link", name=f"{name} continues on the next page").click()
    heading = page.locator(".org-group__name").first
    assert heading.inner_text() == f"{name} (continued)"
    assert page.locator(".pager").inner_text().count(f"Page {first_part + 1} of") == 1
    check_page(page, "innovations-continued-desktop")
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    phone.goto(page.url)
    check_page(phone, "innovations-continued-phone", vnu=False)


# Pages reached by doing something: each function takes a page and leaves it showing the page.


def _error_state(page, demo):
    page.goto(_submit(demo.open))
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, title=steps.FIRST["title"])
    steps.send(page)
    steps.assert_error_summary_focused(page)
    return 400


def _did_you_mean(page, demo):
    page.goto(_submit(demo.open))
    steps.fill_about_you(page, organisation="Knightstown Housing")
    steps.fill_innovation(page, 1, **steps.FIRST)
    page.get_by_label(steps.CONSENT).check()
    steps.send(page)
    assert "Did you mean Knightstone?" in page.locator(".error-summary").inner_text()
    assert page.get_by_role("radio", name="Knightstone").count() == 1
    return 200


def _thanks(page, demo):
    steps.submit_two(page, _submit(demo.open))
    return 200


def _too_many(page, demo):
    steps.submit_two(page, _submit(demo.open))  # the one allowed in this test's window
    page.goto(_submit(demo.open))
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, **steps.FIRST)
    page.get_by_label(steps.CONSENT).check()
    steps.send(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Slow down a little"
    # What they typed is still in the form, to send again later.
    assert page.get_by_label("Your name").input_value() != ""
    assert page.locator("#id_innovations-0-title").input_value() == steps.FIRST["title"]
    return 429


DRIVEN = {
    "submit-error": _error_state,
    "submit-did-you-mean": _did_you_mean,
    "thanks": _thanks,
    "too-many-requests": _too_many,
}


@pytest.mark.parametrize("name", DRIVEN)
def test_public_page_reached_by_a_form(new_page, demo, check_page, settings, name):
    # Counted in innovations: the two of submit_two are allowed, the next one is not.
    settings.SUBMISSION_RATE_LIMIT = "2/600" if name == "too-many-requests" else "0"
    desktop = new_page()
    expected = DRIVEN[name](desktop, demo)
    assert harness.document_status(desktop) == expected
    check_page(desktop, f"{name}-desktop")
    if name == "too-many-requests":
        from django.core.cache import cache

        cache.clear()  # a fresh window for the phone
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    DRIVEN[name](phone, demo)
    check_page(phone, f"{name}-phone", vnu=False)


def test_the_embed_fits_its_frame(new_page, demo, vnu_check, screenshot):
    """The tally box other sites frame: no site chrome, so not check_page; the same checks
    that apply, at the size of the iframe in the snippet (340×220) and on a phone."""
    url = reverse("campaign:embed", kwargs={"slug": demo.open.slug})
    for name, viewport in (
        ("embed-desktop", {"width": 340, "height": 220}),
        ("embed-phone", harness.PHONE),
    ):
        page = new_page(viewport=viewport)
        assert page.goto(url).status == 200
        assert page.get_attribute("html", "lang") == "en-GB"
        assert page.title().endswith("live tally · 140in140")
        assert page.get_by_role("main").count() == 1
        harness.no_horizontal_overflow(page)
        harness.axe_check(page)
        harness.assert_no_console_errors(page)
        screenshot(page, name)
    vnu_check(page)
    frame = new_page(viewport={"width": 340, "height": 220})
    frame.goto(url)
    height = frame.evaluate(
        "Math.max(document.documentElement.scrollHeight,"
        " document.querySelector('main').getBoundingClientRect().bottom)"
    )
    assert height <= 220, f"the embed is {height}px tall: the 220px iframe would scroll"


def test_feeds_exports_and_pictures_load(page, demo):
    """Not HTML, so no axe or Nu HTML Checker: each loads with its type and says something."""
    slug = demo.closed.slug
    expected = {
        "campaign:feed": ("application/atom+xml", "<feed"),
        "campaign:export_csv": ("text/csv", "Organisation,Title,Description"),
        "campaign:export_json": ("application/json", '"innovations"'),
        "campaign:chart": ("image/svg+xml", "<svg"),
        "campaign:badge": ("image/svg+xml", "<svg"),
    }
    for name, (content_type, start) in expected.items():
        response = page.request.get(reverse(name, kwargs={"slug": slug}))
        assert response.status == 200, name
        assert response.headers["content-type"].startswith(content_type), name
        assert start in response.text(), name
    exported = json.loads(
        page.request.get(reverse("campaign:export_json", kwargs={"slug": slug})).text()
    )
    assert len(exported["innovations"]) == 53
    # The pictures render in the browser (an SVG error would show as a console error).
    for name in ("campaign:chart", "campaign:badge"):
        page.goto(reverse(name, kwargs={"slug": slug}))
        assert page.locator("svg").count() >= 1
        harness.assert_no_console_errors(page)


def test_the_organisers_pages(page, demo, organiser, screenshot):
    """The organiser's desk at desktop width: the queue, a merge to confirm, the report."""
    harness.sign_in(page, organiser.username, organiser.password)
    page.goto(reverse("admin:innovations_innovation_changelist"))
    assert page.locator("#result_list tbody tr").count() >= 1
    queue = page.locator("#result_list").inner_text()
    assert "Pending" in queue
    assert "SUBMITTED" in queue.upper()
    # Every column fits at 1280 px: nothing to scroll sideways to find a status or date.
    results = page.locator("#changelist .results")
    screenshot(page, "admin-queue-desktop")
    assert results.evaluate("r => r.scrollWidth <= r.clientWidth")

    page.goto(reverse("admin:organisations_organisation_changelist"))
    for name in ("Orbit Group", "Bromford"):
        page.locator(
            "#result_list tr", has=page.get_by_role("link", name=name, exact=True)
        ).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Merge selected organisations…")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    assert "Bromford" in page.get_by_role("main").inner_text()
    screenshot(page, "admin-merge-desktop")

    page.goto(reverse("admin:campaign_campaign_report", args=[demo.closed.pk]))
    assert "Bromford" in page.get_by_role("main").inner_text()
    screenshot(page, "admin-report-desktop")


def test_the_root_shows_the_open_campaign(page, demo):
    page.goto("/")
    assert page.url.endswith(demo.open.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text() == demo.open.title


def test_keyboard_focus_is_visible_on_links_in_header_main_and_footer(page, demo):
    page.goto(demo.closed.get_absolute_url())
    tab_to(page, page.get_by_role("banner").get_by_role("link").first)
    tab_to(page, page.get_by_role("main").get_by_role("link").first)
    tab_to(page, page.get_by_role("contentinfo").get_by_role("link").last)
    assert_focus_visible(page)


def test_pages_work_without_javascript(page_no_js, demo):
    page_no_js.goto(demo.open.get_absolute_url())
    tally = page_no_js.locator(".tally")
    assert "innovations from" in tally.inner_text()
    assert page_no_js.locator(".tally progress").count() == 1
