"""Characters nobody means to type (C0 controls, U+FFFE/U+FFFF, text direction overrides) are
refused in the form and in admin, and never reach the Atom feed."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from core.text import printable, single_line
from innovations.models import Innovation, Submission
from organisations.models import Organisation
from tests.factories import make_campaign, make_innovation, make_organisation
from tests.html_forms import as_post, read_form
from tests.submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

UNSAFE = ["\x0b", "\x1b[31m", "\x07", "\x7f\x1f", "\uffff", "\ufffe", "\u202e", "\u2066"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("character", UNSAFE, ids=repr)
@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", "Remove the invisible control characters (such as escape codes"),
        ("role", "from your job title"),
        ("organisation", "from the organisation name"),
        ("title", "from the title of innovation 1"),
        ("description", "from the description of innovation 1"),
    ],
)
def test_the_form_refuses_control_characters_in_every_typed_field(
    client, field, message, character
):
    campaign = make_campaign()
    text = f"XT4 ctrl{character}char"
    if field in ("title", "description"):
        data = payload(innovation(1, **{field: text}))
    else:
        data = payload(**{field: text})
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists()
    assert not Innovation.objects.exists()


@pytest.mark.parametrize("field", ["name", "role", "organisation", "title"])
def test_single_line_fields_refuse_line_breaks_with_a_clear_message(client, field):
    campaign = make_campaign()
    text = "Customer Services.\n\nYour account is locked, verify at https://phish.example/login"
    data = payload(innovation(1, title=text)) if field == "title" else payload(**{field: text})
    response = client.post(submit_url(campaign), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "on one line" in page
    assert not Submission.objects.exists()


def test_descriptions_keep_tabs_and_line_breaks(client):
    campaign = make_campaign()
    description = "Line one\r\n\tindented\nline three"
    data = payload(innovation(1, description=description))
    assert client.post(submit_url(campaign), data).status_code == 303
    assert Innovation.objects.get().description.replace("\r\n", "\n") == (
        "Line one\n\tindented\nline three"
    )


def test_the_validator_is_on_the_models_so_every_full_clean_refuses():
    organisation = Organisation(name="Bad\x1bname", kind=Organisation.Kind.OTHER)
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError):
        single_line("two\nlines")
    single_line("one line, with ünïcödé and emoji 🏠")


def test_printable_removes_what_the_validators_refuse():
    assert printable("XT4 ctrl\x0bchar\x1b[31m\uffff\u202e") == "XT4 ctrlchar[31m"
    assert printable("a\tb\nc\r\n") == "a\tb\nc\r\n"
    assert printable("a\tb\nc", multiline=False) == "abc"


# --- admin ---------------------------------------------------------------------------


def _change(admin_client, url, **changes):
    fields, _names = read_form(admin_client.get(url).content.decode())
    data = as_post(fields)
    data.update(changes)
    return admin_client.post(url, data)


def test_admin_refuses_control_characters_in_an_innovation(admin_client):
    item = make_innovation(title="Tenant app")
    url = f"/admin/innovations/innovation/{item.pk}/change/"
    response = _change(admin_client, url, title="Tenant\x1b[31m app")
    assert response.status_code == 200
    assert "Remove the invisible control characters" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Tenant app"


def test_admin_refuses_control_characters_in_an_organisation(admin_client):
    organisation = make_organisation(name="Bromford")
    url = f"/admin/organisations/organisation/{organisation.pk}/change/"
    response = _change(admin_client, url, name="Brom\u202eford")
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.name == "Bromford"


def test_admin_refuses_a_line_break_in_a_submitters_name(admin_client):
    item = make_innovation()
    submission = item.submission
    url = f"/admin/innovations/submission/{submission.pk}/change/"
    response = _change(admin_client, url, name="Asha\nVerify your account")
    assert response.status_code == 200
    assert "Keep this field on one line" in response.content.decode()
    submission.refresh_from_db()
    assert "\n" not in submission.name


# --- the feed ------------------------------------------------------------------------


def test_an_old_approved_row_with_control_characters_does_not_break_the_feed(client):
    campaign = make_campaign()
    # Saved before the validators existed: straight into the database, no full_clean.
    make_innovation(
        campaign=campaign,
        title="XT4 ctrl\x0bchar\x1b[31m",
        description="Bell\x07 and\uffff direction\u202e marks",
        status=Innovation.Status.APPROVED,
    )
    make_innovation(campaign=campaign, title="Nonchar \uffff", status=Innovation.Status.APPROVED)
    response = client.get(f"/campaigns/{campaign.slug}/feed/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed; raises if not well-formed)
    titles = sorted(entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry"))
    assert titles == ["Nonchar ", "XT4 ctrlchar[31m"]
    summaries = [entry.findtext(f"{ATOM}summary") for entry in root.iter(f"{ATOM}entry")]
    assert "Bell and direction marks" in summaries
