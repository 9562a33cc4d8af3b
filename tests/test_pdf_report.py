"""The magazine-ready PDF: read back with pypdf for page numbers, "(continued)", "Provisional"."""

import hashlib
import io
import re
from datetime import timedelta

import pypdf
import pytest
from django.utils import timezone

from campaign.models import Edition
from innovations.services import edition_publish

from .factories import make_campaign, make_innovation, make_organisation, make_submission

pytestmark = pytest.mark.django_db


def pages(pdf_bytes):
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def open_campaign():
    campaign = make_campaign(title="Housing ideas week")
    big = make_organisation(name="Bromford")
    submission = make_submission(campaign=campaign, organisation=big)
    for n in range(30):  # more than a page: Bromford continues on the next pages
        make_innovation(
            submission=submission,
            title=f"Bromford idea {n:02d}",
            description="A paragraph about what it changed for residents. " * 6,
            status="approved",
        )
    for name in ["Zebra Homes", "Acorn Housing"]:
        make_innovation(
            campaign=campaign,
            organisation=make_organisation(name=name),
            title=f"{name} idea",
            status="approved",
        )
    make_innovation(campaign=campaign, title="Still pending", status="pending")
    return campaign


def test_staff_get_the_pdf_with_page_numbers_continued_names_and_provisional(
    admin_client, open_campaign
):
    response = admin_client.get(f"/campaigns/{open_campaign.slug}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pages(response.content)
    total = len(text)
    assert total >= 5
    for number, page in enumerate(text, start=1):
        assert f"Page {number} of {total}" in page
        assert "PROVISIONAL: HOUSING IDEAS WEEK IS STILL OPEN" in page.upper()
        if number > 1:
            assert "Housing ideas week" in page  # the running header
    assert (
        "Housing ideas week" in text[0] and "innovations published from 3 organisations" in text[0]
    )
    assert "Innovations by theme" in text[1] and "By kind of organisation" in text[1]
    assert "No innovations picked up by other organisations yet" in text[1]  # the spread
    continued = [n for n, page in enumerate(text, start=1) if "Bromford (continued)" in page]
    assert continued and min(continued) > 3
    # Acorn, Bromford, Zebra: the public list's order, A to Z; pending ones left out.
    whole = "\n".join(text)
    assert whole.index("Acorn Housing idea") < whole.index("Bromford idea 00")
    assert whole.index("Bromford idea 29") < whole.index("Zebra Homes idea")
    assert "Still pending" not in whole
    first_bromford = next(n for n, page in enumerate(text) if "Bromford idea 00" in page)
    assert "Bromford (continued)" not in text[first_bromford]  # where it begins


def test_a_closed_campaign_s_pdf_is_not_provisional(admin_client):
    campaign = make_campaign(opens_at=timezone.now() - timedelta(hours=200))
    make_innovation(campaign=campaign, status="approved")
    text = pages(admin_client.get(f"/campaigns/{campaign.slug}/report.pdf").content)
    assert not any("provisional" in page.lower() for page in text)


def test_the_current_pdf_is_for_staff_only(client, open_campaign):
    response = client.get(f"/campaigns/{open_campaign.slug}/report.pdf")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_edition_is_stored_once_and_a_later_one_lists_what_changed(
    client, admin_client, open_campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/campaign/campaign/{open_campaign.pk}/publish-edition/"
        )
    assert response.status_code == 302
    first = Edition.objects.get()
    assert first.number == 1 and first.provisional
    url = f"/campaigns/{open_campaign.slug}/editions/1.pdf"
    assert first.get_absolute_url() == url
    assert re.fullmatch(
        rf"editions/{open_campaign.slug}/{open_campaign.slug}-edition-1-\d{{4}}-\d\d-\d\d\.pdf",
        first.file.name,
    )
    one = b"".join(client.get(url).streaming_content)
    assert client.get(url)["Cache-Control"] == "public, max-age=31536000, immutable"
    page = client.get(open_campaign.get_absolute_url()).content.decode()
    assert f'<a href="{url}">Edition 1, ' in page

    added = make_innovation(campaign=open_campaign, title="A late one", status="approved")
    gone = open_campaign.innovations.get(title="Zebra Homes idea")
    gone.status = "rejected"
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        second = edition_publish(campaign=open_campaign)
    assert second.number == 2
    assert second.changes.splitlines() == [
        f"Added: A late one ({added.organisation.name})",
        "Taken off: Zebra Homes idea (Zebra Homes)",
    ]
    two = b"".join(client.get(second.get_absolute_url()).streaming_content)
    assert "What changed since the edition before" in "\n".join(pages(two))
    assert "Added: A late one" in "\n".join(pages(two))
    # The first edition is where it was, byte for byte.
    again = b"".join(client.get(url).streaming_content)
    assert hashlib.sha256(again).digest() == hashlib.sha256(one).digest()
    page = client.get(open_campaign.get_absolute_url()).content.decode()
    assert "Edition 1, " in page and "Edition 2, " in page


def test_pictures_are_in_the_pdf(admin_client):
    from PIL import Image

    from innovations.pictures import picture_store

    campaign = make_campaign()
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 80, 40)).save(out, "JPEG")
    picture = picture_store(out.getvalue())
    make_innovation(
        campaign=campaign,
        status="approved",
        image_key=picture.key,
        image_widths=list(picture.widths),
        image_height=picture.height,
        image_alt="An orange square",
    )
    pdf = pypdf.PdfReader(
        io.BytesIO(admin_client.get(f"/campaigns/{campaign.slug}/report.pdf").content)
    )
    images = [image for page in pdf.pages for image in page.images]
    assert images and {image.image.width for image in images} == {960}  # the 960 px copy


def test_the_pdf_summary_gives_the_spread(admin_client, open_campaign):
    from innovations.models import Innovation, Response

    innovation = Innovation.objects.get(title="Zebra Homes idea")
    for n, name in enumerate(["Orbit Group", "Bolton at Home"]):
        Response.objects.create(
            innovation=innovation,
            kind="does_too",
            organisation=make_organisation(name=name),
            organisation_name=name,
            name="x",
            email=f"x{n}@example.org",
            consented_at=timezone.now(),
            confirmed_at=timezone.now(),
        )
    text = pages(admin_client.get(f"/campaigns/{open_campaign.slug}/report.pdf").content)
    summary = re.sub(r"\s+", " ", text[1])
    assert "1 innovation picked up by 2 other organisations" in summary
