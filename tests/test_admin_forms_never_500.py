"""Every admin add and change form, posted as rendered or with any one field blank, answers
a page (saved, or the form with its errors), never a 500; and no list filter or search
with a NUL character is a 500 either."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User

from campaign.models import SiteSettings
from organisations.models import OrganisationAlias
from tests.factories import make_innovation
from tests.html_forms import as_post, read_form

pytestmark = pytest.mark.django_db

# Management-form counts are not fields a person fills in; blanking them is covered by
# Django's own "ManagementForm data is missing" handling, which we test once below.
MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def _label(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


REGISTERED = sorted(admin.site._registry, key=_label)


@pytest.fixture
def rows(admin_user):
    innovation = make_innovation()
    OrganisationAlias.objects.create(organisation=innovation.organisation, name="An alias")
    Group.objects.get_or_create(name="Editors")
    SiteSettings.objects.create()  # the one record (admin opens it from its list)
    User.objects.create_user("someone", "someone@example.org", "pw")
    try:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessAttempt.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="ua", failures_since_start=1
        )
        AccessLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="ua")
        AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", user_agent="ua")
    except ImportError:  # pragma: no cover
        pass
    # Issue 14: an email, an organiser's alert choice and a background job.
    from innovations.emails import send_email
    from innovations.models import AlertPreference, Email

    email = Email.objects.create(
        kind="receipt", submission=innovation.submission, to="a@example.org", subject="Thanks"
    )
    AlertPreference.objects.create(user=admin_user, frequency="hourly")
    send_email.enqueue(email.pk)
    # Issue 16: a register import, a response and a question.
    from django.utils import timezone

    from innovations.models import Question, Response
    from organisations.models import Organisation, RegisterImport

    RegisterImport.objects.create(file_name="register.csv", rows=1)
    other = Organisation.objects.create(name="Orbit Group")
    Response.objects.create(
        innovation=innovation,
        kind="does_too",
        organisation=other,
        organisation_name=other.name,
        name="Sam",
        email="sam@example.org",
        note="We run it too.",
        note_status="pending",
        consented_at=timezone.now(),
    )
    Question.objects.create(innovation=innovation, asker_key="0" * 64)
    return innovation


def _post_variants(fields, names):
    """As rendered, then each named control blank (or absent, for boxes and lists)."""
    yield "as rendered", fields
    for name in dict.fromkeys(names):
        if name.endswith(MANAGEMENT) or name == "csrfmiddlewaretoken":
            continue
        if not any(n == name for n, _v in fields):
            continue  # an unchecked box is already "blank" as rendered
        blanked = [(n, "" if n == name else v) for n, v in fields]
        yield f"{name} blank", blanked


def _form(client, url, model):
    response = client.get(url)
    assert response.status_code < 500, url
    if response.status_code != 200:
        return None  # no permission for this (e.g. read-only logs): nothing to post
    return read_form(response.content.decode(), form_id=f"{model._meta.model_name}_form")


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_admin_add_and_change_forms_never_answer_500(admin_client, rows, model):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    add_url = base + "add/"
    existing = model._default_manager.order_by("pk").first()
    change_url = f"{base}{existing.pk}/change/"
    changing = _form(admin_client, change_url, model)
    adding = _form(admin_client, add_url, model)
    attempts = []
    if changing is not None:
        attempts += [(change_url, what, data) for what, data in _post_variants(*changing)]
    if adding is not None:
        attempts += [(add_url, what, data) for what, data in _post_variants(*adding)]
        if changing is not None:
            # A complete add: everything an existing row shows, typed into the add form.
            filled = [(n, v) for n, v in changing[0] if n in set(adding[1])]
            attempts += [
                (add_url, f"filled, {what}", data)
                for what, data in _post_variants(filled, [n for n, _v in filled])
            ]
    for url, what, data in attempts:
        posted = admin_client.post(url, as_post(data))
        assert posted.status_code < 500, (url, what, posted.status_code)
