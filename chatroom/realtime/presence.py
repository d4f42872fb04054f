"""
Presence: who has at least one open socket, on any worker, and the `presence`
frames that announce a user's first socket opening and last one closing.

Counts live in the shared cache (Redis in production), one per user.
"""

from django.core.cache import cache

from chatroom.realtime.events import publish_now, to_room
from chatroom.realtime.protocol import UserData, presence


def presence_key(user_id: int) -> str:
    return f"presence:{user_id}"


def online_user_ids(user_ids: list[int]) -> set[int]:
    """Which of these users have at least one open socket, on any worker."""
    counts = cache.get_many([presence_key(uid) for uid in user_ids])
    return {uid for uid in user_ids if (counts.get(presence_key(uid)) or 0) > 0}


async def presence_connect(*, user: UserData, room_ids: set[int]) -> None:
    """Count a new socket of the user; their first one announces them online to every room they share."""
    key = presence_key(user["id"])
    await cache.aadd(key, 0, timeout=None)
    if await cache.aincr(key) == 1:
        await _publish(user, room_ids, online=True)


async def presence_disconnect(*, user: UserData, room_ids: set[int]) -> None:
    """Count a closed socket of the user; their last one announces them offline."""
    try:
        remaining = await cache.adecr(presence_key(user["id"]))
    except ValueError:  # the count was lost (cache restarted): nothing to announce
        return
    if remaining <= 0:
        await _publish(user, room_ids, online=False)


async def _publish(user: UserData, room_ids: set[int], *, online: bool) -> None:
    await publish_now(
        to_room(room_id, presence(room=room_id, user=user, online=online), exclude_user=user["id"])
        for room_id in room_ids
    )
