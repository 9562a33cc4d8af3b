"""A picture with an innovation: checked by decoding it, re-encoded, stored in a few widths.

A file is a picture only if Pillow decodes it as JPEG, PNG or WebP: its name and the
content type the browser sent are not trusted. It is then re-encoded as JPEG, which
leaves behind every EXIF tag (camera, time, GPS position) and anything hidden after
the image data, in up to three widths for `srcset` (the largest at most 2,000 px).
Files go through Django's storage API (`default_storage`): the filesystem under
MEDIA_ROOT by default, an S3-compatible bucket when configured (see settings).
"""

import contextlib
import io
import uuid
import warnings
from dataclasses import dataclass

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# 40 million pixels (e.g. 8,000 x 5,000): more than any phone camera, far less than a
# "decompression bomb" (a small file that decodes to gigabytes of memory).
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}
WIDTHS = (480, 960, 2000)
QUALITY = 82
FOLDER = "pictures"
TOKEN_SALT = "innovations.picture"  # noqa: S105 - a signing salt, not a secret


class PictureError(ValueError):
    """The file is not a picture we take; the message says why, for the form."""


@dataclass(frozen=True)
class Picture:
    """A stored picture: files `<key>-<width>.jpg` for each of `widths`, largest last."""

    key: str
    widths: tuple
    height: int  # of the largest width

    def name(self, width):
        return f"{self.key}-{width}.jpg"

    def names(self):
        return [self.name(width) for width in self.widths]

    @property
    def thumbnail_url(self):
        return default_storage.url(self.name(self.widths[0]))

    def token(self):
        """A signed note of this picture, for a hidden field when the form comes back."""
        return signing.dumps([self.key, list(self.widths), self.height], salt=TOKEN_SALT)


def from_token(value):
    """The picture a hidden field's token names, if it is genuine and its files exist."""
    try:
        key, widths, height = signing.loads(value or "", salt=TOKEN_SALT, max_age=24 * 60 * 60)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    picture = Picture(key=key, widths=tuple(widths), height=height)
    try:
        if not default_storage.exists(picture.name(picture.widths[-1])):
            return None
    except Exception:
        return None
    return picture


def _decode(data):
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, past its own limit: both are a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise PictureError("is not a JPEG, PNG or WebP picture")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PictureError(
                    f"is {width:,} by {height:,} pixels: choose one of at most "
                    f"{MAX_PIXELS // 1_000_000} million pixels"
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PictureError(
            f"has too many pixels: choose one of at most {MAX_PIXELS // 1_000_000} million pixels"
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, PictureError):
            raise
        raise PictureError("is not a JPEG, PNG or WebP picture, or it is damaged") from error
    return image


def _flatten(image):
    """Upright (by its EXIF orientation) RGB on white: JPEG has no transparency."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def widths_for(original_width):
    """The widths to store: each of WIDTHS smaller than the original, and the original
    itself (at most the largest)."""
    largest = min(original_width, WIDTHS[-1])
    return tuple(sorted({w for w in WIDTHS if w < largest} | {largest}))


def read_upload(uploaded):
    """The uploaded file's bytes, refusing before reading more than MAX_BYTES."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise PictureError(
            f"is {size / 1024 / 1024:.1f} MB: choose one of {MAX_BYTES // 1024 // 1024} MB or less"
        )
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PictureError(f"is larger than {MAX_BYTES // 1024 // 1024} MB: choose a smaller one")
    if not data:
        raise PictureError("is empty")
    return data


def picture_store(data):
    """Decode, re-encode and store `data`; the stored Picture, or PictureError."""
    image = _flatten(_decode(data))
    key = f"{FOLDER}/{uuid.uuid4().hex}"
    stored, height = [], 0
    try:
        for width in widths_for(image.width):
            height = max(1, round(image.height * width / image.width))
            resized = (
                image if width == image.width else image.resize((width, height), Image.LANCZOS)
            )
            out = io.BytesIO()
            resized.save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
            name = f"{key}-{width}.jpg"
            saved = default_storage.save(name, ContentFile(out.getvalue()))
            stored.append(saved)
            if saved != name:  # the storage renamed it: our names would not find it
                raise OSError(f"storage saved {name} as {saved}")
    except Exception:
        picture_files_delete(stored)
        raise
    return Picture(key=key, widths=widths_for(image.width), height=height)


def picture_files_delete(names):
    """Delete stored files; a file already gone is not an error."""
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            default_storage.delete(name)


def picture_delete_on_commit(sender, instance, **kwargs):
    """post_delete receiver: remove the innovation's picture files once the delete commits."""
    if not instance.image_key:
        return
    names = [f"{instance.image_key}-{width}.jpg" for width in instance.image_widths or []]
    transaction.on_commit(lambda: picture_files_delete(names), robust=True)


def url(picture_key, width):
    return default_storage.url(f"{picture_key}-{width}.jpg")
