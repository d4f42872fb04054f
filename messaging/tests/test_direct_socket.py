"""A direct room on the sockets: the opener's at once, the peer's with the first message, then a room like any other."""

import pytest
from channels.db import database_sync_to_async

from messaging.tests.test_consumers import connected, receive_until
from rooms import services as room_services

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def frames_for(ws, seconds: float = 0.3) -> list[dict]:
    """Every frame that arrives within `seconds`."""
    frames = []
    while not await ws.receive_nothing(timeout=seconds):
        frames.append(await ws.receive_json_from())
    return frames


async def test_the_peer_gets_the_room_with_its_first_message_not_when_opened(make_user, published):
    alice = await db(make_user)("alice")
    bob = await db(make_user)("bob")
    general = await db(room_services.room_create)(owner=alice, name="general")
    await db(room_services.room_join)(user=bob, invite_code=general.invite_code)
    a = await connected(alice)
    b = await connected(bob)
    try:
        room, created = await db(room_services.direct_open)(user=alice, other_id=bob.id)
        assert created
        added = await receive_until(a, "room.added")
        assert added["room"]["kind"] == "direct" and added["room"]["peer"]["id"] == bob.id
        assert not [f for f in await frames_for(b) if f["type"] in ("room.added", "typing")]

        await a.send_json_to({"type": "typing", "room": room.id})
        assert not [f for f in await frames_for(b) if f["type"] == "typing"]  # not subscribed yet

        await a.send_json_to({"type": "message.send", "room": room.id, "body": "hi bob", "client_id": "c1"})
        added = await receive_until(b, "room.added")
        assert added["room"]["id"] == room.id and added["room"]["peer"]["id"] == alice.id
        assert added["room"]["last_message"]["body"] == "hi bob" and added["room"]["unread_count"] == 1
        assert added["room"]["invite_code"] is None

        # Subscribed now: the next message and typing arrive as in any room.
        await a.send_json_to({"type": "message.send", "room": room.id, "body": "are you there?", "client_id": "c2"})
        new = await receive_until(b, "message.new")
        assert new["message"]["body"] == "are you there?"
        await b.send_json_to({"type": "message.send", "room": room.id, "body": "yes", "client_id": "c3"})
        bodies = [(await receive_until(a, "message.new"))["message"]["body"] for _ in range(3)]
        assert bodies == ["hi bob", "are you there?", "yes"]
        # Only one room.added for bob: the second message reveals nothing.
        added_for_bob = [f for f in published.frames(f"user.{bob.id}") if f["type"] == "room.added"]
        assert [f["room"]["id"] for f in added_for_bob] == [general.id, room.id]
    finally:
        await a.disconnect()
        await b.disconnect()


async def test_hello_leaves_out_a_direct_room_hidden_from_its_peer(make_user):
    alice = await db(make_user)("alice")
    bob = await db(make_user)("bob")
    general = await db(room_services.room_create)(owner=alice, name="general")
    await db(room_services.room_join)(user=bob, invite_code=general.invite_code)
    room, _ = await db(room_services.direct_open)(user=alice, other_id=bob.id)
    b = await connected_hello(bob)
    try:
        assert b[1]["rooms"] == [general.id]
    finally:
        await b[0].disconnect()
    a = await connected_hello(alice)
    try:
        assert sorted(a[1]["rooms"]) == sorted([general.id, room.id])
    finally:
        await a[0].disconnect()


async def connected_hello(user):
    from conftest import ws_connect

    ws = await ws_connect(user)
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello"
    return ws, hello
