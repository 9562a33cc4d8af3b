from django import template

from core.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    """Organiser-written Markdown as safe HTML (no raw HTML, no javascript: links)."""
    return render_markdown(text)
