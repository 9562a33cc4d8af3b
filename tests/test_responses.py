""" "We do this too" / "We'd like to try this": confirmation, counting once, spread, abuse."""

import html
import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from campaign import sitesettings
from innovations.models import Innovation, Response
from innovations.services import RESPONSE_SALT, response_token
from organisations.models import Organisation, OrganisationAlias
from tests.factories import make_campaign, make_innovation, make_organisation, make_user
from tests.jobs import run_jobs
from tests.public_data import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def innovation():
    campaign = make_campaign(title="140 in 140", slug="one-forty")
    bromford = make_organisation(name="Bromford")
    return make_innovation(
        campaign=campaign,
        organisation=bromford,
        title="Online skills assessment",
        status="approved",
    )


@pytest.fixture
def orbit():
    org = make_organisation(name="Orbit Group")
    OrganisationAlias.objects.create(organisation=org, name="OrbitGroup")
    return org


def respond_url(innovation):
    return reverse(
        "innovations:respond", kwargs={"slug": innovation.campaign.slug, "pk": innovation.pk}
    )


def form(**overrides):
    data = {
        "kind": "wants_to_try",
        "name": "Sam Jones",
        "email": "sam@orbit.example",
        "organisation": "OrbitGroup",
        "note": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def respond(client, innovation, capture, **overrides):
    """Send the form, then run the jobs it queued (the confirmation email), as the worker would."""
    with capture(execute=True):
        response = client.post(respond_url(innovation), form(**overrides))
    run_jobs()
    return response


def confirm_link(message):
    return re.search(r"https?://\S+/responses/confirm/\S+/", message.body).group(0)


def path_of(link):
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def confirm(client, link, capture):
    path = path_of(link)
    assert client.get(path).status_code == 200
    with capture(execute=True):
        response = client.post(path)
    run_jobs()
    return response


def test_the_innovation_page_links_to_the_forms_and_holds_no_form_or_token(client, innovation):
    response = client.get(innovation.get_absolute_url())
    page = response.content.decode()
    assert "csrfmiddlewaretoken" not in page and "<form" not in page
    assert f"{respond_url(innovation)}?kind=does_too" in page
    assert f"{respond_url(innovation)}?kind=wants_to_try" in page
    assert "Ask the innovator" in page
    assert response["Cache-Control"].startswith("public")


def test_the_form_page_is_never_cached_and_preselects_the_kind(client, innovation):
    response = client.get(respond_url(innovation) + "?kind=does_too")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert 'value="does_too" class="form-check-input" id="id_kind_0" required checked' in (
        response.content.decode()
    )


def test_a_response_counts_only_once_confirmed_from_the_email(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    response = respond(client, innovation, django_capture_on_commit_callbacks)
    assert response.status_code == 303
    assert "Check your email" in client.get(response["Location"]).content.decode()
    saved = Response.objects.get()
    assert saved.organisation == orbit and saved.confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@orbit.example"]
    page = client.get(innovation.get_absolute_url()).content.decode()
    assert "Orbit Group" not in page and "want to try it" not in page

    done = confirm(client, confirm_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    assert done.status_code == 303
    assert "Confirmed" in client.get(done["Location"]).content.decode()
    page = client.get(innovation.get_absolute_url()).content.decode()
    assert "1 wants to try it" in page and "Orbit Group" in page
    campaign_page = client.get(url("detail", innovation.campaign)).content.decode()
    assert "1 innovation picked up by 1 other organisation" in campaign_page


def test_a_confirmation_link_used_twice_counts_once(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    respond(client, innovation, django_capture_on_commit_callbacks)
    link = confirm_link(mail.outbox[0])
    confirm(client, link, django_capture_on_commit_callbacks)
    first = Response.objects.get().confirmed_at
    again = confirm(client, link, django_capture_on_commit_callbacks)
    assert again.status_code == 303
    assert Response.objects.get().confirmed_at == first
    assert "Confirmed" in client.get(path_of(link)).content.decode()


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.dumps(1, salt="another-salt"),
        signing.dumps("1", salt=RESPONSE_SALT),
    ],
)
def test_a_forged_confirmation_link_is_refused_without_an_error(client, innovation, token):
    response = client.get(reverse("innovations:response_confirm", kwargs={"token": token}))
    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    assert (
        client.post(reverse("innovations:response_confirm", kwargs={"token": token})).status_code
        == 400
    )


def test_an_altered_link_cannot_confirm_another_response(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    respond(client, innovation, django_capture_on_commit_callbacks)
    token = response_token(Response.objects.get())
    forged = token.replace(token.split(":")[0], signing.b64_encode(b"2").decode(), 1)
    response = client.post(reverse("innovations:response_confirm", kwargs={"token": forged}))
    assert response.status_code == 400
    assert Response.objects.get().confirmed_at is None


def test_an_expired_link_says_so(client, innovation, orbit, django_capture_on_commit_callbacks):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    respond(client, innovation, django_capture_on_commit_callbacks)
    path = path_of(confirm_link(mail.outbox[0]))
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.post(path)
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert Response.objects.get().confirmed_at is None


def test_the_same_person_sending_twice_has_one_response_and_confirming_twice_counts_once(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    respond(client, innovation, django_capture_on_commit_callbacks)
    respond(client, innovation, django_capture_on_commit_callbacks, email="SAM@orbit.example")
    assert Response.objects.count() == 1 and len(mail.outbox) == 2
    confirm(client, confirm_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    confirm(client, confirm_link(mail.outbox[1]), django_capture_on_commit_callbacks)
    again = respond(client, innovation, django_capture_on_commit_callbacks)
    assert again["Location"].endswith("?already=1")
    assert len(mail.outbox) == 2  # nothing more to confirm
    assert Response.objects.count() == 1


def test_one_organisation_counts_once_however_many_of_its_staff_respond(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    for n in range(3):
        respond(client, innovation, django_capture_on_commit_callbacks, email=f"p{n}@orbit.example")
    for message in mail.outbox:
        confirm(client, confirm_link(message), django_capture_on_commit_callbacks)
    assert Response.objects.confirmed().count() == 3
    page = client.get(innovation.get_absolute_url()).content.decode()
    assert "1 wants to try it" in page and page.count(">Orbit Group</a>") == 1
    respond(client, innovation, django_capture_on_commit_callbacks, kind="does_too")
    confirm(client, confirm_link(mail.outbox[-1]), django_capture_on_commit_callbacks)
    page = client.get(innovation.get_absolute_url()).content.decode()
    assert "Also done at 1 organisation · 1 wants to try it" in page


def test_an_organisation_cannot_respond_to_its_own_innovation(
    client, innovation, django_capture_on_commit_callbacks
):
    OrganisationAlias.objects.create(organisation=innovation.organisation, name="Bromford Group")
    response = respond(
        client, innovation, django_capture_on_commit_callbacks, organisation="bromford group"
    )
    assert response.status_code == 400
    assert "Bromford shared this innovation, so it cannot respond to it" in (
        response.content.decode()
    )
    assert not Response.objects.exists() and not mail.outbox


def test_did_you_mean_asks_before_using_a_near_miss(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    response = respond(
        client, innovation, django_capture_on_commit_callbacks, organisation="Orbt Group"
    )
    assert response.status_code == 200
    assert "Did you mean Orbit Group?" in response.content.decode()
    assert not Response.objects.exists()
    respond(
        client,
        innovation,
        django_capture_on_commit_callbacks,
        organisation="Orbt Group",
        organisation_choice=str(orbit.pk),
    )
    assert Response.objects.get().organisation == orbit


def test_a_new_organisation_is_created_only_on_confirmation(
    client, innovation, django_capture_on_commit_callbacks
):
    respond(client, innovation, django_capture_on_commit_callbacks, organisation="Zeta Homes")
    assert not Organisation.objects.filter(name="Zeta Homes").exists()
    confirm(client, confirm_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    assert Response.objects.get().organisation.name == "Zeta Homes"


def test_a_note_shows_only_after_an_organiser_approves_it(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    respond(
        client, innovation, django_capture_on_commit_callbacks, note="We run it with two staff."
    )
    confirm(client, confirm_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    assert "two staff" not in client.get(innovation.get_absolute_url()).content.decode()
    organiser = make_user(staff=True, groups=["Moderator"])
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:innovations_response_changelist"),
            {"action": "approve_notes", "_selected_action": [Response.objects.get().pk]},
        )
    client.logout()
    assert Response.objects.get().note_status == "approved"
    assert "We run it with two staff." in client.get(innovation.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "note",
    [
        "See https://a.example and https://b.example and https://c.example",
        "www.a.biz www.b.biz www.c.biz cheap",
        "x" * 501,
    ],
)
def test_a_link_stuffed_or_long_note_is_refused(
    client, innovation, orbit, django_capture_on_commit_callbacks, note
):
    response = respond(client, innovation, django_capture_on_commit_callbacks, note=note)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "at most 2 web addresses" in page or "500 characters or fewer" in page
    assert not Response.objects.exists()


def test_two_links_are_fine(client, innovation, orbit, django_capture_on_commit_callbacks):
    note = "Details at https://orbit.example/a and https://orbit.example/b"
    assert (
        respond(client, innovation, django_capture_on_commit_callbacks, note=note).status_code
        == 303
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "", "Choose “We do this too” or “We'd like to try this”"),
        ("kind", "hates_it", "Choose “We do this too”"),
        ("email", "not-an-email", "Enter an email address in the right format"),
        ("organisation", "  ", "Enter the name of your organisation"),
        ("consent", "", "Tick the box"),
    ],
)
def test_bad_input_gets_a_clear_message(
    client, innovation, django_capture_on_commit_callbacks, field, value, message
):
    response = respond(client, innovation, django_capture_on_commit_callbacks, **{field: value})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_a_bot_filling_the_honeypot_saves_nothing(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    response = respond(
        client, innovation, django_capture_on_commit_callbacks, website="http://spam"
    )
    assert response.status_code == 303
    assert not Response.objects.exists() and not mail.outbox


def test_a_flood_of_responses_from_one_address_is_slowed(
    client, innovation, orbit, settings, django_capture_on_commit_callbacks
):
    settings.RESPONSE_RATE_LIMIT = "3/3600"
    codes = [
        respond(
            client, innovation, django_capture_on_commit_callbacks, email=f"p{n}@orbit.example"
        ).status_code
        for n in range(5)
    ]
    assert codes == [303, 303, 303, 429, 429]
    assert Response.objects.count() == 3


def test_unpublished_innovations_cannot_be_responded_to(client):
    pending = make_innovation(status=Innovation.Status.PENDING)
    assert client.get(respond_url(pending)).status_code == 404
    assert client.post(respond_url(pending), form()).status_code == 404


def test_the_organisation_page_shows_what_it_also_does_and_wants_to_try(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    respond(client, innovation, django_capture_on_commit_callbacks)
    confirm(client, confirm_link(mail.outbox[0]), django_capture_on_commit_callbacks)
    page = client.get(orbit.get_absolute_url()).content.decode()
    assert "Wants to try" in page and "Online skills assessment" in page


def test_exports_count_the_organisations_per_innovation(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    import json

    respond(client, innovation, django_capture_on_commit_callbacks)
    respond(client, innovation, django_capture_on_commit_callbacks, kind="does_too")
    for message in mail.outbox:
        confirm(client, confirm_link(message), django_capture_on_commit_callbacks)
    data = json.loads(
        b"".join(client.get(url("export_json", innovation.campaign)).streaming_content)
    )
    item = data["innovations"][0]
    assert (item["also_done_at"], item["want_to_try"]) == (1, 1)
    csv_text = b"".join(client.get(url("export_csv", innovation.campaign)).streaming_content)
    assert csv_text.decode("utf-8-sig").splitlines()[1].endswith(",1,1")


def test_spread_counts_innovations_and_other_organisations_once(
    client, innovation, orbit, django_capture_on_commit_callbacks
):
    from innovations.reach import campaign_spread

    other = make_innovation(campaign=innovation.campaign, status="approved")
    for target in (innovation, other):
        for kind in ("does_too", "wants_to_try"):
            respond(client, target, django_capture_on_commit_callbacks, kind=kind)
    for message in mail.outbox:
        confirm(client, confirm_link(message), django_capture_on_commit_callbacks)
    spread = campaign_spread(innovation.campaign)
    assert (spread.innovations, spread.organisations, spread.doing, spread.trying) == (2, 1, 1, 1)
    assert spread.sentence() == "2 innovations picked up by 1 other organisation"


@pytest.mark.parametrize("size", [2, 60])
def test_pages_showing_spread_run_constant_queries(
    client, innovation, django_assert_max_num_queries, size
):
    from django.utils import timezone

    orgs = [make_organisation() for _ in range(size)]
    Response.objects.bulk_create(
        Response(
            innovation=innovation,
            kind="does_too" if n % 2 else "wants_to_try",
            organisation=org,
            organisation_name=org.name,
            name="x",
            email=f"x{n}@example.org",
            consented_at=timezone.now(),
            confirmed_at=timezone.now(),
        )
        for n, org in enumerate(orgs)
    )
    sitesettings.current()  # the site's own words: read once per cache lifetime, not per page
    with django_assert_max_num_queries(4):
        page = client.get(innovation.get_absolute_url()).content.decode()
    assert f"Also done at {size // 2} organisation" in page
    with django_assert_max_num_queries(4):
        client.get(url("detail", innovation.campaign))
    with django_assert_max_num_queries(4):
        client.get(orgs[0].get_absolute_url())
