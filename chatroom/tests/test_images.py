"""Avatar uploads: bombs refused before decoding, the rest re-encoded small, upright and without metadata."""

import io
import logging
import struct
import zlib

import pytest
from django.urls import reverse
from PIL import Image

from accounts.models import User
from rooms.models import Room
from rooms.services import room_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(content: bytes, name: str = "avatar.png") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` pixels, with almost no data behind it: a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    data = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def blank_png(width: int, height: int) -> bytes:
    """A real, complete PNG of that size: one bit a pixel, all zero, so it compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def photo(size=(2000, 1000), orientation: int | None = 6) -> bytes:
    """A JPEG as a phone takes it: EXIF orientation (6: shown turned 90 degrees clockwise), camera and GPS data."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (0, 0, size[0] // 2, size[1]))  # left half blue, to see the rotation
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS IFD: latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def stored(user: User) -> Image.Image:
    user.refresh_from_db()
    with user.avatar.open("rb") as file:
        image = Image.open(io.BytesIO(file.read()))
        image.load()
    return image


@pytest.fixture
def error_logs(caplog):
    caplog.set_level(logging.ERROR)
    return caplog


BOMBS = {
    # The probe's: a 12000 x 8000 image in a small file; Pillow only warns below 179 megapixels.
    "96 megapixels, complete": lambda: blank_png(12000, 8000),
    "one side too long": lambda: blank_png(4097, 8),
    # Beyond Pillow's own limit: must be a 400 like the others, not an error of another kind.
    "10 gigapixels declared": lambda: png_declaring(100_000, 100_000),
    "12000 x 8000 declared": lambda: png_declaring(12_000, 8_000),
}


@pytest.mark.parametrize("bomb", BOMBS.values(), ids=BOMBS.keys())
def test_images_declaring_too_many_pixels_are_refused_everywhere(api, make_user, error_logs, bomb):
    user = make_user()
    room = room_create(owner=user, name="r")
    client = api.as_user(user)
    content = bomb()
    assert len(content) < 200_000  # small files: the size limit is no defence
    answers = [
        client.patch("/api/me/", {"avatar": upload(content)}, format="multipart"),
        client.post("/api/rooms/", {"name": "x", "avatar": upload(content)}, format="multipart"),
        client.patch(f"/api/rooms/{room.id}/", {"avatar": upload(content)}, format="multipart"),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.status_code
        assert "too large" in answer.json()["avatar"][0]
    user.refresh_from_db()
    assert not user.avatar and Room.objects.count() == 1 and not Room.objects.get().avatar
    assert not error_logs.records


def test_the_pixel_bound_is_a_setting(api, make_user, settings):
    client = api.as_user(make_user())
    settings.CHAT_AVATAR_MAX_PIXELS = 1000
    assert client.patch("/api/me/", {"avatar": upload(blank_png(40, 30))}, format="multipart").status_code == 400
    settings.CHAT_AVATAR_MAX_PIXELS = 1200
    assert client.patch("/api/me/", {"avatar": upload(blank_png(40, 30))}, format="multipart").status_code == 200


def test_a_photo_is_stored_small_upright_and_without_its_metadata(api, make_user, settings):
    user = make_user()
    content = photo()
    answer = api.as_user(user).patch("/api/me/", {"avatar": upload(content, "IMG_0001.JPG")}, format="multipart")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["avatar"].endswith(".jpg")
    image = stored(user)
    assert image.format == "JPEG"
    # Turned as the EXIF said (2000 x 1000 shown as 1000 x 2000), then shrunk to the stored size.
    assert image.size == (settings.CHAT_AVATAR_SIZE // 2, settings.CHAT_AVATAR_SIZE)
    top, bottom = image.getpixel((image.width // 2, 10)), image.getpixel((image.width // 2, image.height - 10))
    assert top[2] > 200 and bottom[0] > 200  # the blue half is now on top
    assert not image.getexif() and "icc_profile" not in image.info
    user.refresh_from_db()
    with user.avatar.open("rb") as file:
        raw = file.read()
    assert b"PhoneMaker" not in raw and b"Exif" not in raw
    assert len(raw) < len(content)


@pytest.mark.parametrize(
    ("mode", "fmt", "stored_format", "stored_mode"),
    [
        ("RGBA", "PNG", "PNG", "RGBA"),  # transparency kept
        ("P", "GIF", "PNG", "RGB"),  # a GIF's first frame becomes a static PNG
        ("RGBA", "WEBP", "WEBP", "RGBA"),
        ("L", "JPEG", "JPEG", "L"),
    ],
)
def test_other_formats_are_reencoded_too(api, make_user, mode, fmt, stored_format, stored_mode):
    user = make_user()
    buffer = io.BytesIO()
    Image.new(mode, (600, 300)).save(buffer, fmt)
    answer = api.as_user(user).patch("/api/me/", {"avatar": upload(buffer.getvalue(), "a.bin")}, format="multipart")
    assert answer.status_code == 200, answer.json()
    image = stored(user)
    assert (image.format, image.mode, image.size) == (stored_format, stored_mode, (512, 256))


def test_an_image_whose_data_is_cut_short_is_refused(api, make_user, error_logs):
    content = photo(orientation=None)
    client = api.as_user(make_user())
    answer = client.patch("/api/me/", {"avatar": upload(content[: len(content) // 2], "a.jpg")}, format="multipart")
    assert answer.status_code == 400 and "valid image" in answer.json()["avatar"][0]
    assert not error_logs.records


def test_the_admin_verifies_and_reencodes_avatars_too(client, make_user):
    user = make_user()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:accounts_user_change", args=[user.id])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "avatar"}
    data.update(groups=[], user_permissions=[])
    refused = client.post(url, {**data, "avatar": upload(blank_png(12000, 8000))})
    assert refused.status_code == 200 and "too large" in refused.content.decode()
    accepted = client.post(url, {**data, "avatar": upload(photo(), "IMG.JPG")})
    assert accepted.status_code == 302
    assert stored(user).size == (256, 512)
