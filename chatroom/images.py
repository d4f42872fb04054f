"""Avatar uploads: verified images of bounded size, stored under server-chosen names."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from PIL import Image

# Pillow format -> the extension the file is stored (and so served) with.
AVATAR_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def avatar_clean(upload):
    """
    Return the upload renamed after its verified format; reject anything over
    the size limit or that Pillow cannot verify as one of AVATAR_FORMATS.
    """
    if upload.size > settings.CHAT_AVATAR_MAX_BYTES:
        raise ValidationError(f"The image is larger than {settings.CHAT_AVATAR_MAX_BYTES // 1024} KiB.")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception as exc:  # Pillow raises many types for broken or hostile files.
        raise ValidationError("Upload a valid image (PNG, JPEG, GIF or WebP).") from exc
    finally:
        upload.seek(0)
    if image_format not in AVATAR_FORMATS:
        raise ValidationError("Upload a valid image (PNG, JPEG, GIF or WebP).")
    upload.name = f"avatar.{AVATAR_FORMATS[image_format]}"
    return upload


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
