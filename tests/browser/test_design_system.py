"""The design system's components (tests/browser/components.html) meet WCAG 2.2 AA, validate,
fit a phone, and show the focus ring on every control, before any page uses them."""

from pathlib import Path

import pytest
from django.template import engines
from django.test import RequestFactory

from .harness import assert_focus_visible, focused, tab_to

pytestmark = pytest.mark.browser

TEMPLATE = Path(__file__).with_name("components.html")
PATH = "/__design-system__/"


@pytest.fixture
def components(live_server):
    """show(page) → the page showing the component gallery, served on the live server."""
    request = RequestFactory().get(PATH)
    html = engines["django"].from_string(TEMPLATE.read_text()).render(request=request)

    def show(page):
        page.route(
            live_server.url + PATH,
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        page.goto(PATH)
        return page

    return show


def test_components_on_a_desktop(page, components, check_page):
    check_page(components(page), "components-desktop")


def test_components_on_a_phone(phone_page, components, check_page):
    check_page(components(phone_page), "components-phone")


def test_every_control_shows_the_focus_ring(page, components):
    components(page)
    last = page.get_by_role("link", name="Organiser sign-in")
    presses = tab_to(page, last, max_presses=60)
    assert presses > 15  # passed every link, field, checkbox and button on the way


def test_focus_ring_is_thick_yellow_with_a_dark_inner_edge(page, components):
    components(page)
    tab_to(page, page.get_by_role("button", name="Send innovations"))
    ring = assert_focus_visible(page)
    assert ring["outlineWidth"] >= 3
    assert "rgb(11, 12, 12)" in ring["boxShadow"]


def test_error_summary_takes_focus_and_links_to_the_field(page, components):
    components(page)
    page.locator(".error-summary").focus()
    assert focused(page)["text"].startswith("There is a problem")
    assert_focus_visible(page)
    page.get_by_role("link", name="Enter a title for innovation 2").click()
    assert focused(page)["id"] == "id_title_2"
