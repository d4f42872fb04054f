"""Caps on what one user or one request may take: sockets, rooms, and bodies bounded while they stream in."""

import io

import pytest
from channels.db import database_sync_to_async
from django.test.client import FakePayload
from PIL import Image

from chatroom.realtime.protocol import CLOSE_TOO_MANY_SOCKETS
from chatroom.testing.live import receive_close
from conftest import ws_connect

FORTY_MB = 40 * 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- Sockets per user ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_sockets_past_the_per_user_cap_are_closed_with_4429(make_user, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 3
    user, other = await database_sync_to_async(make_user)(), await database_sync_to_async(make_user)()
    sockets = []
    for _ in range(3):
        ws = await ws_connect(user)
        assert (await ws.receive_json_from())["type"] == "hello"
        sockets.append(ws)
    refused = await ws_connect(user)
    assert await receive_close(refused) == CLOSE_TOO_MANY_SOCKETS
    # Someone else is not affected, and a closed socket makes room for a new one.
    someone = await ws_connect(other)
    assert (await someone.receive_json_from())["type"] == "hello"
    await sockets.pop().disconnect()
    again = await ws_connect(user)
    assert (await again.receive_json_from())["type"] == "hello"
    for ws in [*sockets, someone, again]:
        await ws.disconnect()


# --- Rooms per user -------------------------------------------------------------------


@pytest.mark.django_db
def test_rooms_past_the_per_user_cap_answer_409(api, make_user, settings):
    settings.CHAT_MAX_ROOMS_PER_USER = 3
    owner, other = make_user(), make_user()
    client = api.as_user(owner)
    created = [client.post("/api/rooms/", {"name": f"r{i}"}, format="json") for i in range(4)]
    assert [r.status_code for r in created] == [201, 201, 201, 409]
    assert "3 rooms" in created[3].json()["detail"]
    assert client.delete(f"/api/rooms/{created[0].json()['id']}/").status_code == 204
    assert client.post("/api/rooms/", {"name": "again"}, format="json").status_code == 201
    assert api.as_user(other).post("/api/rooms/", {"name": "theirs"}, format="json").status_code == 201


# --- Bodies -----------------------------------------------------------------------------


@pytest.fixture
def bytes_read(monkeypatch) -> list[int]:
    """How many bytes the server side read from the request bodies the test client sent."""
    counted = [0]
    original = FakePayload.read

    def counting_read(self, size=-1, /):
        data = original(self, size)
        counted[0] += len(data)
        return data

    monkeypatch.setattr(FakePayload, "read", counting_read)
    return counted


def png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def multipart_with(file_content: bytes) -> tuple[bytes, str]:
    boundary = "limit-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + file_content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [("patch", "/api/me/"), ("post", "/api/rooms/")])
def test_a_40_mb_upload_is_refused_without_being_read(api, make_user, bytes_read, method, path):
    client = api.as_user(make_user())
    body, content_type = multipart_with(png() + b"\0" * FORTY_MB)
    response = getattr(client, method)(path, body, content_type=content_type)
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    assert bytes_read[0] < 64 * 1024  # of 40 MB sent


@pytest.mark.django_db
def test_an_upload_is_cut_off_at_its_endpoints_limit_as_it_streams(api, make_user, bytes_read, settings):
    """A body within the declared-length slack, whose file still passes the limit: stopped at the limit."""
    settings.CHAT_AVATAR_MAX_BYTES = 10_000
    client = api.as_user(make_user())
    body, content_type = multipart_with(png() + b"\0" * 50_000)
    response = client.patch("/api/me/", body, content_type=content_type)
    assert response.status_code == 413
    assert bytes_read[0] < 10_000 + 2 * 65_536  # the limit, plus what one read of the parser takes


@pytest.mark.django_db
def test_a_40_mb_json_body_is_refused_having_read_only_the_limit(api, make_user, bytes_read, settings):
    client = api.as_user(make_user())
    body = b'{"name": "' + b"x" * FORTY_MB + b'"}'
    response = client.post("/api/rooms/", body, content_type="application/json")
    assert response.status_code == 413 and "request body" in response.json()["detail"]
    assert bytes_read[0] <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
