"""Fixtures for the real-browser tests: Chromium (Playwright), axe-core and the Nu HTML Checker.

Every test here is marked `browser` (pytestmark in each module); `make test-browser` runs them
alone, `make test` with the rest. Pages are served by pytest-django's live_server; each page's
context has base_url set to it, so `page.goto("/campaigns/…/")` or `page.goto(reverse(…))`.
"""

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from playwright.sync_api import sync_playwright

from . import harness

SCREENSHOTS = os.environ.get("SCREENSHOTS", "").lower() in {"1", "true", "yes", "on"}
SCREENSHOT_DIR = harness.ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module; closed after it, with Django's async guard restored."""
    if not Path(harness.CHROMIUM).exists():
        raise RuntimeError(f"{harness.CHROMIUM} is missing: {harness.INSTALL_HINT}")
    # Playwright's sync API keeps an asyncio loop running in this thread while it is open;
    # Django would then refuse database calls from the test itself. These tests are
    # synchronous, so that guard is moot here, and only here: the tests that follow
    # (once Playwright has stopped) run with it again.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Factory: new_page(**context_options) → a Page in its own context (cookies, JS setting).

    Defaults: desktop viewport 1280×900, en-GB, Europe/London, reduced motion, base_url =
    live_server.url. Pass viewport=harness.PHONE, java_script_enabled=False, etc. to change.
    """
    contexts = []

    def make(**options):
        settings = {
            "base_url": live_server.url,
            "viewport": harness.DESKTOP,
            "locale": "en-GB",
            "timezone_id": "Europe/London",
            "reduced_motion": "reduce",
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return harness.watch(context.new_page())

    yield make
    for context in contexts:
        for page in context.pages:
            harness.forget(page)
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page (1280×900)."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone-sized page (390×844, touch, mobile viewport meta honoured)."""
    return new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def page_no_js(new_page):
    """A desktop page with JavaScript switched off: every page must work without it."""
    return new_page(java_script_enabled=False)


@pytest.fixture
def demo(transactional_db):
    """The demo data (manage.py load_demo): .open is the live campaign, .closed the 2014 one."""
    from campaign.models import Campaign

    call_command("load_demo", verbosity=0)
    return SimpleNamespace(
        open=Campaign.objects.get(slug="housing-innovation-now"),
        closed=Campaign.objects.get(slug="140in140-2014"),
    )


@pytest.fixture
def organiser(transactional_db):
    """A staff superuser to sign in as: .username, .password, .user (see harness.sign_in)."""
    from django.contrib.auth.models import User

    password = "a-long-organiser-password"
    user = User.objects.create_superuser("organiser", "organiser@example.org", password)
    return SimpleNamespace(username=user.username, password=password, user=user)


@pytest.fixture(scope="session")
def _vnu(tmp_path_factory):
    service = harness.Vnu(tmp_path_factory.mktemp("vnu"))
    yield service
    service.stop()


@pytest.fixture
def vnu_check(_vnu, live_server):
    """vnu_check(*sources): assert the Nu HTML Checker finds no error in each source.

    A source is a Page (the HTML the server sent for the document it shows now, POST results
    included), an HTML string (starting with "<"), a path on the live server ("/campaigns/"),
    or an absolute URL.
    """
    import urllib.request

    def check(*sources):
        assert sources, "vnu_check needs at least one page, HTML string or URL"
        failures = []
        for source in sources:
            if isinstance(source, str) and source.lstrip().startswith("<"):
                name, html = "html-string", source
            elif isinstance(source, str):
                url = live_server.url + source if source.startswith("/") else source
                with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
                    name, html = url, response.read().decode("utf-8")
            else:
                name, html = source.url, harness.document_html(source)
            errors = _vnu.errors(html, name=name.removeprefix(live_server.url))
            if errors:
                failures.append(
                    f"{name}: {len(errors)} error(s)\n{harness.format_vnu(errors, html)}"
                )
        assert not failures, "Nu HTML Checker:\n" + "\n".join(failures)

    return check


@pytest.fixture(scope="session")
def _screenshot_dir(tmp_path_factory):
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        return SCREENSHOT_DIR
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(_screenshot_dir):
    """screenshot(page, name, *, full_page=True, screens=3) → Path of <name>.png, or None.

    Written to docs/screenshots/ when SCREENSHOTS=1; skipped otherwise (a full-page capture
    costs a few hundred milliseconds, and nobody looks at them). A full page is cut at
    `screens` viewport heights, so a long list does not make a megabyte picture.
    """

    def take(page, name, *, full_page=True, screens=3):
        if not SCREENSHOTS:
            return None
        path = _screenshot_dir / f"{name}.png"
        viewport = page.viewport_size
        height = viewport["height"]
        if full_page:
            height = min(page.evaluate("document.documentElement.scrollHeight"), height * screens)
        clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
        page.screenshot(path=str(path), full_page=True, clip=clip, animations="disabled")
        return path

    return take


@pytest.fixture
def axe_check():
    """axe_check(page, *, tags=WCAG_TAGS, disable=(), include=None): 0 axe-core violations."""
    return harness.axe_check


@pytest.fixture
def no_horizontal_overflow():
    """no_horizontal_overflow(page): the page does not scroll sideways."""
    return harness.no_horizontal_overflow


@pytest.fixture
def check_page(vnu_check, screenshot):
    """check_page(page, screenshot_name=None, *, vnu=True): every promise a public page makes.

    lang en-GB, a title, one h1, landmarks; no sideways scrolling; 0 axe-core violations;
    0 Nu HTML Checker errors; no console errors (CSP refusals, missing files, script errors);
    a screenshot when named; and last (it moves focus) the skip link works from the keyboard.
    """

    def check(page, screenshot_name=None, *, vnu=True):
        harness.assert_page_basics(page)
        harness.no_horizontal_overflow(page)
        harness.axe_check(page)
        if vnu:
            vnu_check(page)
        harness.assert_no_console_errors(page)
        if screenshot_name:
            screenshot(page, screenshot_name)
        harness.assert_skip_link(page)

    return check
