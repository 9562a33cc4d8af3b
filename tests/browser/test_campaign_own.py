"""A campaign made its own (issue 15), in a real browser: its noun, themes and question, a
picture with an innovation (JavaScript on and off), the statutory pages, and the PDF.

Each page passes axe-core (WCAG 2.2 AA) and the Nu HTML Checker. With SCREENSHOTS=1 the
pages and the first and a middle page of the PDF (as PNG, by pdftoppm) go to docs/screenshots/.
"""

import io
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from playwright.sync_api import expect

from campaign.models import Question, SiteSettings, Theme
from innovations.models import Innovation
from tests.factories import make_campaign, make_innovation, make_organisation

from . import harness, steps
from .conftest import SCREENSHOT_DIR, SCREENSHOTS

pytestmark = pytest.mark.browser

ALT = "Two residents at a repair-booking kiosk in the council's front office"
QUESTION = "How many people did it reach?"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SUBMISSION_RATE_LIMIT = "0"


@pytest.fixture
def council_campaign(transactional_db):
    """An open campaign of councils with its own themes and one required question."""
    SiteSettings.objects.create(
        site_name="CX Forum",
        footer_line="Ideas from public-sector customer service, collected against the clock.",
        organiser_name="The CX Forum team",
        organiser_email="team@cxforum.example.org",
    )
    campaign = make_campaign(
        title="100 customer-service ideas in 100 hours",
        slug="cx-ideas",
        participant_noun="councils",
        participant_kind="local_authority",
        hashtag="CXideas",
        intro="Share what your **council** changed at the front door. "
        "[Read about the forum](https://example.org/forum).",
    )
    campaign.themes.all().delete()
    for order, name in enumerate(["Complaints handled well", "Self-service", "Other"], 1):
        Theme.objects.create(campaign=campaign, name=name, order=order)
    Question.objects.create(
        campaign=campaign, text=QUESTION, kind="short", required=True, public=True, order=1
    )
    for name in ["Leeds City Council", "Bristol City Council"]:
        council = make_organisation(name=name, kind="local_authority")
        make_innovation(
            campaign=campaign,
            organisation=council,
            theme=campaign.themes.get(slug="self-service"),
            title=f"Online booking at {name.split()[0]}",
            status="approved",
        )
    make_organisation(name="Bromford")
    return campaign


@pytest.fixture
def photo(tmp_path):
    from PIL import Image

    image = Image.new("RGB", (1600, 1067), (30, 110, 160))
    for x in range(0, 1600, 80):  # something to look at
        image.paste((240, 200, 60), (x, 500, x + 40, 560))
    path = tmp_path / "kiosk.jpg"
    image.save(path, "JPEG", quality=85)
    return path


def _fill_picture_form(page, campaign, photo):
    page.goto(reverse("innovations:submit", kwargs={"slug": campaign.slug}))
    steps.fill_about_you(page)
    first = steps.innovation(page, 1)
    first.get_by_label("Title").fill("A repair kiosk in the front office")
    first.get_by_label("What it is and what it changed").fill(
        "Residents book repairs at a kiosk; queues fell by half."
    )
    first.get_by_label("Theme").select_option(label="Complaints handled well")
    first.get_by_label(QUESTION).fill("About 4,000 residents")
    first.get_by_label("A picture (optional)").set_input_files(str(photo))
    page.get_by_label(steps.CONSENT).check()
    steps.send(page)  # no description of the picture yet


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_picture_is_kept_while_its_description_is_asked_for(
    new_page, council_campaign, photo, check_page, vnu_check, javascript
):
    page = new_page(java_script_enabled=javascript)
    _fill_picture_form(page, council_campaign, photo)
    assert harness.document_status(page) == 400
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(
        "Describe the picture for innovation 1, for people who cannot see it"
    )
    kept = steps.innovation(page, 1).locator(".picture-kept")
    expect(kept).to_contain_text("Your picture is kept: you do not need to choose it again.")
    if javascript:
        check_page(page, "submit-picture-kept-desktop")
    else:
        vnu_check(page)  # axe-core runs as a script: the same page is checked with it on
    steps.innovation(page, 1).get_by_label("Describe the picture").fill(ALT)
    steps.send(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    saved = Innovation.objects.get(title="A repair kiosk in the front office")
    assert saved.image_alt == ALT and saved.image_widths == [480, 960, 1600]
    assert default_storage.exists(f"{saved.image_key}-1600.jpg")
    assert saved.answers.get().text == "About 4,000 residents"


def test_a_file_that_is_not_a_picture_must_be_chosen_again(
    page, council_campaign, tmp_path, check_page
):
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"%PDF-1.4 this is a PDF renamed .jpg")
    _fill_picture_form(page, council_campaign, fake)
    expect(page.locator(".error-summary")).to_contain_text(
        "The picture for innovation 1 is not a JPEG, PNG or WebP picture"
    )
    expect(steps.innovation(page, 1).locator(".picture-lost")).to_contain_text(
        "Your picture was not kept: choose a file again."
    )
    check_page(page, "submit-picture-refused-desktop")


@pytest.mark.parametrize("path", ["/accessibility/", "/privacy/"])
def test_the_statutory_pages(new_page, council_campaign, check_page, path):
    name = path.strip("/")
    desktop = new_page()
    assert desktop.goto(path).status == 200
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        {"accessibility": "Accessibility statement", "privacy": "Privacy notice"}[name]
    )
    expect(desktop.locator("main")).to_contain_text("team@cxforum.example.org")
    check_page(desktop, f"{name}-desktop")
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    phone.goto(path)
    check_page(phone, f"{name}-phone", vnu=False)
    # Reached from every page's footer.
    desktop.goto(council_campaign.get_absolute_url())
    desktop.get_by_role("contentinfo").get_by_role(
        "link", name={"accessibility": "Accessibility statement", "privacy": "Privacy notice"}[name]
    ).click()
    assert desktop.url.endswith(path)


def test_a_campaign_of_councils_with_its_own_themes(new_page, council_campaign, check_page):
    page = new_page()
    page.goto(council_campaign.get_absolute_url())
    expect(page.locator("main")).to_contain_text("innovations from 2 councils")
    expect(page.locator(".campaign-intro strong")).to_have_text("council")
    expect(page.get_by_role("contentinfo")).to_contain_text("CX Forum: Ideas from public-sector")
    check_page(page, "campaign-own-desktop")
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    phone.goto(council_campaign.get_absolute_url())
    check_page(phone, "campaign-own-phone", vnu=False)

    page.goto(reverse("campaign:innovations", kwargs={"slug": council_campaign.slug}))
    options = page.get_by_label("Theme").locator("option").all_inner_texts()
    assert options == ["All themes", "Complaints handled well", "Self-service", "Other"]
    page.get_by_label("Theme").select_option(label="Self-service")
    page.get_by_role("button", name="Filter").click()
    assert "theme=self-service" in page.url
    expect(page.locator(".org-group")).to_have_count(2)
    check_page(page, "innovations-own-themes-desktop")


def test_an_innovation_with_its_picture_and_answer(new_page, council_campaign, photo, check_page):
    from innovations.pictures import picture_store

    picture = picture_store(photo.read_bytes())
    innovation = make_innovation(
        campaign=council_campaign,
        organisation=make_organisation(name="Camden Council", kind="local_authority"),
        theme=council_campaign.themes.get(slug="complaints-handled-well"),
        title="A repair kiosk in the front office",
        description="Residents book repairs at a kiosk; queues fell by half.",
        status="approved",
        image_key=picture.key,
        image_widths=list(picture.widths),
        image_height=picture.height,
        image_alt=ALT,
    )
    innovation.answers.create(question=council_campaign.questions.get(), text="About 4,000")
    for name, options in (
        ("innovation-picture-desktop", {}),
        ("innovation-picture-phone", {"viewport": harness.PHONE, "is_mobile": True}),
    ):
        page = new_page(**options)
        page.goto(innovation.get_absolute_url())
        image = page.get_by_role("img", name=ALT)
        expect(image).to_be_visible()
        assert page.evaluate("(img) => img.naturalWidth > 0", image.element_handle())
        expect(page.locator(".innovation__answers")).to_contain_text(QUESTION)
        check_page(page, name, vnu="desktop" in name)


def test_the_pdf_s_first_and_a_middle_page(live_server, demo, organiser, new_page):
    """The staff PDF of the 2014 campaign; with SCREENSHOTS=1 two of its pages as PNG."""
    page = new_page()
    harness.sign_in(page, organiser.username, organiser.password)
    response = page.request.get(
        live_server.url + reverse("campaign:report_pdf", kwargs={"slug": demo.closed.slug})
    )
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    total = len(reader.pages)
    assert f"Page 1 of {total}" in reader.pages[0].extract_text()
    if SCREENSHOTS and shutil.which("pdftoppm"):
        pdf = SCREENSHOT_DIR / "report.pdf"
        pdf.write_bytes(response.body())
        middle = total // 2 + 1
        for number, name in ((1, "pdf-page-first"), (middle, "pdf-page-middle")):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", str(number), "-l",
                 str(number), str(pdf), str(SCREENSHOT_DIR / name)],
                check=True,
            )  # fmt: skip
        pdf.unlink()
