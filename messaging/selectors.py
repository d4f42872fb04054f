"""Reads about messages."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from chatroom.exceptions import NotFound
from messaging.models import Message
from messaging.search import query_words, search_message_ids
from rooms.models import Room
from rooms.selectors import membership_get, room_ids_for_user

if TYPE_CHECKING:
    from accounts.models import User

HISTORY_MAX_LIMIT = 200
SEARCH_MAX_LIMIT = 100


def messages_shown() -> QuerySet[Message]:
    """
    Messages with what their protocol object shows (author, the message each
    answers and its author) in the same query, and their attachments in one
    more: a page costs two queries, never one per message. Mentions and
    reactions are columns of the message.
    """
    return Message.objects.select_related("author", "reply_to__author").prefetch_related("attachments")


def message_history(*, room_id: int, before: int | None = None, after: int | None = None, limit: int = 50):
    """
    Return (messages oldest first, has_more). Without a cursor: the newest
    `limit`; `before`: the `limit` just older; `after`: the `limit` just newer.
    `has_more` looks one row further in the direction of travel.
    """
    limit = min(limit, HISTORY_MAX_LIMIT)
    visible = messages_shown().filter(room_id=room_id, deleted_at__isnull=True)
    if after is not None:
        rows = list(visible.filter(id__gt=after).order_by("id")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before is not None:
        visible = visible.filter(id__lt=before)
    rows = list(visible.order_by("-id")[: limit + 1])
    return rows[:limit][::-1], len(rows) > limit


def message_changes(*, room_id: int, since: int, limit: int) -> tuple[int, list[Message], bool]:
    """
    Return (the room's seq, messages, has_more): each message whose latest
    change is after `since`, once, in its current state, by `seq`. The room's
    seq is read first and bounds the messages, so that "current up to seq" holds
    however many changes commit meanwhile: a message changed again after that
    read shows up in the next call, under its new number.
    """
    seq = Room.objects.filter(pk=room_id).values_list("seq", flat=True).first()
    if seq is None:
        raise NotFound(_("No such room."))
    rows = list(messages_shown().filter(room_id=room_id, seq__gt=since, seq__lte=seq).order_by("seq")[: limit + 1])
    return seq, rows[:limit], len(rows) > limit


def message_get(*, room_id: int, message_id: int) -> Message:
    """An undeleted message of a room the caller was already checked into, or NotFound."""
    message = messages_shown().filter(pk=message_id, room_id=room_id, deleted_at__isnull=True).first()
    if message is None:
        raise NotFound(_("No such message."))
    return message


def message_history_around(*, room_id: int, around: int, limit: int = 50) -> tuple[list[Message], bool, bool]:
    """
    Return (messages oldest first, has_older, has_newer): the `limit // 2`
    messages older than `around`, then the message `around` (when it is
    visible) and those after it, `limit` in all. `around` need not be a
    visible message: a deleted one still marks its place. The flags look one
    row beyond each end, so that a client knows which way it can page.
    """
    limit = min(limit, HISTORY_MAX_LIMIT)
    visible = messages_shown().filter(room_id=room_id, deleted_at__isnull=True)
    half = limit // 2
    older = list(visible.filter(id__lt=around).order_by("-id")[: half + 1])
    newer = list(visible.filter(id__gte=around).order_by("id")[: limit - half + 1])
    return older[:half][::-1] + newer[: limit - half], len(older) > half, len(newer) > limit - half


def message_search(
    *, user: "User", q: str, room_id: int | None = None, before: int | None = None, limit: int = 20
) -> tuple[list[Message], bool]:
    """
    Return (messages newest first, has_more): the undeleted messages of the
    user's rooms, or of `room_id` only (NotMember when the user is not in it),
    whose body contains every word of `q`, older than `before` when given.
    The database's full-text index finds them (messaging.search).
    """
    limit = min(limit, SEARCH_MAX_LIMIT)
    if room_id is not None:
        room_ids = {membership_get(user=user, room_id=room_id).room_id}
    else:
        room_ids = room_ids_for_user(user=user)
    ids = search_message_ids(words=query_words(q), room_ids=room_ids, before=before, limit=limit + 1)
    found = messages_shown().filter(id__in=ids[:limit]).order_by("-id")
    return list(found), len(ids) > limit


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
