"""A picture with an innovation: decoded (not trusted by name), re-encoded, kept on an error."""

import io
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from innovations import pictures
from innovations.models import Innovation
from innovations.moderation import innovation_moderate

from .factories import make_campaign, make_organisation
from .submitting import innovation, payload, submit_url

pytestmark = pytest.mark.django_db

GPS_LATITUDE = 2  # EXIF GPSInfo tags
GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def campaign():
    make_organisation(name="Bromford")
    return make_campaign()


def jpeg_with_gps(width=2400, height=1600):
    image = Image.new("RGB", (width, height), (40, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 9"  # Model
    exif.get_ifd(GPS_IFD).update({1: "N", GPS_LATITUDE: (52.0, 28.0, 59.0), 3: "W"})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def send(client, campaign, data, *, alt="Residents planting a raised bed", **extra):
    post = payload(innovation(1, image_alt=alt), **extra)
    post["innovations-0-image"] = upload(data) if isinstance(data, bytes) else data
    return client.post(submit_url(campaign), post)


def test_a_photo_is_stored_in_widths_for_srcset_without_its_exif_or_location(client, campaign):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test has GPS
    response = send(client, campaign, original)
    assert response.status_code == 303
    saved = Innovation.objects.get()
    assert saved.image_widths == [480, 960, 2000]
    assert saved.image_alt == "Residents planting a raised bed"
    for width in saved.image_widths:
        with default_storage.open(f"{saved.image_key}-{width}.jpg") as stored:
            data = stored.read()
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.width == width
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD) and 0x010F not in exif and 0x0110 not in exif
        assert b"PhoneMaker" not in data and b"Exif" not in data
    assert saved.image_height == 1333  # 2000 wide keeps the 3:2 shape


def test_an_image_bomb_is_refused_with_a_clear_error_and_nothing_is_saved(client, campaign):
    # A small file that decodes to 100 million pixels.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG", optimize=True)
    assert len(bomb.getvalue()) < 100_000
    response = send(client, campaign, bomb.getvalue(), alt="x")
    assert response.status_code == 400
    assert (
        "The picture for innovation 1 has too many pixels: choose one of at most 40 million"
    ) in response.content.decode()
    assert "Your picture was not kept" in response.content.decode()
    assert not Innovation.objects.exists()
    assert not default_storage.exists("pictures") or not default_storage.listdir("pictures")[1]


def test_a_pdf_renamed_jpg_is_not_a_picture(client, campaign):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    response = send(client, campaign, upload(pdf, "innovation.jpg", "image/jpeg"))
    assert response.status_code == 400
    assert (
        "The picture for innovation 1 is not a JPEG, PNG or WebP picture, or it is damaged. "
        "Nothing was saved: choose another file"
    ) in response.content.decode()
    assert not Innovation.objects.exists()


def test_a_15_mb_photo_is_refused_for_its_size(client, campaign):
    big = b"\xff\xd8\xff\xe0" + b"\0" * (15 * 1024 * 1024)
    response = send(client, campaign, upload(big, "big.jpg"))
    assert response.status_code == 400
    assert "The picture for innovation 1 is 15.0 MB: choose one of 10 MB or less" in (
        response.content.decode()
    )
    assert not Innovation.objects.exists()


def test_a_picture_without_a_description_is_kept_while_the_description_is_asked_for(
    client, campaign
):
    response = send(client, campaign, jpeg_with_gps(800, 600), alt="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Describe the picture for innovation 1, for people who cannot see it" in html
    assert "Your picture is kept:" in html and "you do not need to choose it again" in html
    assert not Innovation.objects.exists()
    # The page carries a signed token for the kept picture; sending it again with a
    # description (and no file) saves the innovation with that picture.
    token = response.context["formset"].forms[0].picture.token()
    assert token in html
    post = payload(innovation(1, image_alt="A damp sensor on a wall", image_token=token))
    assert client.post(submit_url(campaign), post).status_code == 303
    saved = Innovation.objects.get()
    assert saved.image_widths == [480, 800]
    assert default_storage.exists(f"{saved.image_key}-800.jpg")


def test_a_forged_token_keeps_no_picture(client, campaign):
    post = payload(innovation(1, image_alt="x", image_token="pictures/abc:forged"))
    assert client.post(submit_url(campaign), post).status_code == 303
    assert Innovation.objects.get().image_key == ""


def test_deleting_an_innovation_removes_its_files(
    client, campaign, django_capture_on_commit_callbacks
):
    send(client, campaign, jpeg_with_gps(600, 400))
    saved = Innovation.objects.get()
    names = [f"{saved.image_key}-{w}.jpg" for w in saved.image_widths]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        saved.submission.delete()  # a cascade, which calls no Innovation.delete()
    assert not any(default_storage.exists(name) for name in names)


def test_png_with_transparency_and_webp_are_taken(client, campaign):
    png = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(png, "PNG")
    webp = io.BytesIO()
    Image.new("RGB", (300, 200), "red").save(webp, "WEBP")
    for data in (png.getvalue(), webp.getvalue()):
        assert pictures.picture_store(data).widths == (300,)


def test_the_picture_shows_on_the_card_page_and_as_og_image(client, campaign):
    send(client, campaign, jpeg_with_gps(1200, 800))
    saved = Innovation.objects.get()
    # Published as an organiser would: the service keeps the counts the list reads.
    innovation_moderate(
        innovations=Innovation.objects.filter(pk=saved.pk), status="approved", user=None
    )
    page = client.get(saved.get_absolute_url()).content.decode()
    assert (
        f'<meta property="og:image" content="http://127.0.0.1:8000/media/{saved.image_key}-1200.jpg">'
        in page
    )
    assert (
        f'srcset="/media/{saved.image_key}-480.jpg 480w, /media/{saved.image_key}-960.jpg 960w'
        in page
    )
    assert 'alt="Residents planting a raised bed"' in page
    listing = client.get(f"/campaigns/{campaign.slug}/innovations/").content.decode()
    assert f"/media/{saved.image_key}-480.jpg" in listing


def test_a_picture_over_our_limit_but_under_pillows_is_refused_too():
    # 7,000 x 6,000 = 42 million pixels: under Pillow's own bomb limit, over ours.
    data = io.BytesIO()
    Image.new("1", (7_000, 6_000)).save(data, "PNG", optimize=True)
    with pytest.raises(pictures.PictureError, match="is 7,000 by 6,000 pixels"):
        pictures.picture_store(data.getvalue())


def test_the_purge_removes_rejected_innovations_pictures_and_unclaimed_files(
    client, campaign, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    send(client, campaign, jpeg_with_gps(600, 400))
    rejected = Innovation.objects.get()
    rejected.status = "rejected"
    rejected.save()
    kept_for_a_form = pictures.picture_store(jpeg_with_gps(500, 300))  # never sent again
    rejected_files = rejected.picture.names()
    assert all(default_storage.exists(name) for name in rejected_files)
    campaign.opens_at -= timedelta(hours=200)
    campaign.closes_at -= timedelta(hours=200)
    campaign.save()
    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(
            default_storage, "get_modified_time", return_value=timezone.now() - timedelta(days=2)
        ),
    ):
        call_command("purge_personal_data", "--campaign", campaign.slug, stdout=io.StringIO())
    assert not any(default_storage.exists(name) for name in rejected_files)
    assert not any(default_storage.exists(name) for name in kept_for_a_form.names())
    rejected.refresh_from_db()
    assert rejected.image_key == "" and rejected.title  # the innovation itself stays
