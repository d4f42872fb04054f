"""A frame the server cannot answer as asked must not kill the socket, and a socket that dies anyway is released."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.tickets import ticket_issue
from chatroom.asgi import application
from chatroom.realtime.hub import get_hub
from chatroom.testing.live import presence_settled
from conftest import HOST, ORIGIN
from messaging.consumers import ChatConsumer
from rooms.selectors import member_list
from rooms.services import room_create

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def encodes_like_daphne(app):
    """The application as daphne serves it: every text frame is encoded to UTF-8, strictly, on the way out."""

    async def wrapped(scope, receive, send):
        async def strict_send(message):
            if message.get("text") is not None:
                message["text"].encode("utf-8")
            await send(message)

        await app(scope, receive, strict_send)

    return wrapped


async def open_socket(user, app=application) -> WebsocketCommunicator:
    ticket = await db(ticket_issue)(user=user)
    ws = WebsocketCommunicator(app, f"/ws/chat/?ticket={ticket}", headers=[HOST, ORIGIN])
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["type"] == "hello"
    # Answered only once connect() has finished (presence counted).
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    return ws


@pytest.mark.parametrize(
    "frame",
    [
        '{"type": "nope", "client_id": "\\ud800"}',  # a lone surrogate, escaped as JSON allows
        '{"type": "message.send", "room": 1, "body": "hi", "client_id": "a\\udfffb"}',
        '{"type": "message.send", "room": "x", "body": "\\ud83d", "client_id": "\\ud83d"}',
    ],
)
async def test_a_client_id_that_cannot_be_echoed_is_answered_with_null(make_user, frame):
    user = await db(make_user)()
    ws = await open_socket(user, encodes_like_daphne(application))
    await ws.send_to(text_data=frame)
    error = await ws.receive_json_from()
    assert error["type"] == "error" and error["client_id"] is None
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_a_client_id_that_encodes_is_still_echoed(make_user):
    user = await db(make_user)()
    ws = await open_socket(user, encodes_like_daphne(application))
    await ws.send_to(text_data=json.dumps({"type": "nope", "client_id": "é😀"}, ensure_ascii=True))
    assert (await ws.receive_json_from())["client_id"] == "é😀"
    await ws.disconnect()


async def test_an_error_frame_that_cannot_be_written_does_not_crash_the_socket(make_user, monkeypatch):
    user = await db(make_user)()
    ws = await open_socket(user)
    original = ChatConsumer.send_frame

    async def failing_for_errors(self, frame):
        if frame["type"] == "error":
            raise RuntimeError("the transport refused the frame")
        await original(self, frame)

    monkeypatch.setattr(ChatConsumer, "send_frame", failing_for_errors)
    await ws.send_to(text_data="not json")
    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == {"type": "pong"}
    await ws.disconnect()


async def test_a_socket_that_crashes_leaves_the_hub_and_goes_offline(make_user, monkeypatch, settings):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 0.2
    user, other = await db(make_user)(), await db(make_user)()
    room = await db(room_create)(owner=user, name="r")
    ws = await open_socket(user)
    hub = await get_hub()
    assert user.id in hub.user_sockets and room.id in hub.room_sockets
    await presence_settled(0)  # presence is written in the background (chatroom.realtime.presence)
    assert [m.online for m in await db(member_list)(room_id=room.id)] == [True]

    async def crash(self, text_data=None, bytes_data=None):
        raise RuntimeError("a bug in a handler")

    monkeypatch.setattr(ChatConsumer, "receive", crash)
    await ws.send_to(text_data='{"type": "ping"}')
    with pytest.raises(RuntimeError):
        await ws.receive_output()
    # disconnect never ran (the application died), yet the socket is gone from the hub and from presence.
    assert user.id not in hub.user_sockets and room.id not in hub.room_sockets
    await presence_settled(0.3)  # past the grace period
    assert [m.online for m in await db(member_list)(room_id=room.id)] == [False]
    # The user's next socket is counted from zero again.
    monkeypatch.undo()
    again = await open_socket(user)
    await presence_settled(0)
    assert [m.online for m in await db(member_list)(room_id=room.id)] == [True]
    await again.disconnect()
    assert other.id not in hub.user_sockets
