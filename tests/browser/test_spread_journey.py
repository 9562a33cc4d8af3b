"""Issue 16 in Chromium: a member of staff from another organisation says "We'd like to try
this", confirms it from the email, and the innovation page and the campaign's spread move.
The new forms and pages pass axe-core and the Nu HTML Checker, on a desktop and a phone.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from innovations.models import Innovation
from tests.jobs import run_jobs

pytestmark = pytest.mark.browser

SPREAD = re.compile(r"(\d+) innovations? picked up by (\d+) other organisations?")


def spread_numbers(page):
    text = page.locator(".reach__spread").inner_text()
    found = SPREAD.search(text)
    assert found, text
    return int(found.group(1)), int(found.group(2))


def test_staff_respond_confirm_from_the_email_and_the_spread_moves(
    new_page, demo, check_page, screenshot
):
    page = new_page()
    innovation = Innovation.objects.get(campaign=demo.closed, title="Bromford Deal")

    page.goto(demo.closed.get_absolute_url())
    expect(page.locator(".reach__sentence")).to_contain_text(
        "17 of 40 housing associations in the register have taken part"
    )
    expect(page.locator(".reach__table caption")).to_contain_text("by region")
    before = spread_numbers(page)
    check_page(page, "campaign-reach-and-spread")

    page.goto(innovation.get_absolute_url())
    expect(page.locator(".responders")).to_contain_text("No other organisation")
    page.get_by_role("link", name="We'd like to try this").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Do you do this too, or would you like to try it?"
    )
    expect(page.get_by_label("We'd like to try this")).to_be_checked()
    check_page(page, "respond-form")

    # A mistake first: the error summary says what to do.
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter your name")
    check_page(page)

    page.get_by_label("Your name").fill("Kim Staff")
    page.get_by_label("Work email address").fill("kim@knightstone.example")
    page.get_by_label("Your organisation").fill("Knightsone")  # the 2014 spelling: an alias
    page.get_by_label("A note for others (optional)").fill("We would start with one estate.")
    page.get_by_label("My organisation's name and my note may be published").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page)

    # Nothing shows until the link in the email is followed.
    page.goto(innovation.get_absolute_url())
    expect(page.locator(".responders")).not_to_contain_text("Knightstone")

    run_jobs()  # the worker sends the stored confirmation email
    (confirmation,) = [m for m in mail.outbox if m.to == ["kim@knightstone.example"]]
    link = re.search(r"https?://\S+/responses/confirm/\S+/", confirmation.body).group(0)
    page.goto("/" + link.split("://", 1)[1].split("/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your response")
    check_page(page, "respond-confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmed")
    check_page(page)

    page.get_by_role("link", name="See the innovation").click()
    expect(page.locator(".responders__summary")).to_have_text("1 wants to try it")
    expect(page.locator(".responders")).to_contain_text("Knightstone")
    expect(page.locator(".responders")).not_to_contain_text("We would start with one estate.")
    check_page(page, "innovation-responders")

    page.goto(demo.closed.get_absolute_url())
    innovations, organisations = spread_numbers(page)
    assert innovations == before[0] + 1
    assert organisations >= before[1]


def test_the_ask_form_and_the_pages_on_a_phone(new_page, demo, check_page):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    innovation = Innovation.objects.get(campaign=demo.closed, title="Online skills assessment")
    phone.goto(innovation.get_absolute_url())
    expect(phone.locator(".responders__summary")).to_have_text(
        "Also done at 1 organisation · 2 want to try it"
    )
    expect(phone.locator(".responders__notes")).to_contain_text("Ours runs in our work clubs.")
    check_page(phone, "innovation-responders-phone")
    phone.get_by_role("link", name="Ask the innovator").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ask the innovator")
    check_page(phone, "ask-form-phone")
    phone.get_by_role("button", name="Send my message").click()
    expect(phone.locator(".error-summary")).to_contain_text("Write your message")
    check_page(phone)
    phone.get_by_label("Your name").fill("Alex Asker")
    phone.get_by_label("Your email address").fill("alex@orbit.example")
    phone.get_by_label("Your message").fill("How long did it take to build?")
    phone.get_by_role("button", name="Send my message").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Message on its way")
    check_page(phone)
    run_jobs()  # the worker relays the question
    (question,) = [m for m in mail.outbox if m.reply_to == ["alex@orbit.example"]]
    assert "How long did it take to build?" in question.body
    phone.goto(demo.closed.get_absolute_url())
    check_page(phone, "campaign-reach-phone")
