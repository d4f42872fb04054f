"""
Attachments (PROTOCOL.md version 2, issue 13) with real files made by Pillow: uploads judged
by their content, images re-encoded without metadata, access checked on every fetch, each
upload used once, and files gone with their message or room, or after 24 h unused.
"""

import io
import struct
import tracemalloc
import zlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIRequestFactory, force_authenticate

from messaging import services
from messaging.attachment_api import AttachmentUploadView
from messaging.attachments import attachment_name_clean, attachments_purge_unused
from messaging.models import Attachment, Message
from messaging.services import SendRequest, message_send_many
from rooms.services import room_create, room_delete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    """Attachments in a directory of the test's own (STORAGES["attachments"], as a deployment names it)."""
    root = tmp_path / "attachments"
    settings.CHAT_UPLOAD_BURST = 1000  # the rate limit has a test of its own
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


def stored_names(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def upload(content: bytes, name: str, content_type: str | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type or "application/octet-stream")


def png(width: int = 40, height: int = 30, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), "green").save(buffer, "PNG")
    return buffer.getvalue()


def blank_png(width: int, height: int) -> bytes:
    """A real, complete PNG of that size: one bit a pixel, all zero, so it compresses to almost nothing."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header: `width` x `height` pixels declared, a few hundred bytes behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def phone_photo(size=(2000, 1000)) -> bytes:
    """A JPEG as a phone takes it: EXIF orientation 6 (turned 90 degrees clockwise), camera make and GPS position."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def attachments_url(room) -> str:
    return f"/api/rooms/{room.id}/attachments/"


def messages_url(room) -> str:
    return f"/api/rooms/{room.id}/messages/"


def post_file(client, room, content: bytes, name: str, content_type: str | None = None):
    return client.post(attachments_url(room), {"file": upload(content, name, content_type)}, format="multipart")


def fetch(client, url: str):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# --- Uploads: images and files --------------------------------------------------------------


def test_a_phone_photo_is_stored_upright_without_its_location(api, room, attachment_root):
    client = api.as_user(room.owner)
    original = phone_photo()
    answer = post_file(client, room, original, "IMG_0001.JPG", "image/jpeg")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["kind"] == "image" and data["content_type"] == "image/jpeg"
    assert data["name"] == "IMG_0001.jpg"
    assert (data["width"], data["height"]) == (1000, 2000)  # turned as its EXIF said
    assert data["url"] == f"/api/attachments/{data['id']}/IMG_0001.jpg"
    response, raw = fetch(client, data["url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert data["size"] == len(raw)
    assert b"PhoneMaker" not in raw and b"Exif" not in raw and b"GPS" not in raw
    image = Image.open(io.BytesIO(raw))
    assert not image.getexif() and image.size == (1000, 2000)
    top, bottom = image.getpixel((500, 10)), image.getpixel((500, 1990))
    assert top[2] > 200 and bottom[0] > 200  # the blue half is on top now
    response, thumb = fetch(client, data["thumbnail_url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    thumbnail = Image.open(io.BytesIO(thumb))
    assert thumbnail.size == (240, 480) and not thumbnail.getexif()
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    # Stored under random names, never the sender's.
    assert all("IMG" not in name for name in stored_names(attachment_root)) and len(stored_names(attachment_root)) == 2


@pytest.mark.parametrize(
    ("make", "name", "stored_type", "thumbnail_size"),
    [
        (lambda: png(800, 200, "RGBA"), "wide.png", "image/png", (480, 120)),
        (lambda: png(10, 20), "tiny.png", "image/png", (10, 20)),  # never enlarged
    ],
)
def test_images_get_a_thumbnail_at_most_480_pixels_long(api, room, make, name, stored_type, thumbnail_size):
    client = api.as_user(room.owner)
    data = post_file(client, room, make(), name).json()
    assert data["content_type"] == stored_type
    assert Image.open(io.BytesIO(fetch(client, data["thumbnail_url"])[1])).size == thumbnail_size


def test_a_gif_is_stored_as_its_first_frame(api, room):
    frames = [Image.new("P", (64, 32), color) for color in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], comment=b"secret comment")
    client = api.as_user(room.owner)
    data = post_file(client, room, buffer.getvalue(), "anim.gif").json()
    assert data["kind"] == "image" and data["content_type"] == "image/png" and data["name"] == "anim.png"
    raw = fetch(client, data["url"])[1]
    assert b"secret comment" not in raw and Image.open(io.BytesIO(raw)).size == (64, 32)


BOMBS = {
    "a complete 64-megapixel PNG": lambda: blank_png(8000, 8000),
    "10 gigapixels declared": lambda: png_declaring(100_000, 100_000),
    "a side longer than any": lambda: png_declaring(40_000, 10),
    "truncated": lambda: png(400, 300)[:200],
}


@pytest.mark.parametrize("bomb", BOMBS.values(), ids=BOMBS.keys())
def test_oversized_or_broken_images_are_refused(api, room, attachment_root, bomb):
    content = bomb()
    assert len(content) < 1_000_000
    answer = post_file(api.as_user(room.owner), room, content, "picture.png", "image/png")
    assert answer.status_code == 400 and answer.json()["file"], answer.json()
    assert not Attachment.objects.exists() and not stored_names(attachment_root)


@pytest.mark.parametrize(
    ("content", "name", "claimed", "content_type"),
    [
        (b"<html><script>alert(document.cookie)</script></html>", "cute.png", "image/png", "application/octet-stream"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "image/svg+xml",
            "application/octet-stream",
        ),
        (b"%PDF-1.4 not really", "report.pdf", "application/pdf", "application/pdf"),
        (b"<html></html>", "page.html", "text/html", "text/html"),
    ],
)
def test_anything_but_a_verified_image_is_a_file_and_never_served_inline(
    api, room, attachment_root, content, name, claimed, content_type
):
    client = api.as_user(room.owner)
    data = post_file(client, room, content, name, claimed).json()
    assert data["kind"] == "file" and data["content_type"] == content_type
    assert data["thumbnail_url"] is None and data["width"] is None and data["height"] is None
    assert data["name"] == name and data["size"] == len(content)
    response, raw = fetch(client, data["url"])
    assert response.status_code == 200 and raw == content  # stored as it came
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get(f"/api/attachments/{data['id']}/thumbnail/").status_code == 404
    assert all(name.endswith(".bin") for name in stored_names(attachment_root))


def test_download_names_are_safe_and_rfc_5987_encoded(api, room):
    client = api.as_user(room.owner)
    data = post_file(client, room, b"data", "../../etc/报告\u202egnp.txt").json()
    assert data["name"] == "报告gnp.txt"  # no path, no right-to-left override
    assert attachment_name_clean('a\r\nX-Evil: 1"\x00.txt') == 'aX-Evil: 1".txt'
    response = client.get(data["url"])
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith("attachment; filename*=utf-8''")
        and "\n" not in disposition
        and "%E6%8A%A5" in disposition
    )
    assert attachment_name_clean("") == "file" and attachment_name_clean("..") == "file"
    assert len(attachment_name_clean("a" * 300 + ".pdf")) == 255 and attachment_name_clean("a" * 300 + ".pdf").endswith(
        ".pdf"
    )


def test_an_upload_over_the_limit_is_refused_while_it_streams_without_buffering_it(member, room, settings):
    """10 MiB + 1 byte: 413 once the limit is passed; the worker never holds the upload in memory."""
    limit = settings.CHAT_ATTACHMENT_MAX_BYTES
    assert limit == 10 * 1024 * 1024
    request = APIRequestFactory().post(
        attachments_url(room), {"file": upload(b"x" * (limit + 1), "big.bin")}, format="multipart"
    )
    force_authenticate(request, user=member)
    view = AttachmentUploadView.as_view()
    tracemalloc.start()
    try:
        response = view(request, room_id=room.id)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 413
    assert peak < 2 * 1024 * 1024, f"{peak} bytes at the peak"  # the request body itself was allocated before
    assert not Attachment.objects.exists()


def test_uploads_are_for_members_and_rate_limited(api, room, member, make_user, settings):
    stranger = api.as_user(make_user())
    assert post_file(stranger, room, png(), "a.png").status_code == 404
    settings.CHAT_UPLOAD_BURST = 2
    client = api.as_user(member)
    answers = [post_file(client, room, png(), "a.png").status_code for _ in range(4)]
    assert answers[:2] == [201, 201] and 429 in answers[2:]
    assert post_file(api.as_user(room.owner), room, png(), "a.png").status_code == 201  # per user


# --- Who may fetch --------------------------------------------------------------------------


def test_an_upload_is_its_uploaders_until_sent_then_the_rooms(api, client, room, member, make_user):
    owner = api.as_user(room.owner)
    data = post_file(owner, room, png(), "a.png").json()
    thumbnail = data["thumbnail_url"]
    # Before sending: the uploader only. Another member, a stranger: 404; nobody signed in: 401.
    assert owner.get(data["url"]).status_code == 200
    assert api.as_user(member).get(data["url"]).status_code == 404
    assert api.as_user(member).get(thumbnail).status_code == 404
    assert api.as_user(make_user()).get(data["url"]).status_code == 404
    api.credentials()
    assert api.get(data["url"]).status_code == 401
    owner = api.as_user(room.owner)
    sent = owner.post(messages_url(room), {"body": "", "attachments": [data["id"]]}, format="json")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["attachments"] == [data]
    # Sent: every member, by bearer token or by the pages' session cookie; still nobody else.
    assert api.as_user(member).get(data["url"]).status_code == 200
    assert api.as_user(member).get(thumbnail).status_code == 200
    assert api.as_user(make_user()).get(data["url"]).status_code == 404
    client.force_login(member)
    assert client.get(data["url"]).status_code == 200
    assert client.get(f"/api/attachments/{data['id'] + 1000}/x.png").status_code == 404


# --- Sending --------------------------------------------------------------------------------


def test_a_message_carries_its_attachments_in_the_order_sent(api, room, member):
    client = api.as_user(member)
    ids = [post_file(client, room, png(), f"{i}.png").json()["id"] for i in range(3)]
    sent = client.post(messages_url(room), {"body": "look", "attachments": ids[::-1]}, format="json").json()
    assert [a["id"] for a in sent["attachments"]] == ids[::-1]
    history = client.get(messages_url(room)).json()["results"]
    changes = client.get(f"/api/rooms/{room.id}/changes/").json()["messages"]
    assert history[-1]["attachments"] == changes[-1]["attachments"] == sent["attachments"]


def test_an_empty_body_needs_attachments(api, room):
    client = api.as_user(room.owner)
    assert client.post(messages_url(room), {"body": "", "attachments": []}, format="json").status_code == 400
    assert client.post(messages_url(room), {"body": "  "}, format="json").status_code == 400


def test_an_attachment_is_used_once_by_its_uploader_in_its_room_within_a_day(api, room, member, make_user):
    owner = api.as_user(room.owner)
    other_room = room_create(owner=room.owner, name="other")
    first = post_file(owner, room, png(), "a.png").json()["id"]
    assert owner.post(messages_url(room), {"body": "1", "attachments": [first]}, format="json").status_code == 201
    second = post_file(owner, room, png(), "b.png").json()["id"]
    old = post_file(owner, room, png(), "c.png").json()["id"]
    Attachment.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    refusals = {
        "used twice": (room.owner, room, [first]),
        "someone else's": (member, room, [second]),
        "another room's": (room.owner, other_room, [second]),
        "a day old": (room.owner, room, [old]),
        "unknown": (room.owner, room, [999_999]),
        "listed twice": (room.owner, room, [second, second]),
        "eleven": (room.owner, room, [second, *range(1, 11)]),
        "not ids": (room.owner, room, ["x"]),
    }
    for what, (user, where, ids) in refusals.items():
        answer = api.as_user(user).post(messages_url(where), {"body": "x", "attachments": ids}, format="json")
        assert answer.status_code == 400, what
        assert "attachments" in answer.json(), what
    assert Message.objects.filter(room=room).count() == 1
    assert Attachment.objects.get(pk=second).message_id is None  # nothing taken by a refused send


def test_a_batch_binds_its_attachments_with_one_read_and_one_write(
    room, member, django_capture_on_commit_callbacks, api
):
    client = api.as_user(member)
    ids = [post_file(client, room, png(), f"{i}.png").json()["id"] for i in range(4)]
    requests = [
        SendRequest(member, room.id, "a", attachments=(ids[0], ids[1])),
        SendRequest(member, room.id, "b", attachments=(ids[1],)),  # taken by the first
        SendRequest(member, room.id, "c", attachments=(ids[2], ids[3])),
        SendRequest(room.owner, room.id, "d", attachments=(ids[2],)),  # not the owner's
        SendRequest(member, room.id, "e"),
    ]
    with CaptureQueriesContext(connection) as queries:
        results = message_send_many(requests=requests)
    touching = [q["sql"] for q in queries.captured_queries if "messaging_attachment" in q["sql"]]
    assert len(touching) == 2, touching  # the batch's attachments read (and locked) once, written once
    assert [type(r).__name__ for r in results] == ["SendResult", "Invalid", "SendResult", "Invalid", "SendResult"]
    assert [a["id"] for a in results[0].message_data()["attachments"]] == ids[:2]
    assert [a["id"] for a in results[2].message_data()["attachments"]] == ids[2:]
    assert results[4].message_data()["attachments"] == []
    seqs = sorted(Message.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + 3))  # refused sends take no number: no gap


def test_history_changes_and_search_cost_no_query_per_attachment(api, room, member, django_assert_max_num_queries):
    client = api.as_user(member)
    for i in range(20):
        ids = [post_file(client, room, png(), f"{i}-{j}.png").json()["id"] for j in range(2)]
        client.post(messages_url(room), {"body": f"word {i}", "attachments": ids}, format="json")
    with django_assert_max_num_queries(5):
        history = client.get(messages_url(room)).json()["results"]
    with django_assert_max_num_queries(5):
        changes = client.get(f"/api/rooms/{room.id}/changes/").json()["messages"]
    assert len(history) == len(changes) == 20 and all(len(m["attachments"]) == 2 for m in history)


def test_an_edit_may_empty_the_body_only_of_a_message_with_attachments(api, room):
    client = api.as_user(room.owner)
    attachment = post_file(client, room, png(), "a.png").json()["id"]
    with_file = client.post(messages_url(room), {"body": "caption", "attachments": [attachment]}, format="json").json()
    plain = client.post(messages_url(room), {"body": "text"}, format="json").json()
    assert client.patch(f"{messages_url(room)}{plain['id']}/", {"body": ""}, format="json").status_code == 400
    edited = client.patch(f"{messages_url(room)}{with_file['id']}/", {"body": ""}, format="json")
    assert edited.status_code == 200 and edited.json()["body"] == "" and len(edited.json()["attachments"]) == 1


# --- Their end ------------------------------------------------------------------------------


def test_deleting_a_message_deletes_its_files(api, room, member, attachment_root, django_capture_on_commit_callbacks):
    client = api.as_user(member)
    data = post_file(client, room, png(), "a.png").json()
    message = client.post(messages_url(room), {"body": "", "attachments": [data["id"]]}, format="json").json()
    keep = post_file(client, room, b"other", "keep.txt").json()
    assert len(stored_names(attachment_root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{messages_url(room)}{message['id']}/").status_code == 204
    assert not Attachment.objects.filter(pk=data["id"]).exists()
    assert len(stored_names(attachment_root)) == 1  # only the unsent upload is left
    assert client.get(data["url"]).status_code == 404 and client.get(keep["url"]).status_code == 200
    change = client.get(f"/api/rooms/{room.id}/changes/").json()["messages"][-1]
    assert change == {"id": message["id"], "room": room.id, "seq": change["seq"], "deleted": True}


def test_deleting_a_room_deletes_its_files(api, room, attachment_root, django_capture_on_commit_callbacks):
    client = api.as_user(room.owner)
    data = post_file(client, room, png(), "a.png").json()
    client.post(messages_url(room), {"body": "x", "attachments": [data["id"]]}, format="json")
    post_file(client, room, b"unsent", "b.txt")
    assert len(stored_names(attachment_root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        room_delete(actor=room.owner, room_id=room.id)
    assert not Attachment.objects.exists() and not stored_names(attachment_root)


def test_purge_removes_only_old_unused_uploads(api, room, attachment_root, django_capture_on_commit_callbacks):
    client = api.as_user(room.owner)
    old_unused, new_unused, old_used = (post_file(client, room, png(), f"{i}.png").json()["id"] for i in range(3))
    client.post(messages_url(room), {"body": "x", "attachments": [old_used]}, format="json")
    day_ago = timezone.now() - timedelta(hours=25)
    Attachment.objects.filter(pk__in=[old_unused, old_used]).update(created_at=day_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert attachments_purge_unused(created_before=timezone.now() - timedelta(hours=24)) == 1
    assert set(Attachment.objects.values_list("pk", flat=True)) == {new_unused, old_used}
    assert len(stored_names(attachment_root)) == 4  # two images, each with its thumbnail


def test_the_url_prefix_is_the_routes():
    assert reverse("attachment-file", kwargs={"attachment_id": 7, "name": "a b.png"}) == "/api/attachments/7/a%20b.png"
    assert reverse("attachment-thumbnail", kwargs={"attachment_id": 7}) == "/api/attachments/7/thumbnail/"


def test_the_send_service_refuses_an_empty_message(room):
    with pytest.raises(services.Invalid):
        services.message_send(author=room.owner, room_id=room.id, body="")


def test_housekeeping_purges_unused_uploads(api, room, attachment_root, django_capture_on_commit_callbacks):
    client = api.as_user(room.owner)
    old, new = (post_file(client, room, b"data", f"{i}.txt").json()["id"] for i in range(2))
    Attachment.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=25))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("housekeeping", stdout=out)
        call_command("purge_uploads", "--hours=1", stdout=out)  # never sooner than a send may use one
    assert list(Attachment.objects.values_list("pk", flat=True)) == [new]
    assert (
        "1 unused uploads deleted" in out.getvalue()
        and "0 unused uploads deleted (uploaded over 24 hours" in out.getvalue()
    )
    assert len(stored_names(attachment_root)) == 1
