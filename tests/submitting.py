"""Building POST data for the submission form, as a browser would send it."""

from django.urls import reverse

from innovations.forms import new_token


def submit_url(campaign):
    return reverse("innovations:submit", kwargs={"slug": campaign.slug})


def innovation(n=1, **fields):
    return {
        "title": f"Innovation number {n}",
        "description": f"What innovation {n} does, for whom, and what changed.",
        "theme": "digital_inclusion",
        "link": "",
        **fields,
    }


def payload(*innovations, total=None, **fields):
    """A complete, valid submission unless overridden; one innovation by default."""
    innovations = innovations or (innovation(),)
    data = {
        "name": "Asha Patel",
        "email": "asha@example.org",
        "organisation": "Bromford",
        "organisation_choice": "",
        "role": "Innovation lead",
        "twitter": "@asha",
        "consent": "on",
        "website": "",
        "token": new_token(),
        "innovations-TOTAL_FORMS": str(len(innovations) if total is None else total),
        "innovations-INITIAL_FORMS": "0",
        "innovations-MIN_NUM_FORMS": "1",
        "innovations-MAX_NUM_FORMS": "20",
    }
    for index, fields_ in enumerate(innovations):
        for name, value in fields_.items():
            data[f"innovations-{index}-{name}"] = value
    data.update(fields)
    return data
