"""The checks themselves can fail: each meets a page built to break one promise.

A harness that passes everything proves nothing, so these pages are served (by routing a URL on
the live server in the browser) with exactly one fault each, and each check must catch it.
"""

import pytest

from . import harness

pytestmark = pytest.mark.browser

CSS = '<link rel="stylesheet" href="/static/css/site.css">'


def good(body, *, lang="en-GB", head=""):
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Test page</title>{CSS}{head}</head><body>"
        '<a class="skip-link" href="#main">Skip to main content</a>'
        '<header><nav aria-label="Main"><a href="/">Home</a></nav></header>'
        f'<main id="main" tabindex="-1"><h1>Test page</h1>{body}</main>'
        "<footer><p>Footer</p></footer></body></html>"
    )


@pytest.fixture
def serve(page, live_server):
    """serve(html) → the page showing that HTML at a URL on the live server."""

    def show(html, path="/__harness__/"):
        page.route(
            live_server.url + path,
            lambda route: route.fulfill(status=200, content_type="text/html", body=html),
        )
        page.goto(path)
        return page

    return show


def test_a_good_page_passes_every_check(serve, check_page):
    check_page(serve(good('<p>Fine. <a href="/x/">A link</a></p>')))


def test_axe_catches_missing_alt_text_and_unlabelled_controls(serve):
    with pytest.raises(AssertionError) as failure:
        harness.axe_check(serve(good('<p><img src="/static/img/favicon.svg"></p><input name="q">')))
    message = str(failure.value)
    assert "image-alt" in message
    assert "label" in message
    assert "critical" in message


def test_vnu_catches_invalid_html(serve, vnu_check):
    page = serve(good('<p id="x">One</p><p id="x">Two</p><ul><p>not a list item</p></ul>'))
    with pytest.raises(AssertionError) as failure:
        vnu_check(page)
    message = str(failure.value)
    assert "Duplicate ID" in message
    assert "line" in message
    with pytest.raises(AssertionError):
        vnu_check("<!doctype html><title>t</title><div><span></div>")


def test_vnu_checks_the_html_a_form_post_returned(serve, vnu_check, live_server):
    page = serve(good('<form method="post" action="/__posted__/"><button>Send</button></form>'))
    page.route(
        live_server.url + "/__posted__/",
        lambda route: route.fulfill(
            body=good('<p id="e">Error state</p><p id="e">again</p>'), content_type="text/html"
        ),
    )
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/__posted__/")
    with pytest.raises(AssertionError, match="Duplicate ID"):
        vnu_check(page)


def test_sign_in_and_tally_number(page, demo, organiser):
    harness.sign_in(page, organiser.username, organiser.password)
    assert (
        page.get_by_role("link", name="Log out").count()
        + page.get_by_role("button", name="Log out").count()
        == 1
    )
    page.goto(demo.closed.get_absolute_url())
    assert harness.tally_number(page) == 53


def test_basics_catch_wrong_language_and_two_h1s(serve):
    with pytest.raises(AssertionError, match="en-GB"):
        harness.assert_page_basics(serve(good("<p>x</p>", lang="en")))
    with pytest.raises(AssertionError, match="2 h1"):
        harness.assert_page_basics(serve(good("<h1>Second</h1>"), path="/__two__/"))


def test_overflow_is_caught_at_phone_width(new_page, live_server):
    phone = new_page(viewport=harness.PHONE, is_mobile=True, has_touch=True)
    # Long words wrap on the site (overflow-wrap: anywhere), so: a line that may not wrap.
    html = good(
        '<table><tr><td class="wide" style="white-space: nowrap">'
        + "x " * 300
        + "</td></tr></table>"
    )
    phone.route(
        live_server.url + "/__wide__/", lambda r: r.fulfill(body=html, content_type="text/html")
    )
    phone.goto("/__wide__/")
    with pytest.raises(AssertionError, match="wide in a 390px viewport"):
        harness.no_horizontal_overflow(phone)


def test_a_missing_focus_ring_is_caught(serve):
    page = serve(
        good(
            '<p><a class="plain" href="/y/">Plain</a></p>',
            head='<link rel="stylesheet" href="/__no-ring__.css">',
        )
    )
    page.route(
        "**/__no-ring__.css",
        lambda r: r.fulfill(
            body="a.plain:focus-visible{outline:none !important}", content_type="text/css"
        ),
    )
    page.reload()
    with pytest.raises(AssertionError, match="no visible focus ring"):
        harness.tab_to(page, "a.plain")


def test_a_skip_link_that_goes_nowhere_is_caught(serve):
    page = serve(good("<p>x</p>").replace('href="#main"', 'href="#nowhere"'))
    with pytest.raises(AssertionError, match="not main"):
        harness.assert_skip_link(page)


def test_console_errors_and_csp_refusals_are_caught(live_server, page):
    html = good('<p style="color: red">Inline style</p>')
    page.route(
        live_server.url + "/__csp__/",
        lambda r: r.fulfill(
            body=html,
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; style-src 'self'"},
        ),
    )
    page.goto("/__csp__/")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        harness.assert_no_console_errors(page)
    # axe-core still runs under that CSP (injected through the DevTools protocol).
    assert harness.axe_violations(page) == []
