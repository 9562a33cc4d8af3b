"""Markdown written by organisers (a campaign's intro, the statutory pages), made safe.

Markdown is rendered with raw HTML escaped (Python-Markdown passes it through, so every "<"
is escaped before rendering), then nh3 keeps only the tags and attributes Markdown makes
and links whose scheme is http, https or mailto: no <script>, no javascript: links,
no event attributes, whatever is typed.
"""

import markdown
import nh3
from django.utils.safestring import mark_safe

TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text):
    """Safe HTML for `text` (Markdown), marked safe for templates."""
    if not text:
        return ""
    # Headings start at h2: the page's own title is the h1.
    # Escaping "<" alone turns every tag into text and leaves Markdown's ">" quotes working.
    source = text.replace("<", "&lt;")
    rendered = markdown.markdown(source, extensions=[], output_format="html")
    rendered = rendered.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
