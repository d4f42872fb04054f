"""A frame that fails for the server's own reasons is answered, and the socket stays open."""

import pytest
from channels.db import database_sync_to_async

from conftest import ws_connect
from messaging import consumers
from rooms import services as room_services

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_frame_whose_backing_service_fails_is_answered_unavailable(make_user, monkeypatch):
    alice = await database_sync_to_async(make_user)("alice")
    room = await database_sync_to_async(room_services.room_create)(owner=alice, name="r")

    async def cache_down(**kwargs):
        raise ConnectionError("Error 111 connecting to redis")  # what the cache raises while Redis restarts

    monkeypatch.setattr(consumers, "typing_notify", cache_down)
    ws = await ws_connect(alice)
    assert (await ws.receive_json_from())["type"] == "hello"
    await ws.send_json_to({"type": "typing", "room": room.id})
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["code"] == "unavailable"
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()
