"""Every public page, at desktop and phone widths: WCAG 2.2 AA (axe-core), valid HTML (Nu HTML
Checker), one h1, lang en-GB, landmarks, a working skip link, no sideways scrolling.

With SCREENSHOTS=1 these tests also refresh docs/screenshots/<page>-<desktop|phone>.png.
"""

import pytest
from django.urls import reverse

from innovations.models import Innovation
from organisations.models import Organisation

from .harness import assert_focus_visible, tab_to

pytestmark = pytest.mark.browser


def public_pages(demo):
    innovation = Innovation.objects.public().for_campaign(demo.closed).first()
    return {
        "campaign-open": demo.open.get_absolute_url(),
        "campaign-closed": demo.closed.get_absolute_url(),
        "campaigns": reverse("campaign:list"),
        "organisation": Organisation.objects.get(name="Bromford").get_absolute_url(),
        "innovation": innovation.get_absolute_url(),
        "submit": reverse("innovations:submit", kwargs={"slug": demo.open.slug}),
    }


PAGES = ["campaign-open", "campaign-closed", "campaigns", "organisation", "innovation", "submit"]


@pytest.mark.parametrize("name", PAGES)
def test_public_page_on_a_desktop(page, demo, check_page, name):
    response = page.goto(public_pages(demo)[name])
    assert response.status == 200
    check_page(page, f"{name}-desktop")


@pytest.mark.parametrize("name", PAGES)
def test_public_page_on_a_phone(phone_page, demo, check_page, name):
    response = phone_page.goto(public_pages(demo)[name])
    assert response.status == 200
    check_page(phone_page, f"{name}-phone")


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
