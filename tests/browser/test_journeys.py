"""The journeys of issue 6, end to end in Chromium against the live server.

1. Staff share two innovations with "Add another", make a mistake, follow the error summary to
   it, fix it and send; the thank-you page lists both and the tally went up by two.
2. The same with JavaScript switched off (the server adds the second form).
3. The same with the keyboard only, with the focus ring on every control passed.
4. After the deadline the form is gone and the page says when it closed.
5. The organiser approves both in the moderation queue; they appear in the collated list.
6. On a phone (390×844) nothing scrolls sideways and the tally, countdown and form work.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import Campaign
from core import caching
from innovations.models import Innovation
from tests.factories import make_campaign, make_organisation

from . import steps
from .harness import (
    assert_focus_visible,
    focus_start,
    focused,
    no_horizontal_overflow,
    sign_in,
    tab_to,
    tally_number,
)
from .steps import ADD_ANOTHER, CONSENT, FIRST, SECOND, SEND

pytestmark = pytest.mark.browser

TITLE_2 = "id_innovations-1-title"
MISTAKE = "Enter a title for innovation 2"


@pytest.fixture
def campaign(transactional_db):
    """An open campaign with one organisation, Bromford, and 3 innovations already counted."""
    from tests.factories import make_innovation

    campaign = make_campaign(title="Housing innovation now", slug="housing-innovation-now")
    bromford = make_organisation(name="Bromford")
    for n in range(3):
        make_innovation(campaign=campaign, organisation=bromford, title=f"Earlier idea {n}")
    return campaign


def submit_path(campaign):
    return reverse("innovations:submit", kwargs={"slug": campaign.slug})


def assert_thanks_lists_both(page):
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    received = page.locator(".received")
    expect(received.get_by_role("heading", name=FIRST["title"])).to_be_visible()
    expect(received.get_by_role("heading", name=SECOND["title"])).to_be_visible()
    expect(page.locator(".thanks-panel")).to_contain_text("received 2 innovations from Bromford")


def assert_saved_both(campaign):
    titles = set(Innovation.objects.for_campaign(campaign).values_list("title", flat=True))
    assert {FIRST["title"], SECOND["title"]} <= titles


def make_the_mistake_and_fix_it(page):
    """Send with innovation 2's title empty; follow the summary's link to it; fix; send."""
    steps.send(page)
    steps.assert_error_summary_focused(page)
    assert_focus_visible(page)
    # Nothing was lost: what they typed is still there.
    expect(steps.innovation(page, 1).get_by_label("Title")).to_have_value(FIRST["title"])
    expect(steps.innovation(page, 2).get_by_label("Theme")).to_have_value("digital_inclusion")
    page.locator(".error-summary").get_by_role("link", name=MISTAKE).click()
    assert focused(page)["id"] == TITLE_2
    page.keyboard.type(SECOND["title"])
    steps.send(page)


def test_1_staff_share_two_innovations_fixing_a_mistake(page, campaign):
    page.goto(campaign.get_absolute_url())
    before = tally_number(page)
    page.get_by_role("link", name="Share an innovation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share an innovation")
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, **FIRST)

    page.get_by_role("button", name=ADD_ANOTHER).click()
    expect(steps.innovation(page, 2)).to_be_visible()
    assert page.url.endswith(submit_path(campaign))  # added in place, no round trip
    assert focused(page)["id"] == TITLE_2
    steps.fill_innovation(page, 2, description=SECOND["description"], theme=SECOND["theme"])
    page.get_by_label(CONSENT).check()
    make_the_mistake_and_fix_it(page)

    assert_thanks_lists_both(page)
    assert_saved_both(campaign)
    page.goto(campaign.get_absolute_url())
    assert tally_number(page) == before + 2


def test_2_the_same_without_javascript(page_no_js, campaign):
    page = page_no_js
    page.goto(campaign.get_absolute_url())
    before = tally_number(page)
    page.get_by_role("link", name="Share an innovation").click()
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, **FIRST)
    page.get_by_label(CONSENT).check()

    page.get_by_role("button", name=ADD_ANOTHER).click()  # a round trip to the server
    page.wait_for_load_state()
    expect(steps.innovation(page, 2)).to_be_visible()
    assert focused(page)["id"] == TITLE_2  # autofocus, no script needed
    # What was typed came back, consent included.
    expect(page.get_by_label("Your name")).to_have_value("Asha Patel")
    expect(page.get_by_label(CONSENT)).to_be_checked()
    steps.fill_innovation(page, 2, description=SECOND["description"], theme=SECOND["theme"])
    assert Innovation.objects.for_campaign(campaign).count() == 3  # nothing sent yet
    make_the_mistake_and_fix_it(page)

    assert_thanks_lists_both(page)
    assert_saved_both(campaign)
    page.goto(campaign.get_absolute_url())
    assert tally_number(page) == before + 2


def test_3_the_same_with_the_keyboard_only(page, campaign):
    page.goto(campaign.get_absolute_url())
    before = tally_number(page)
    keyboard = page.keyboard
    focus_start(page)
    tab_to(page, page.get_by_role("link", name="Share an innovation"))
    keyboard.press("Enter")
    page.wait_for_url(f"**{submit_path(campaign)}")

    focus_start(page)
    for label, text in (
        ("Your name", "Asha Patel"),
        ("Email address", "asha@example.org"),
        (steps.ORGANISATION, "Bromford"),
    ):
        tab_to(page, page.get_by_label(label))
        keyboard.type(text)
    first = steps.innovation(page, 1)
    tab_to(page, first.get_by_label("Title"))
    keyboard.type(FIRST["title"])
    keyboard.press("Tab")
    keyboard.type(FIRST["description"])
    keyboard.press("Tab")
    keyboard.type(FIRST["theme"])  # a closed select picks the option typed
    expect(first.get_by_label("Theme")).to_have_value("staff_learning")

    tab_to(page, page.get_by_role("button", name=ADD_ANOTHER))
    keyboard.press("Space")
    assert focused(page)["id"] == TITLE_2
    assert_focus_visible(page)
    keyboard.press("Tab")  # the mistake: no title for innovation 2
    keyboard.type(SECOND["description"])
    keyboard.press("Tab")
    keyboard.type(SECOND["theme"])
    tab_to(page, page.get_by_label(CONSENT))
    keyboard.press("Space")
    expect(page.get_by_label(CONSENT)).to_be_checked()
    tab_to(page, page.get_by_role("button", name=SEND))
    keyboard.press("Enter")
    page.wait_for_load_state()

    steps.assert_error_summary_focused(page)
    assert_focus_visible(page)
    tab_to(page, page.locator(".error-summary").get_by_role("link", name=MISTAKE), max_presses=3)
    keyboard.press("Enter")
    assert focused(page)["id"] == TITLE_2
    assert_focus_visible(page)
    keyboard.type(SECOND["title"])
    keyboard.press("Enter")  # in a text field, Enter sends the form (not "Add another")
    page.wait_for_load_state()

    assert_thanks_lists_both(page)
    focus_start(page)
    tab_to(page, page.get_by_role("link", name="Add more innovations"))
    page.goto(campaign.get_absolute_url())
    assert tally_number(page) == before + 2


def test_4_after_the_deadline_the_form_is_gone(page, campaign):
    # Someone opens the form while the campaign is open...
    page.goto(submit_path(campaign))
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, **FIRST)
    page.get_by_label(CONSENT).check()
    # ...and the deadline passes while they type.
    closed_at = timezone.now() - timedelta(minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(closes_at=closed_at)
    caching.mark_changed(campaign.pk)
    campaign.refresh_from_db()
    steps.send(page)

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("This campaign has closed")
    closed_words = re.compile(r"closed at \d{1,2}(\.\d\d)?[ap]m on \w+day \d{1,2} \w+ \d{4}", re.I)
    expect(page.locator(".form-notice")).to_contain_text(closed_words)
    expect(page.locator(".form-notice")).to_contain_text("Nothing was sent")
    expect(page.locator(".typed")).to_contain_text(FIRST["title"])  # their words are kept
    assert not Innovation.objects.filter(title=FIRST["title"]).exists()

    # Coming back later: no form, no button, the time it closed.
    page.goto(submit_path(campaign))
    expect(heading).to_have_text("This campaign has closed")
    assert page.locator("form#submission-form").count() == 0
    assert page.get_by_role("button", name=SEND).count() == 0
    page.goto(campaign.get_absolute_url())
    assert page.get_by_role("link", name="Share an innovation").count() == 0
    expect(page.locator(".tally .time-left")).to_contain_text(closed_words)
    expect(page.locator(".tally .time-left")).to_have_class(re.compile("time-left--closed"))


def test_4_the_2014_campaign_says_when_it_closed(page, transactional_db):
    closed = make_campaign(
        title="140 innovations in 140 hours",
        slug="140in140-2014",
        opens_at=datetime(2014, 6, 30, 8, 59, tzinfo=ZoneInfo("Europe/London")),
    )
    page.goto(submit_path(closed))
    expect(page.get_by_role("heading", level=1)).to_have_text("This campaign has closed")
    expect(page.locator(".form-notice")).to_have_text(
        "This campaign closed at 4.59am on Sunday 6 July 2014."
    )
    assert page.locator("form").count() == 0


def test_5_the_organiser_approves_both_and_they_are_collated(new_page, campaign, organiser):
    staff = new_page()
    steps.submit_two(staff, submit_path(campaign))
    collated = reverse("campaign:innovations", kwargs={"slug": campaign.slug})
    staff.goto(collated)
    expect(staff.get_by_role("main")).not_to_contain_text(FIRST["title"])  # not yet approved

    desk = new_page()
    sign_in(desk, organiser.username, organiser.password)
    desk.locator("tr.model-innovation").get_by_role("link", name="Innovations").click()
    queue = desk.locator("#result_list")
    for title in (FIRST["title"], SECOND["title"]):
        row = queue.locator("tr", has=desk.get_by_role("link", name=title, exact=True))
        expect(row).to_contain_text("Pending")
        row.get_by_role("checkbox").check()
    desk.get_by_label("Action:").select_option(label="Approve selected innovations")
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator(".messagelist")).to_contain_text("2")
    statuses = dict(
        Innovation.objects.filter(title__in=[FIRST["title"], SECOND["title"]]).values_list(
            "title", "status"
        )
    )
    assert statuses == {FIRST["title"]: "approved", SECOND["title"]: "approved"}

    staff.goto(collated)
    group = staff.locator("section.org-group", has=staff.get_by_role("heading", name="Bromford"))
    expect(group.get_by_role("heading", name=FIRST["title"])).to_be_visible()
    expect(group.get_by_role("heading", name=SECOND["title"])).to_be_visible()


def test_6_on_a_phone(phone_page, demo):
    page = phone_page
    page.goto(demo.open.get_absolute_url())
    no_horizontal_overflow(page)
    before = tally_number(page)
    for locator in (page.locator(".tally__number"), page.locator(".tally [data-countdown-to]")):
        box = locator.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, locator
    expect(page.locator(".tally [data-countdown-to]")).to_contain_text(re.compile(r" left$"))
    expect(page.locator(".tally progress")).to_be_visible()
    # The pace chart drawn for phones, so its labels are not shrunk to half size.
    chart = page.locator(".pace-chart img")
    chart.scroll_into_view_if_needed()
    assert chart.evaluate("img => img.currentSrc").endswith("chart.svg?size=narrow")

    page.get_by_role("link", name="All innovations, by organisation").tap()
    page.wait_for_url("**/innovations/")
    no_horizontal_overflow(page)
    page.go_back()

    page.get_by_role("link", name="Share an innovation").tap()
    page.wait_for_url("**/submit/")
    no_horizontal_overflow(page)
    expect(page.locator(".deadline [data-countdown-to]")).to_contain_text(re.compile(r" left$"))
    steps.fill_about_you(page)
    steps.fill_innovation(page, 1, **FIRST)
    page.get_by_role("button", name=ADD_ANOTHER).tap()
    steps.fill_innovation(page, 2, description=SECOND["description"], theme=SECOND["theme"])
    page.get_by_label(CONSENT).tap()
    expect(page.get_by_label(CONSENT)).to_be_checked()
    controls = "#submission-form :is(input:not([type=hidden]), select, textarea, button)"
    for control in page.locator(f"{controls}:not(.honeypot *, .visually-hidden)").all():
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, control
        assert box["height"] >= 24, control  # WCAG 2.2 target size (minimum)
    page.get_by_role("button", name=SEND).tap()
    page.wait_for_load_state()
    steps.assert_error_summary_focused(page)
    no_horizontal_overflow(page)
    page.locator(".error-summary").get_by_role("link", name=MISTAKE).tap()
    assert focused(page)["id"] == TITLE_2
    page.keyboard.type(SECOND["title"])
    page.get_by_role("button", name=SEND).tap()
    page.wait_for_load_state()
    assert_thanks_lists_both(page)
    no_horizontal_overflow(page)

    page.goto(demo.open.get_absolute_url())
    assert tally_number(page) == before + 2


def test_the_countdown_ticks_and_greys_the_dot_at_the_close(page, campaign):
    page.clock.install(time=timezone.now())
    page.goto(campaign.get_absolute_url())
    countdown = page.locator(".tally [data-countdown-to]")
    expect(countdown).to_have_text(re.compile(r"^5 days 18 hours left$"))
    page.clock.fast_forward("24:00:00")
    expect(countdown).to_have_text(re.compile(r"^4 days 18 hours left$"))
    expect(page.locator(".tally .time-left")).not_to_have_class(re.compile("time-left--closed"))
    page.clock.fast_forward(6 * 24 * 3600 * 1000)  # six days, in milliseconds
    expect(countdown).to_have_text("Closed")
    expect(page.locator(".tally .time-left")).to_have_class(re.compile("time-left--closed"))
