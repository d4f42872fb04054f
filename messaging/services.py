"""
Writes about messages: send, delete, read pointers and typing.

A send is stored before anyone hears of it (`message.new` goes out after
commit), is idempotent by (author, client_id), and is rate limited per user
across every socket and REST call.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.serializers import UserSerializer
from chatroom.exceptions import ChatError, Forbidden, Invalid, NotFound, NotMember, RateLimited
from chatroom.ratelimit import send_bucket
from chatroom.realtime import protocol
from chatroom.realtime.events import Event, publish_now, publish_on_commit, to_room
from messaging.models import Message
from messaging.search import search_index_update
from messaging.serializers import MessageSerializer
from moderation.models import ModerationAction
from moderation.services import moderation_record
from rooms.models import Membership
from rooms.selectors import membership_acting, membership_get, membership_pairs

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class SendRequest:
    author: "User"
    room_id: int
    body: str
    client_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool  # False: a repeat of a client_id already stored; nothing new was written
    # The message as the protocol shows it, when its batch serialized it already (see _insert).
    data: dict | None = None

    def message_data(self) -> dict:
        return self.data if self.data is not None else MessageSerializer(self.message).data


def message_new_event(message: Message, data: dict) -> Event:
    return to_room(message.room_id, protocol.message_new(message=data))


def message_send(*, author: "User", room_id: int, body: str, client_id: str | None = None) -> SendResult:
    """Store one message and push it to the room; see message_send_many."""
    result = message_send_many(requests=[SendRequest(author, room_id, body, client_id)])[0]
    if isinstance(result, ChatError):
        raise result
    return result


def message_send_many(*, requests: list[SendRequest]) -> list[SendResult | ChatError]:
    """
    Store a batch of sends in one transaction and push each new message after
    commit. One result per request, in order: a SendResult, or the ChatError
    that refused it. Grouping sends into one commit is what lets one process
    store hundreds of messages a second (messaging.batching).
    A repeat of a client_id stored earlier answers with the original and pushes
    nothing (PROTOCOL.md); a push lost with a dead worker is recovered by id.
    """
    results: list[SendResult | ChatError | None] = [None] * len(requests)
    memberships = membership_pairs(pairs=((r.author.id, r.room_id) for r in requests))
    stored = _messages_by_client_id(requests)
    to_insert: list[tuple[int, Message]] = []
    for index, request in enumerate(requests):
        if (request.author.id, request.room_id) not in memberships:
            results[index] = NotMember()
            continue
        key = (request.author.id, request.client_id)
        if request.client_id is not None and key in stored:
            results[index] = SendResult(stored[key], created=False)
            continue
        wait = send_bucket().hit(request.author.id)
        if wait:
            results[index] = RateLimited(wait)
            continue
        message = Message(
            room_id=request.room_id, author=request.author, body=request.body, client_id=request.client_id
        )
        if request.client_id is not None:
            stored[key] = message  # a repeat within this batch answers with this one
        to_insert.append((index, message))
    if to_insert:
        try:
            inserted = _insert([message for _, message in to_insert])
        except IntegrityError:
            # A concurrent send with the same client_id, or a room deleted meanwhile:
            # retry one by one so that each request gets its own answer.
            if len(requests) == 1:
                return [_answer_after_conflict(requests[0])]
            for index, _ in to_insert:
                results[index] = message_send_many(requests=[requests[index]])[0]
            return results
        for (index, message), data in zip(to_insert, inserted, strict=True):
            results[index] = SendResult(message, created=True, data=data)
    for index, request in enumerate(requests):
        if results[index] is None:  # repeated within the batch: answer with the message now stored
            results[index] = SendResult(stored[(request.author.id, request.client_id)], created=False)
    return results


def _messages_by_client_id(requests: list[SendRequest]) -> dict[tuple[int, str], Message]:
    wanted = Q()
    for request in requests:
        if request.client_id is not None:
            wanted |= Q(author_id=request.author.id, client_id=request.client_id)
    if not wanted:
        return {}
    return {(m.author_id, m.client_id): m for m in Message.objects.filter(wanted).select_related("author")}


@transaction.atomic
def _insert(messages: list[Message]) -> list[dict]:
    """
    Store the messages, publish them after commit, and return them serialized.
    One serializer for the whole batch: DRF builds a ModelSerializer's fields
    for every instance, which costs more than the rest of a send, so the batch
    is serialized once (many=True) and that data serves both push and ack.
    """
    now = timezone.now()
    for message in messages:
        message.created_at = now
        message.save(force_insert=True)
    search_index_update(messages=messages, created=True)
    serialized = MessageSerializer(messages, many=True).data
    publish_on_commit(message_new_event(m, data) for m, data in zip(messages, serialized, strict=True))
    return serialized


def _answer_after_conflict(request: SendRequest) -> SendResult | ChatError:
    original = _messages_by_client_id([request]).get((request.author.id, request.client_id))
    if original is not None:
        return SendResult(original, created=False)
    return NotMember()


@transaction.atomic
def message_delete(*, actor: "User", room_id: int, message_id: int, reason: str = "", as_staff: bool = False) -> None:
    """
    Hide a message (soft delete); its author, the room's owner or an admin
    may, or site staff `as_staff` (rooms.selectors.membership_acting).
    Deleting someone else's message is moderation and goes in the audit trail.
    """
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    message = (
        Message.objects.select_for_update().filter(pk=message_id, room_id=room_id, deleted_at__isnull=True).first()
    )
    if message is None:
        raise NotFound("No such message.")
    if message.author_id != actor.id and acting.role not in (Membership.Role.OWNER, Membership.Role.ADMIN):
        raise Forbidden("Only the author, the room's owner or an admin may delete this message.")
    message.deleted_at = timezone.now()
    message.save(update_fields=["deleted_at"])
    search_index_update(messages=[message])
    if as_staff or message.author_id != actor.id:
        moderation_record(
            actor=actor,
            action=ModerationAction.Action.MESSAGE_DELETE,
            authority=acting.authority,
            target_user=message.author,
            room=acting.room,
            message=message,
            reason=reason,
        )
    publish_on_commit([to_room(room_id, protocol.message_deleted(room=room_id, message_id=message.id))])


def message_mark_read(*, user: "User", room_id: int, message_id: int) -> None:
    """Move the user's read pointer forward to `message_id`, a message of the room; never back."""
    membership = membership_get(user=user, room_id=room_id)
    if not Message.objects.filter(pk=message_id, room_id=room_id).exists():
        raise Invalid(fields={"message_id": ["No such message in this room."]})
    Membership.objects.filter(pk=membership.pk, last_read_message_id__lt=message_id).update(
        last_read_message_id=message_id
    )


# --- Typing: not stored, published at once ----------------------------------------


async def typing_notify(*, user: "User", room_id: int) -> None:
    """Tell the room's other members that `user` is typing; at most once a second per user and room."""
    await database_sync_to_async(membership_get)(user=user, room_id=room_id)
    if await cache.aadd(f"typing:{user.id}:{room_id}", 1, timeout=1):
        frame = protocol.typing(room=room_id, user=UserSerializer(user).data)
        await publish_now([to_room(room_id, frame, exclude_user=user.id)])
