"""The A–Z letters with no organisations are readable (at least 4.5:1 against what is
behind them) and still look unlike the letters that are links."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

_CONTRAST = """(selector) => {
  const el = document.querySelector(selector);
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, background = null;
  while (node) {
    const value = rgb(getComputedStyle(node).backgroundColor);
    if (value.length < 4 || value[3] > 0) { background = value; break; }
    node = node.parentElement;
  }
  background = background || [255, 255, 255];
  const style = getComputedStyle(el);
  const [light, dark] = [luminance(rgb(style.color)), luminance(background)].sort((a, b) => b - a);
  return {
    ratio: (light + 0.05) / (dark + 0.05),
    border: style.borderTopStyle,
    weight: style.fontWeight,
    decoration: style.textDecorationLine,
  };
}"""


def test_empty_letters_are_readable_yet_clearly_inactive(page, demo):
    page.goto(reverse("campaign:innovations", kwargs={"slug": demo.open.slug}))
    empty = page.evaluate(_CONTRAST, ".az-index__empty")
    link = page.evaluate(_CONTRAST, ".az-index a")
    assert empty["ratio"] >= 4.5, empty
    assert empty["border"] == "dashed" and link["border"] == "solid"
    assert int(empty["weight"]) < int(link["weight"])
    assert empty["decoration"] == "line-through"
