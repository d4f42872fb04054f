"""
Group names, the envelopes services publish, and how they are published.

Every event goes to one of three kinds of channel-layer group: `room.<id>` (all
sockets in a room), `user.<id>` (all sockets of a user) or `session.<hash>` (the
sockets a browser session opened, to close them when it ends). Each process has one
subscriber to those groups, the hub (chatroom.realtime.hub), which writes the
frame to its local sockets. A frame (built by chatroom.realtime.protocol) is
JSON-encoded once, here, when it is published; the envelope around it tells the
hub whom it is for and what to do with the subscriptions.

Only services publish, and only after their transaction commits.
"""

import asyncio
import hashlib
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.db import transaction

from chatroom.realtime.frames import encode_frame
from chatroom.redis_client import redis_async_client

if TYPE_CHECKING:
    from chatroom.realtime.protocol import ServerFrame

ROOM_EVENT = "hub.room"
USER_EVENT = "hub.user"
SESSION_EVENT = "hub.session"


class RoomEnvelope(TypedDict):
    """A frame for every socket in a room."""

    type: Literal["hub.room"]
    room: int
    text: str
    # Skip this user's sockets (typing and presence are not echoed to their author).
    exclude_user: int | None
    # Unsubscribe every socket from the room after the frame (the room was deleted).
    drop_room: bool


class UserEnvelope(TypedDict):
    """A frame, a subscription change or a close for every socket of a user."""

    type: Literal["hub.user"]
    user: int
    text: str | None
    # Subscribe the user's sockets to this room before the frame.
    join_room: int | None
    # Unsubscribe them from this room before the frame.
    leave_room: int | None
    # Close them with this code after the frame.
    close_code: int | None


class SessionEnvelope(TypedDict):
    """A close for every socket opened with one browser session (it ended: sign-out, deletion)."""

    type: Literal["hub.session"]
    session: str
    close_code: int


Envelope = RoomEnvelope | UserEnvelope | SessionEnvelope
# (group, envelope): what a service publishes.
Event = tuple[str, Envelope]


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_id(session_key: str) -> str:
    """The name under which a session's sockets are grouped: a hash, so that no key travels through the layer."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def session_group(session: str) -> str:
    return f"session.{session}"


def to_room(room_id: int, frame: "ServerFrame", *, exclude_user: int | None = None, drop_room: bool = False) -> Event:
    """An event for every socket in the room."""
    envelope: RoomEnvelope = {
        "type": ROOM_EVENT,
        "room": room_id,
        "text": encode_frame(frame),
        "exclude_user": exclude_user,
        "drop_room": drop_room,
    }
    return room_group(room_id), envelope


def to_user(
    user_id: int,
    frame: "ServerFrame | None" = None,
    *,
    join_room: int | None = None,
    leave_room: int | None = None,
    close_code: int | None = None,
) -> Event:
    """An event for every socket of a user."""
    envelope: UserEnvelope = {
        "type": USER_EVENT,
        "user": user_id,
        "text": encode_frame(frame) if frame is not None else None,
        "join_room": join_room,
        "leave_room": leave_room,
        "close_code": close_code,
    }
    return user_group(user_id), envelope


def to_session(session_key: str, *, close_code: int) -> Event:
    """An event closing every socket opened with this session (by its key, as Django's session has it)."""
    session = session_id(session_key)
    envelope: SessionEnvelope = {"type": SESSION_EVENT, "session": session, "close_code": close_code}
    return session_group(session), envelope


async def publish_now(events: Iterable[Event]) -> None:
    """Send events to the channel layer; for things that are not stored (typing, presence)."""
    layer = get_channel_layer()
    for group, envelope in events:
        await layer.group_send(group, envelope)


async def publish_batch(events: list[Event]) -> None:
    """
    publish_now for a batch (a send batch's pushes), in order: on Redis pub/sub
    in one pipelined round trip, not one awaited PUBLISH per event. Each of those
    waits on channels_redis's connection lock and a turn of a busy event loop:
    profiled, about 6 ms an event, the largest wait of a send under load.
    """
    layer = get_channel_layer()
    if events and _pipelines(layer):
        pipeline = _publisher().pipeline(transaction=False)
        for group, envelope in events:
            # channels_redis's name for a group's pub/sub channel (RedisPubSubLoopLayer._get_group_channel_name);
            # chatroom/tests/test_publish_batch.py checks it against the layer itself.
            pipeline.publish(f"{layer.prefix}__group__{group}", layer.serialize(envelope))
        await pipeline.execute()
    else:
        await publish_now(events)


def _pipelines(layer) -> bool:
    """Whether the layer is Redis pub/sub on one server (channels_redis shards several by hash)."""
    hosts = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", ())
    return isinstance(layer, RedisPubSubChannelLayer) and len(hosts) == 1


_publishers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, object]" = weakref.WeakKeyDictionary()


def _publisher():
    """The running loop's Redis client for pipelined publishing (chatroom.redis_client: it follows Sentinel)."""
    loop = asyncio.get_running_loop()
    if loop not in _publishers:
        _publishers[loop] = redis_async_client()
    return _publishers[loop]


def publish_on_commit(events: Iterable[Event]) -> None:
    """Publish events once the current transaction commits, so nobody hears of what was not stored."""
    events = list(events)
    if events:
        # robust: the write stands even if the push fails; clients recover by id.
        transaction.on_commit(lambda: _publish_committed(events), robust=True)


_collecting = threading.local()


@contextmanager
def publishes_collected() -> Iterator[list[Event]]:
    """
    Collect, instead of sending, what is published on commit within the block
    (on this thread); the caller publishes the list from its event loop. A
    service called from the loop through the database thread would otherwise
    hold that thread in an async_to_sync hop back to the loop for every publish
    (the send batcher, messaging.batching). A transaction that commits after
    the block publishes as usual.
    """
    collected: list[Event] = []
    outer, _collecting.events = getattr(_collecting, "events", None), collected
    try:
        yield collected
    finally:
        _collecting.events = outer


def _publish_committed(events: list[Event]) -> None:
    collected = getattr(_collecting, "events", None)
    if collected is not None:
        collected.extend(events)
    else:
        async_to_sync(publish_now)(events)
