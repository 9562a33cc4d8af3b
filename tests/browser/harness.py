"""Checks a person (or their assistive technology) would notice, run in a real Chromium.

Plain functions on a Playwright `Page`, so a journey reads as what the user does plus one line
per promise: `check_page(page)`, `tab_to(page, button)`, `assert_focus_visible(page)`.
The fixtures in conftest.py hand the same functions to tests that prefer not to import.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL_HINT = "run `make browser-deps` (Debian's chromium and Java, then `npm ci`)"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FOCUS_COLOUR = "rgb(255, 221, 0)"  # --focus in static/css/site.css
MIN_FOCUS_WIDTH = 3  # px

# Responses that delivered each page's current document, so vnu_check(page) validates the HTML
# the server sent (a form's error state after a POST included), not the DOM after scripts ran.
_documents: dict[int, object] = {}
_console: dict[int, list[str]] = {}


def watch(page: Page) -> Page:
    """Record the page's document responses and console errors (done by every page fixture)."""
    errors = _console.setdefault(id(page), [])

    def on_response(response):
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            _documents[id(page)] = response

    def on_console(msg):
        if msg.type != "error":
            return
        document = _documents.get(id(page))
        if (
            document is not None
            and msg.location.get("url") == document.url
            and document.status >= 400
        ):
            return  # the page itself is an error page (404, 429…): that is what it is for
        errors.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return page


def forget(page: Page) -> None:
    _documents.pop(id(page), None)
    _console.pop(id(page), None)


def console_errors(page: Page) -> list[str]:
    """Console errors, failed loads, CSP refusals and uncaught exceptions seen so far."""
    return list(_console.get(id(page), []))


def assert_no_console_errors(page: Page) -> None:
    errors = console_errors(page)
    assert not errors, f"{page.url}: browser console errors:\n  " + "\n  ".join(errors)


def document_status(page: Page) -> int | None:
    """The HTTP status of the document the page shows now (a POST's response included)."""
    response = _documents.get(id(page))
    return None if response is None else response.status


def document_html(page: Page) -> str:
    """The HTML the server sent for the document the page shows now."""
    response = _documents.get(id(page))
    if response is not None and response.url.split("#")[0] == page.url.split("#")[0]:
        try:
            return response.text()
        except Exception:  # noqa: BLE001, S110 - body evicted: fetch again below
            pass
    return page.request.get(page.url).text()


# --- axe-core ---------------------------------------------------------------------------------

_AXE_RUN = """async ({tags, disable, include}) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  if (disable.length) {
    options.rules = Object.fromEntries(disable.map((id) => [id, {enabled: false}]));
  }
  const result = await axe.run(include ? {include: [include]} : document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html,
                               summary: n.failureSummary})),
  }));
}"""


def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: {INSTALL_HINT}")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(
    page: Page, *, tags=WCAG_TAGS, disable: tuple[str, ...] = (), include: str | None = None
) -> list[dict]:
    """Run axe-core in the page and return its violations (rule id, impact, help, nodes).

    Injected through the DevTools protocol (page.evaluate), which the page's Content Security
    Policy does not govern, so pages are tested under their real CSP.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source() + "\n;true")
    return page.evaluate(
        _AXE_RUN, {"tags": list(tags), "disable": list(disable), "include": include}
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            summary = (node["summary"] or "").replace("\n", "\n      ")
            lines.append(f"      {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def axe_check(page: Page, **options) -> None:
    """Assert axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    violations = axe_violations(page, **options)
    assert not violations, (
        f"{page.url}: {len(violations)} axe-core violation(s) of WCAG 2.2 AA:\n"
        + format_violations(violations)
    )


# --- Nu HTML Checker ----------------------------------------------------------------------------


class Vnu:
    """One Nu HTML Checker (vnu.jar) service for the whole test session.

    The JVM takes seconds to start; as a local HTTP service it starts once and then checks a
    page in tens of milliseconds, so every test can assert on its own pages immediately.
    Equivalent to `java -jar vnu.jar --errors-only` (errors and fatal errors count; warnings
    and info do not).
    """

    def __init__(self, workdir: Path):
        if not VNU_JAR.exists():
            raise RuntimeError(f"{VNU_JAR} is missing: {INSTALL_HINT}")
        java = shutil.which("java")
        if java is None:
            raise RuntimeError(f"java is missing: {INSTALL_HINT}")
        self.workdir = workdir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/?out=json"
        self.log = open(workdir / "vnu.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                java,
                "-Xmx512m",
                "-Xss2m",
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()
        self.count = 0

    def _wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vnu.jar exited; see {self.workdir / 'vnu.log'}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).close()  # noqa: S310
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"vnu.jar did not start in {timeout}s; see {self.workdir / 'vnu.log'}")

    def errors(self, html: str, *, name: str = "page") -> list[dict]:
        """Errors in one HTML document; the document is kept under workdir for reading."""
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "page"
        (self.workdir / f"{self.count:03d}-{slug}.html").write_text(html, encoding="utf-8")
        request = urllib.request.Request(  # noqa: S310 - our own service on 127.0.0.1
            self.url,
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            messages = json.load(response)["messages"]
        return [m for m in messages if m.get("type") in {"error", "non-document-error"}]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def format_vnu(errors: list[dict], html: str) -> str:
    lines = html.splitlines()
    out = []
    for e in errors:
        line = e.get("lastLine") or e.get("firstLine")
        where = f"line {line}" if line else "document"
        out.append(f"  {where}: {e.get('message')}")
        if line and 0 < line <= len(lines):
            out.append(f"      {lines[line - 1].strip()[:160]}")
    return "\n".join(out)


# --- layout, keyboard, structure ------------------------------------------------------------------

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) {
      const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      offenders.push(`${el.tagName.toLowerCase()}${cls} (right edge ${Math.round(r.right)}px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, offenders: offenders.slice(0, 8)};
}"""


def no_horizontal_overflow(page: Page) -> None:
    """Assert nothing makes the page scroll sideways at the current viewport width."""
    result = page.evaluate(_OVERFLOW)
    assert result["scrollWidth"] <= result["width"], (
        f"{page.url}: page is {result['scrollWidth']}px wide in a {result['width']}px viewport; "
        "widest elements: " + "; ".join(result["offenders"])
    )


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60),
    outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0,
    outlineColor: cs.outlineColor, boxShadow: cs.boxShadow,
    inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
  };
}"""


def focused(page: Page) -> dict | None:
    """What has keyboard focus: tag, id, name, text and its computed focus outline."""
    return page.evaluate(_FOCUSED)


def describe(info: dict | None) -> str:
    if info is None:
        return "<nothing>"
    label = f"#{info['id']}" if info["id"] else (f"[name={info['name']}]" if info["name"] else "")
    return f"<{info['tag']}{label}> {info['text']!r}"


def assert_focus_visible(page: Page) -> dict:
    """Assert the focused element shows the site's focus ring (thick yellow outline) on screen."""
    info = focused(page)
    assert info is not None, f"{page.url}: nothing has focus"
    assert (
        info["outlineStyle"] not in {"none", "hidden"}
        and info["outlineWidth"] >= MIN_FOCUS_WIDTH
        and info["outlineColor"] == FOCUS_COLOUR
    ), (
        f"{page.url}: {describe(info)} has focus but no visible focus ring: outline "
        f"{info['outlineStyle']} {info['outlineWidth']}px {info['outlineColor']}"
    )
    assert info["inViewport"], f"{page.url}: {describe(info)} has focus but is off screen"
    return info


def tab_to(
    page: Page,
    target: str | Locator,
    *,
    max_presses: int = 80,
    check_ring: bool = True,
    backwards: bool = False,
) -> int:
    """Press Tab (Shift+Tab if backwards) until `target` has focus; return how many presses.

    With check_ring, every element passed on the way must show the focus ring: the promise
    "a visible focus ring on every control" for the whole route.
    """
    locator = page.locator(target) if isinstance(target, str) else target
    handle = locator.element_handle()
    key = "Shift+Tab" if backwards else "Tab"
    route = []
    for presses in range(1, max_presses + 1):
        page.keyboard.press(key)
        info = focused(page)
        route.append(describe(info))
        if check_ring and info is not None:
            assert_focus_visible(page)
        if page.evaluate("el => document.activeElement === el", handle):
            return presses
    raise AssertionError(
        f"{page.url}: {target} not reached in {max_presses} {key} presses; focus went: "
        + " → ".join(route[:40])
    )


def focus_start(page: Page) -> None:
    """Put the keyboard's starting point at the top of the document, as after a page load."""
    page.evaluate(
        """() => { window.scrollTo(0, 0); const b = document.body; b.tabIndex = -1; b.focus();
                   b.removeAttribute('tabindex'); }"""
    )


def assert_skip_link(page: Page) -> None:
    """The first Tab shows "Skip to main content"; Enter moves focus to the main landmark."""
    focus_start(page)
    page.keyboard.press("Tab")
    info = assert_focus_visible(page)
    assert info["text"] == "Skip to main content", (
        f"{page.url}: the first Tab focused {describe(info)}, not the skip link"
    )
    page.keyboard.press("Enter")
    main = page.evaluate("() => document.activeElement.closest('main, [role=main]') !== null")
    assert main, f"{page.url}: the skip link moved focus to {describe(focused(page))}, not main"


def assert_page_basics(page: Page) -> None:
    """lang="en-GB", a title, one h1, and the landmarks: banner, navigation, main, contentinfo."""
    assert page.get_attribute("html", "lang") == "en-GB", f"{page.url}: <html lang> is not en-GB"
    assert page.title().strip(), f"{page.url}: empty <title>"
    h1s = page.locator("h1")
    assert h1s.count() == 1, f"{page.url}: {h1s.count()} h1 elements: {h1s.all_inner_texts()}"
    for role, expected in (("banner", 1), ("main", 1), ("contentinfo", 1)):
        found = page.get_by_role(role).count()
        assert found == expected, f"{page.url}: {found} {role} landmarks, expected {expected}"
    assert page.get_by_role("navigation").count() >= 1, f"{page.url}: no navigation landmark"


def sign_in(page: Page, username: str, password: str, *, next_url: str = "/admin/") -> None:
    """Sign in through the admin's login form, as the organiser would."""
    page.goto(f"/admin/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()


def tally_number(page: Page) -> int:
    """The big number of the campaign page's tally, as an int."""
    return int(page.locator(".tally__number").first.inner_text().replace(",", "").strip())
