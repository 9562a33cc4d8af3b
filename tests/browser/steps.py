"""What a member of staff does on the submission form, as steps a journey can reuse.

Fields are found the way a person finds them: by their labels, inside the fieldset whose
legend names them ("Innovation 2"), so a test breaks when a label or a legend does.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .harness import focused

CONSENT = "The innovations may be published with my organisation's name"
SEND = "Send my innovations"
ADD_ANOTHER = "Add another innovation"
# Labels end with a hidden "*" from crispy-forms, so match their start, not the whole text.
ORGANISATION = re.compile(r"^\s*Organisation\W*$")

FIRST = {
    "title": "Reverse mentoring for staff",
    "description": "Young tenants teach senior staff to use social media; both sides learn.",
    "theme": "Staff learning",
}
SECOND = {
    "title": "Repairs by text message",
    "description": "Tenants report a repair by text and get a time slot back within the hour.",
    "theme": "Digital inclusion",
}


def innovation(page: Page, number: int):
    """The fieldset of innovation `number` (its legend is "Innovation <number>")."""
    return page.get_by_role("group", name=f"Innovation {number}", exact=True)


def fill_about_you(page: Page, *, organisation: str = "Bromford") -> None:
    page.get_by_label("Your name").fill("Asha Patel")
    page.get_by_label("Email address").fill("asha@example.org")
    page.get_by_label(ORGANISATION).fill(organisation)
    page.get_by_label("Job title or role (optional)").fill("Innovation lead")


def fill_innovation(page: Page, number: int, *, title="", description="", theme="") -> None:
    fieldset = innovation(page, number)
    fieldset.get_by_label("Title").fill(title)
    fieldset.get_by_label("What it is and what it changed").fill(description)
    if theme:
        fieldset.get_by_label("Theme").select_option(label=theme)


def send(page: Page) -> None:
    page.get_by_role("button", name=SEND).click()
    page.wait_for_load_state()


def submit_two(page: Page, submit_path: str, *, organisation: str = "Bromford") -> None:
    """Share FIRST and SECOND in one go, without mistakes; the page ends on the thank-you."""
    page.goto(submit_path)
    fill_about_you(page, organisation=organisation)
    fill_innovation(page, 1, **FIRST)
    page.get_by_role("button", name=ADD_ANOTHER).click()
    expect(innovation(page, 2)).to_be_visible()
    fill_innovation(page, 2, **SECOND)
    page.get_by_label(CONSENT).check()
    send(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")


def assert_error_summary_focused(page: Page) -> None:
    """The error summary is shown, has focus, and its heading says there is a problem."""
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    info = focused(page)
    assert info["text"].startswith("There is a problem"), info
