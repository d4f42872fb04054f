"""Reads about messages and presence."""

from django.core.cache import cache

from messaging.models import Message

HISTORY_MAX_LIMIT = 200


def message_history(*, room_id: int, before: int | None = None, after: int | None = None, limit: int = 50):
    """
    Return (messages oldest first, has_more). Without a cursor: the newest
    `limit`; `before`: the `limit` just older; `after`: the `limit` just newer.
    `has_more` looks one row further in the direction of travel.
    """
    limit = min(limit, HISTORY_MAX_LIMIT)
    visible = Message.objects.filter(room_id=room_id, deleted_at__isnull=True).select_related("author")
    if after is not None:
        rows = list(visible.filter(id__gt=after).order_by("id")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before is not None:
        visible = visible.filter(id__lt=before)
    rows = list(visible.order_by("-id")[: limit + 1])
    return rows[:limit][::-1], len(rows) > limit


def presence_key(user_id: int) -> str:
    return f"presence:{user_id}"


def online_user_ids(user_ids: list[int]) -> set[int]:
    """Which of these users have at least one open socket, on any worker."""
    counts = cache.get_many([presence_key(uid) for uid in user_ids])
    return {uid for uid in user_ids if (counts.get(presence_key(uid)) or 0) > 0}
