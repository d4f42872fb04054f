"""Reads about messages."""

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


def room_history(*, room_id: int, around: int | None = None, limit: int = 200) -> list[Message]:
    """
    A room's messages as moderators read them, deleted ones included, oldest
    first: the latest `limit`, or with `around` the message of that id with
    `limit // 2` on either side.
    """
    messages = Message.objects.filter(room_id=room_id).select_related("author").order_by("-id")
    if around is None:
        return list(messages[:limit])[::-1]
    half = limit // 2
    before = list(messages.filter(id__lt=around)[:half])[::-1]
    rest = list(messages.filter(id__gte=around).order_by("id")[: half + 1])
    return before + rest
