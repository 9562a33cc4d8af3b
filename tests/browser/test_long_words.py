"""Long words, URLs and names wrap on every page at 390 px: nothing makes a phone scroll
sideways, whatever people type (a spreadsheet formula for a title, a 200-letter word)."""

import pytest
from django.urls import reverse

from tests.browser import harness, steps

pytestmark = pytest.mark.browser

FORMULA = '=HYPERLINK("http://evil.example","x")'
WORD = "Supercalifragilistic" * 10  # 200 letters, no break
URL = "https://example.org/" + "a-very-long-path-segment" * 8


@pytest.fixture
def long_words(demo):
    from innovations.models import Innovation
    from tests.factories import make_organisation, make_submission

    organisation = make_organisation(name="Housing" + "association" * 15)
    submission = make_submission(campaign=demo.open, organisation=organisation)
    innovations = [
        Innovation.objects.create(
            submission=submission,
            title=title,
            description=f"{WORD} {URL} and more words after it.",
            link=URL,
            theme=demo.open.themes.get(slug="other"),
            status=status,
        )
        for title, status in [(FORMULA, "approved"), (WORD[:200], "approved"), (WORD, "pending")]
    ]
    return organisation, innovations


def public_pages(demo, organisation, innovations):
    slug = demo.open.slug
    return {
        "home": demo.open.get_absolute_url(),
        "list": reverse("campaign:innovations", kwargs={"slug": slug}),
        "search": reverse("campaign:innovations", kwargs={"slug": slug}) + f"?q={WORD[:90]}",
        "innovation": innovations[0].get_absolute_url(),
        "long-title": innovations[1].get_absolute_url(),
        "organisation": organisation.get_absolute_url(),
        "form": reverse("innovations:submit", kwargs={"slug": slug}),
        "campaigns": reverse("campaign:list"),
    }


def test_no_page_is_wider_than_a_phone_with_long_words(new_page, demo, long_words, check_page):
    organisation, innovations = long_words
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    for name, path in public_pages(demo, organisation, innovations).items():
        response = phone.goto(path)
        assert response.status == 200, name
        harness.no_horizontal_overflow(phone)
    phone.goto(innovations[0].get_absolute_url())
    check_page(phone, "long-words-phone")


def test_the_form_typed_with_long_words_fits_a_phone(new_page, demo, long_words):
    organisation, innovations = long_words
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    phone.goto(reverse("innovations:submit", kwargs={"slug": demo.open.slug}))
    steps.fill_about_you(phone, organisation=WORD)
    steps.fill_innovation(phone, 1, title=FORMULA, description=f"{WORD} {URL}", theme="Other")
    steps.send(phone)  # no consent: the form comes back with an error and every word
    assert phone.locator("#id_innovations-0-title").input_value() == FORMULA
    harness.no_horizontal_overflow(phone)


def test_the_staff_preview_fits_a_phone(new_page, demo, long_words, organiser, check_page):
    _organisation, innovations = long_words
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    harness.sign_in(phone, organiser.username, organiser.password)
    url = reverse("innovations:preview", kwargs={"slug": demo.open.slug, "pk": innovations[2].pk})
    assert phone.goto(url).status == 200
    assert "Preview for staff." in phone.get_by_role("status").inner_text()
    check_page(phone, "preview-phone")
