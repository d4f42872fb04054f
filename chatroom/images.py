"""
Uploaded images: bounded, decoded, re-encoded by the server, stored under
server-chosen names, and removed with what they belong to.

A small file can declare an enormous image (a 169 KB PNG of 179 megapixels):
every browser that shows it decodes all of it. So an upload is judged by the
dimensions its header declares before anything is decoded (image_open), then
its first frame is decoded and encoded anew (image_reencode): EXIF
orientation applied, shrunk to the size it is shown at, without metadata
(EXIF, GPS, ICC, text). Only that new file is stored. Avatars use both steps
(avatar_clean); attachments will reuse them with their own bounds.
"""

import io
import logging
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# What uploads may be, as Pillow names the formats; nothing else is even parsed.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
# Format stored -> the extension the file is stored (and so served) with.
AVATAR_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
# Format uploaded -> format stored: photos stay lossy, the rest becomes a static PNG (a GIF's first frame).
REENCODED_AS = {"JPEG": "JPEG", "WEBP": "WEBP", "PNG": "PNG", "GIF": "PNG"}
INVALID = _("Upload a valid image (PNG, JPEG, GIF or WebP).")


def image_open(upload, *, max_side: int, max_pixels: int) -> Image.Image:
    """
    Open an upload as one of IMAGE_FORMATS, reading only its header; refuse it
    (ValidationError) unless it declares at most `max_side` pixels a side and
    `max_pixels` in all. Pillow's own decompression-bomb alarms are refusals too.
    """
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=IMAGE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_too_large(max_side, max_pixels)) from None
    except Exception as exc:  # Pillow raises many types for broken or hostile files.
        raise ValidationError(INVALID) from exc
    width, height = image.size
    if width > max_side or height > max_side or width * height > max_pixels:
        raise ValidationError(_too_large(max_side, max_pixels))
    return image


def image_reencode(image: Image.Image, *, longest_side: int | None = None) -> ContentFile:
    """
    Decode the image's first frame and encode it anew, shrunk to fit
    `longest_side` (if given) with EXIF orientation applied and no metadata.
    A file that does not decode completely is refused (ValidationError).
    """
    output_format = REENCODED_AS[image.format]
    try:
        if longest_side is not None:
            image.draft("RGB", (longest_side, longest_side))  # JPEG: decode at a reduced scale, if that suffices
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _for_format(image, output_format)
        if longest_side is not None:
            image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        image.info = {}  # nothing of the original's metadata goes along
        buffer = io.BytesIO()
        options = {"quality": 85} if output_format in ("JPEG", "WEBP") else {"optimize": True}
        image.save(buffer, output_format, **options)
    except Exception as exc:  # truncated or corrupt data surfaces while decoding
        raise ValidationError(INVALID) from exc
    return ContentFile(buffer.getvalue(), name=f"image.{AVATAR_FORMATS[output_format]}")


def _for_format(image: Image.Image, output_format: str) -> Image.Image:
    """The image in a mode the output format stores, keeping transparency where it can."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if output_format == "JPEG":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if has_alpha:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode in ("L", "RGB") else image.convert("RGB")


def _too_large(max_side: int, max_pixels: int) -> str:
    return _("The image is too large: at most %(side)d by %(side)d pixels and %(megapixels)s megapixels.") % {
        "side": max_side,
        "megapixels": f"{max_pixels / 1e6:g}",
    }


def avatar_clean(upload) -> ContentFile:
    """
    Return the avatar to store: the upload within CHAT_AVATAR_MAX_BYTES and
    CHAT_AVATAR_MAX_SIDE / CHAT_AVATAR_MAX_PIXELS, re-encoded to at most
    CHAT_AVATAR_SIZE pixels a side; named after its format.
    """
    if upload.size > settings.CHAT_AVATAR_MAX_BYTES:
        raise ValidationError(
            _("The image is larger than %(kib)d KiB.") % {"kib": settings.CHAT_AVATAR_MAX_BYTES // 1024}
        )
    image = image_open(upload, max_side=settings.CHAT_AVATAR_MAX_SIDE, max_pixels=settings.CHAT_AVATAR_MAX_PIXELS)
    with image:
        avatar = image_reencode(image, longest_side=settings.CHAT_AVATAR_SIZE)
    avatar.name = f"avatar.{avatar.name.rsplit('.', 1)[-1]}"
    return avatar


# The first bytes of each of IMAGE_FORMATS: an upload that starts so is judged as an image.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def looks_like_image(upload) -> bool:
    """
    Whether the upload's first bytes are those of PNG, JPEG, GIF or WebP. Its name and the
    content type its sender claims count for nothing: an HTML page called photo.png is not.
    """
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@dataclass(frozen=True)
class CleanImage:
    """An image as stored: re-encoded without metadata, upright, and its thumbnail."""

    file: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    format: str  # as Pillow names it: PNG, JPEG or WEBP (a GIF is stored as a PNG of its first frame)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return AVATAR_FORMATS[self.format]


def attachment_image_clean(upload, *, max_side: int, max_pixels: int, thumbnail_side: int) -> CleanImage:
    """
    An image attachment to store: judged by its header (at most `max_side` a side and
    `max_pixels` in all, before anything is decoded), then decoded and encoded anew at
    full size with its orientation applied and without metadata (EXIF, GPS), and a
    thumbnail at most `thumbnail_side` on its longer side made from that new file.
    ValidationError for anything that does not decode or is too large.
    """
    with image_open(upload, max_side=max_side, max_pixels=max_pixels) as image:
        full = image_reencode(image)
    with Image.open(full, formats=IMAGE_FORMATS) as clean:
        width, height, output_format = clean.width, clean.height, clean.format
        thumbnail = image_reencode(clean, longest_side=thumbnail_side)
    full.seek(0)
    return CleanImage(full, thumbnail, width, height, output_format)


def file_delete_on_commit(file: FieldFile | None) -> None:
    """
    Remove a stored file once the current transaction commits (at once outside
    one): the file a row no longer points to, or of a row that is gone. After
    commit, so that a rolled-back change still finds its file.
    """
    if not file:
        return
    storage, name = file.storage, file.name

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name, exc_info=True)

    transaction.on_commit(delete, robust=True)


@deconstructible
class AvatarPath:
    """Name a stored avatar by a random id and its verified format, never by the client's file name."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = filename.rsplit(".", 1)[-1].lower()
        if extension not in AVATAR_FORMATS.values():
            extension = "img"
        return f"{self.folder}/{uuid.uuid4().hex}.{extension}"

    def __eq__(self, other):
        return isinstance(other, AvatarPath) and other.folder == self.folder
