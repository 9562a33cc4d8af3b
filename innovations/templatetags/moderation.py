from django import template
from django.urls import reverse

from innovations.models import Innovation

register = template.Library()


@register.simple_tag
def waiting_for_moderation():
    """{"count": N, "url": the moderation queue} for the admin index."""
    return {
        "count": Innovation.objects.filter(status=Innovation.Status.PENDING).count(),
        "url": reverse("admin:innovations_innovation_changelist") + "?status=pending&campaign=all",
    }
