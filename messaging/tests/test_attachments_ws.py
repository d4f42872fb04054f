"""message.send over the WebSocket with attachments: the same rules as REST, refusals as `error` frames."""

import io

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import ws_connect
from messaging.attachments import attachment_upload
from rooms import services as room_services

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "attachments"},
        },
    }


def png_upload(name="a.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


async def receive_until(ws, frame_type: str, limit: int = 10) -> dict:
    for _ in range(limit):
        frame = await ws.receive_json_from(timeout=2)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def test_send_with_attachments_and_refusals(make_user):
    alice = await db(make_user)("alice")
    bob = await db(make_user)("bob")
    room = await db(room_services.room_create)(owner=alice, name="general")
    await db(room_services.room_join)(user=bob, invite_code=room.invite_code)
    mine = await db(attachment_upload)(user=alice, room_id=room.id, upload=png_upload())
    bobs = await db(attachment_upload)(user=bob, room_id=room.id, upload=png_upload("b.png"))
    a = await ws_connect(alice)
    b = await ws_connect(bob)
    await receive_until(a, "hello")
    await receive_until(b, "hello")

    await a.send_json_to(
        {"type": "message.send", "room": room.id, "body": "", "attachments": [mine.id], "client_id": "1"}
    )
    ack = await receive_until(a, "ack")
    assert [x["id"] for x in ack["message"]["attachments"]] == [mine.id]
    pushed = await receive_until(b, "message.new")
    assert pushed["message"]["attachments"] == ack["message"]["attachments"]
    assert pushed["message"]["attachments"][0]["thumbnail_url"].endswith("/thumbnail/")

    for attachments in ([mine.id], [bobs.id], [mine.id, mine.id], list(range(1, 12))):
        frame = {"type": "message.send", "room": room.id, "body": "x", "attachments": attachments, "client_id": "r"}
        await a.send_json_to(frame)
        error = await receive_until(a, "error")
        assert error["code"] == "invalid" and "attachments" in error["detail"], (attachments, error)
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "", "client_id": "e"})
    error = await receive_until(a, "error")
    assert error["code"] == "invalid" and "body" in error["detail"]
    await a.disconnect()
    await b.disconnect()
