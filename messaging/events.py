"""
Group names, the events services publish, and how they are published.

Every event goes to one of two kinds of channel-layer group: `room.<id>` (all
sockets in a room) or `user.<id>` (all sockets of a user). Each process has one
subscriber to those groups, the hub (`messaging.hub`), which writes the frame
to its local sockets. A frame is JSON-encoded once, here, when it is published.

Only services publish, and only after their transaction commits.
"""

import json
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

ROOM_EVENT = "hub.room"
USER_EVENT = "hub.user"

Event = tuple[str, dict[str, Any]]


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def encode_frame(frame: dict[str, Any]) -> str:
    """Encode a frame for the wire: compact JSON, non-ASCII kept as is."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def to_room(room_id: int, frame: dict[str, Any], *, exclude_user: int | None = None, drop_room: bool = False) -> Event:
    """
    An event for every socket in the room. `exclude_user` skips that user's
    sockets; `drop_room` unsubscribes every socket from the room after the frame.
    """
    return room_group(room_id), {
        "type": ROOM_EVENT,
        "room": room_id,
        "text": encode_frame(frame),
        "exclude_user": exclude_user,
        "drop_room": drop_room,
    }


def to_user(
    user_id: int,
    frame: dict[str, Any] | None = None,
    *,
    join_room: int | None = None,
    leave_room: int | None = None,
    close_code: int | None = None,
) -> Event:
    """
    An event for every socket of a user: subscribe them to `join_room` before
    the frame, unsubscribe them from `leave_room` before it, close them with
    `close_code` after it.
    """
    return user_group(user_id), {
        "type": USER_EVENT,
        "user": user_id,
        "text": encode_frame(frame) if frame is not None else None,
        "join_room": join_room,
        "leave_room": leave_room,
        "close_code": close_code,
    }


async def publish_now(events: Iterable[Event]) -> None:
    """Send events to the channel layer; for things that are not stored (typing, presence)."""
    layer = get_channel_layer()
    for group, event in events:
        await layer.group_send(group, event)


def publish_on_commit(events: Iterable[Event]) -> None:
    """Publish events once the current transaction commits, so nobody hears of what was not stored."""
    events = list(events)
    if events:
        # robust: the write stands even if the push fails; clients recover by id.
        transaction.on_commit(lambda: async_to_sync(publish_now)(events), robust=True)
