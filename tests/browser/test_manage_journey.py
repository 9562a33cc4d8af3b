"""Issue 14's journey in Chromium: the receipt arrives, its link opens the sender's page, and
from there they edit one innovation, withdraw another and add a third; the tally follows.

The receipt is read from a real SMTP server (aiosmtpd) after the worker ran its job. The
manage page, its confirmation page and every error state pass axe-core and the Nu HTML
Checker; the manage page is looked at on a phone too.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import Campaign
from innovations.models import Innovation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.jobs import run_jobs
from tests.mailserver import MailServer

from . import harness, steps

pytestmark = pytest.mark.browser


def approve(innovation):
    """Published by the organiser, as moderation does it (the kept counts follow)."""
    from innovations.moderation import innovation_moderate

    innovation_moderate(
        innovations=Innovation.objects.filter(pk=innovation.pk), status="approved", user=None
    )


@pytest.fixture
def campaign(transactional_db):
    campaign = make_campaign(title="Housing innovation now", slug="housing-innovation-now")
    bromford = make_organisation(name="Bromford")
    for n in range(3):
        make_innovation(campaign=campaign, organisation=bromford, title=f"Earlier idea {n}")
    return campaign


@pytest.fixture
def smtp(settings, live_server):
    server = MailServer()
    server.start()
    server.configure(settings)
    settings.SITE_URL = live_server.url
    yield server
    server.stop()


def tally(page, campaign):
    page.goto(campaign.get_absolute_url())
    return harness.tally_number(page)


def test_receipt_link_edit_withdraw_add_and_the_tally_follows(
    new_page, campaign, smtp, check_page, axe_check, vnu_check, screenshot
):
    sender = new_page()
    assert tally(sender, campaign) == 3
    steps.submit_two(sender, reverse("innovations:submit", kwargs={"slug": campaign.slug}))
    assert tally(sender, campaign) == 5

    # The worker sends the receipt; it arrives at the SMTP server with the link.
    run_jobs()
    receipts = [m for m in smtp.inbox.messages if m["to"] == ["asha@example.org"]]
    assert len(receipts) == 1
    text, html = smtp.inbox.parts(smtp.inbox.messages.index(receipts[0]))
    assert "- Reverse mentoring for staff" in text
    link = re.search(r"(http://\S+/manage/\S+/)", text).group(1)
    assert f'href="{link}"' in html

    # The email as the sender sees it (HTML part), for the README.
    mail_view = new_page(viewport={"width": 720, "height": 900})
    mail_view.set_content(html)
    screenshot(mail_view, "email-receipt")

    # Opened from the email client: a fresh browser, no cookie from the thank-you page.
    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your innovations")
    check_page(page, "manage-page")

    # Edit the first: a mistake first, the error summary, then the fix.
    page.get_by_role("link", name="Edit “Reverse mentoring for staff”").click()
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save changes").click()
    steps.assert_error_summary_focused(page)
    expect(page.locator(".error-summary")).to_contain_text("Enter a title for this innovation")
    axe_check(page)
    vnu_check(page)
    screenshot(page, "manage-edit-error")
    page.get_by_role("link", name="Enter a title for this innovation").click()
    expect(page.get_by_label("Title")).to_be_focused()
    page.get_by_label("Title").fill("Reverse mentoring for directors")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved.")
    expect(page.get_by_role("heading", name="Reverse mentoring for directors")).to_be_visible()

    # Withdraw the second: a confirmation page from the server (works without JavaScript).
    page.get_by_role("link", name="Withdraw “Repairs by text message”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw “Repairs by text message”?")
    check_page(page)
    page.get_by_role("button", name="Yes, withdraw it").click()
    expect(page.get_by_role("status")).to_contain_text("Withdrawn")
    expect(page.locator("#main")).to_contain_text("Withdrawn by you")

    # Add one: first with a mistake, then right.
    page.get_by_role("link", name="Add more innovations").click()
    page.get_by_role("button", name="Add these innovations").click()
    steps.assert_error_summary_focused(page)
    axe_check(page)
    vnu_check(page)
    steps.fill_innovation(
        page,
        1,
        title="Tenant-led repairs app",
        description="Tenants book and track repairs from their phones.",
        theme="Homes and technology",
    )
    page.get_by_role("button", name="Add these innovations").click()
    expect(page.get_by_role("status")).to_contain_text("Added")
    expect(page.locator("#main")).to_contain_text("Tenant-led repairs app")
    check_page(page)

    # The tally followed: 5, less the withdrawn one, plus the added one.
    assert tally(page, campaign) == 5
    statuses = dict(
        Innovation.objects.filter(submission__email="asha@example.org").values_list(
            "title", "status"
        )
    )
    assert statuses == {
        "Reverse mentoring for directors": "pending",
        "Repairs by text message": "withdrawn",
        "Tenant-led repairs app": "pending",
    }

    # On a phone: nothing scrolls sideways.
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    phone.goto(link)
    harness.no_horizontal_overflow(phone)
    screenshot(phone, "manage-page-phone")

    # The campaign closes while the add form is open: nothing saved, the words kept.
    page.goto(link + "add/")
    steps.fill_innovation(
        page, 1, title="Too late", description="Sent after the close.", theme="Other"
    )
    closed = timezone.now() - timedelta(minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=closed - timedelta(hours=140), closes_at=closed
    )
    page.get_by_role("button", name="Add these innovations").click()
    expect(page.locator(".error-summary")).to_contain_text("The campaign has closed")
    expect(page.get_by_label("Title")).to_have_value("Too late")
    assert harness.document_status(page) == 403
    axe_check(page)
    vnu_check(page)
    assert not Innovation.objects.filter(title="Too late").exists()


def test_correction_request_and_the_read_only_page_after_the_close(
    new_page, campaign, check_page, axe_check, vnu_check
):
    from innovations.services import submission_create

    submission = submission_create(
        campaign=campaign,
        name="Asha Patel",
        email="asha@example.org",
        organisation_name="Bromford",
        innovations=[
            {
                "title": "Reverse mentoring",
                "description": "Young tenants mentor directors.",
                "theme": "staff_learning",
                "link": "",
            }
        ],
    )
    for item in submission.innovations.all():
        approve(item)
    link = reverse(
        "innovations:manage", kwargs={"slug": campaign.slug, "token": submission.manage_token}
    )
    page = new_page()
    page.goto(link)
    expect(page.locator("#main")).to_contain_text("Published")
    page.get_by_role("link", name="Ask for a correction to “Reverse mentoring”").click()
    page.get_by_role("button", name="Send to the organiser").click()
    expect(page.locator(".error-summary")).to_contain_text("Say what should be corrected")
    axe_check(page)
    vnu_check(page)
    page.get_by_label("What should be corrected?").fill("It is Bromford Homes.")
    page.get_by_role("button", name="Send to the organiser").click()
    expect(page.get_by_role("status")).to_contain_text("Sent: the organiser will read")
    expect(page.locator("#main")).to_contain_text("You asked for a correction")

    closed = timezone.now() - timedelta(minutes=1)
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=closed - timedelta(hours=140), closes_at=closed
    )
    page.goto(link)
    expect(page.locator("#main")).to_contain_text("nothing here can be changed now")
    expect(page.get_by_role("link", name=re.compile("Withdraw|Edit|Add more"))).to_have_count(0)
    check_page(page)
