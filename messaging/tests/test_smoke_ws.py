import pytest
from channels.db import database_sync_to_async

from conftest import ws_connect
from rooms import services as room_services

pytestmark = pytest.mark.django_db(transaction=True)


async def test_two_users_chat(make_user):
    alice = await database_sync_to_async(make_user)("alice")
    bob = await database_sync_to_async(make_user)("bob")
    room = await database_sync_to_async(room_services.room_create)(owner=alice, name="general")
    await database_sync_to_async(room_services.room_join)(user=bob, invite_code=room.invite_code)
    a = await ws_connect(alice)
    b = await ws_connect(bob)
    hello = await a.receive_json_from()
    assert hello["type"] == "hello" and hello["rooms"] == [room.id]
    await b.receive_json_from()
    presence = await a.receive_json_from()
    assert presence["type"] == "presence" and presence["user"]["username"] == "bob"
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "  hi bob ", "client_id": "c1"})
    frames = [await a.receive_json_from(), await a.receive_json_from()]
    assert {f["type"] for f in frames} == {"ack", "message.new"}
    new = await b.receive_json_from()
    assert new["type"] == "message.new" and new["message"]["body"] == "hi bob"
    await a.disconnect()
    await b.disconnect()
