"""
Presence through the real ASGI stack: a room-mate hears of a user once when
their first socket opens, and once when their last has stayed closed for the
grace period; closes and reopens within it (page reloads) say nothing.
"""

import asyncio

import pytest
import redis
from channels.db import database_sync_to_async

from chatroom.realtime.presence import get_presence, online_user_ids
from chatroom.realtime.presence_store import MemoryPresenceStore, RedisPresenceStore
from chatroom.testing.live import presence_settled
from conftest import ws_connect
from rooms import services as room_services

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def connected(user):
    ws = await ws_connect(user)
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def frames_now(ws) -> list[dict]:
    """The frames that have arrived and not been read yet."""
    frames = []
    while not await ws.receive_nothing(timeout=0):
        frames.append(await ws.receive_json_from())
    return frames


@pytest.fixture
async def room_of_two(make_user):
    """Alice (connected) and Bob (not yet) share a room."""
    alice = await db(make_user)("alice")
    bob = await db(make_user)("bob")
    room = await db(room_services.room_create)(owner=alice, name="general")
    await db(room_services.room_join)(user=bob, invite_code=room.invite_code)
    a = await connected(alice)
    yield alice, bob, room, a
    await a.disconnect()


def presence_of(user, room, *, online: bool):
    """Whether a frame is exactly the presence frame of `user` in `room`."""

    def matches(frame: dict) -> bool:
        expected = {"type": "presence", "room": room.id, "user": frame.get("user"), "online": online}
        return frame == expected and frame["user"]["id"] == user.id

    return matches


async def test_online_on_the_first_open_and_offline_once_after_the_last_close(room_of_two, settings):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 0.2
    alice, bob, room, a = room_of_two
    first = await connected(bob)
    assert presence_of(bob, room, online=True)(await a.receive_json_from(timeout=5))
    second = await connected(bob)
    await second.disconnect()
    await presence_settled(0.4)  # past the grace period of the second socket's close
    assert await frames_now(a) == []  # bob was online all along
    await first.disconnect()
    assert presence_of(bob, room, online=False)(await a.receive_json_from(timeout=5))
    await presence_settled(0.4)
    assert await frames_now(a) == []
    assert online_user_ids([alice.id, bob.id]) == {alice.id}


async def test_a_reconnect_within_the_grace_period_announces_nothing(room_of_two, settings):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 1.5
    alice, bob, room, a = room_of_two
    b = await connected(bob)
    await a.receive_json_from(timeout=5)  # online
    await b.disconnect()
    await asyncio.sleep(0.5)  # a page reload takes a moment
    b = await connected(bob)
    await presence_settled(1.5)  # past the deadline of the close
    assert await frames_now(a) == []
    assert bob.id in online_user_ids([bob.id])
    await b.disconnect()


async def test_a_reconnect_storm_ends_in_one_offline(room_of_two, settings):
    """Issue 11 item 12: 20 connect/close cycles in 1.8 s sent 40 presence frames to every room-mate."""
    settings.CHAT_PRESENCE_GRACE_SECONDS = 1.0
    alice, bob, room, a = room_of_two
    b = await connected(bob)
    await a.receive_json_from(timeout=5)  # online
    for _ in range(20):
        await b.disconnect()
        b = await connected(bob)
    await b.disconnect()
    offline = await a.receive_json_from(timeout=10)
    assert presence_of(bob, room, online=False)(offline)  # and nothing before it
    await presence_settled(0.5)
    assert await frames_now(a) == []
    assert online_user_ids([bob.id]) == set()


async def test_a_presence_store_that_is_down_costs_no_connect_and_heals_after(room_of_two, settings, monkeypatch):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 0.2
    alice, bob, room, a = room_of_two
    store_class = RedisPresenceStore if settings.REDIS_URL else MemoryPresenceStore
    apply = store_class.apply

    async def unreachable(self, worker, ops):
        raise redis.ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(store_class, "apply", unreachable)
    b = await connected(bob)  # hello: the handshake did not wait for presence
    await b.send_json_to({"type": "ping"})
    assert await b.receive_json_from(timeout=5) == {"type": "pong"}
    await get_presence().flush()
    assert await frames_now(a) == []

    monkeypatch.setattr(store_class, "apply", apply)  # back: bob's socket is put in, and announced
    assert presence_of(bob, room, online=True)(await a.receive_json_from(timeout=10))

    monkeypatch.setattr(store_class, "apply", unreachable)
    await b.disconnect()  # nothing raised
    await get_presence().flush()
    monkeypatch.setattr(store_class, "apply", apply)  # back: the closed socket is taken out
    assert presence_of(bob, room, online=False)(await a.receive_json_from(timeout=10))
