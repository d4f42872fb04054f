"""
Writes about messages: send, edit, delete, react, read pointers and typing.

A change is stored before anyone hears of it (its push goes out after
commit) and takes its room's next change number, `seq`, in its own
transaction (PROTOCOL.md, "The change log"): the room's row is locked, its
seq advanced, and the change written, so that a committed change always has
its number and a rolled-back one leaves no hole. Writers that lock several
rooms (a batch of sends) lock them in ascending id order, so that no two
deadlock. A body is rendered (messaging.rendering) once, before the
transaction, never per recipient.

A send is idempotent by (author, client_id); sends, edits, deletions and
reactions share one rate limit per user across every socket and REST call.
"""

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.serializers import UserSerializer
from chatroom import metrics
from chatroom.exceptions import ChatError, Forbidden, Invalid, NotFound, NotMember, RateLimited
from chatroom.ratelimit import send_bucket
from chatroom.realtime import protocol
from chatroom.realtime.events import Event, publish_now, publish_on_commit, to_room
from messaging.attachments import attachments_bind, attachments_claim, attachments_delete_for_message
from messaging.models import Message, MessageEdit, MessageMention, Reaction
from messaging.rendering import Member, Rendered, mention_names, render
from messaging.search import search_index_update
from messaging.selectors import message_get, messages_shown
from messaging.serializers import MessageSerializer, message_tombstone
from moderation.models import ModerationAction
from moderation.services import moderation_forget_message_text, moderation_record
from rooms.models import Membership, Room
from rooms.selectors import members_named, membership_acting, membership_get, membership_pairs
from rooms.services import direct_reveal

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User

# Distinct emoji one message may carry (PROTOCOL.md version 2).
MAX_REACTION_EMOJI = 20


@dataclass(frozen=True)
class SendRequest:
    author: "User"
    room_id: int
    body: str
    client_id: str | None = None
    reply_to: int | None = None  # id of the message this one answers
    attachments: tuple[int, ...] = ()  # ids of the author's uploads in this room, in order (messaging.attachments)


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool  # False: a repeat of a client_id already stored; nothing new was written
    # The message as the protocol shows it, when its batch serialized it already (see _insert).
    data: dict | None = None

    def message_data(self) -> dict:
        return self.data if self.data is not None else MessageSerializer(self.message).data


@dataclass(frozen=True)
class ChangeResult:
    """What an edit, a deletion or a reaction left: the message, and its protocol object (a tombstone once deleted)."""

    message: Message
    data: dict
    changed: bool  # False: nothing to change (a repeated reaction, an edit to the same body): no seq, no push


def message_new_event(message: Message, data: dict) -> Event:
    return to_room(message.room_id, protocol.message_new(seq=message.seq, message=data))


def message_send(
    *,
    author: "User",
    room_id: int,
    body: str,
    client_id: str | None = None,
    reply_to: int | None = None,
    attachments: Sequence[int] = (),
) -> SendResult:
    """Store one message and push it to the room; see message_send_many."""
    request = SendRequest(author, room_id, body, client_id, reply_to, tuple(attachments))
    result = message_send_many(requests=[request])[0]
    if isinstance(result, ChatError):
        raise result
    return result


def message_send_many(*, requests: list[SendRequest]) -> list[SendResult | ChatError]:
    """
    Store a batch of sends in one transaction and push each new message after
    commit. One result per request, in order: a SendResult, or the ChatError
    that refused it. Grouping sends into one commit is what lets one process
    store hundreds of messages a second (messaging.batching): the batch costs
    one query per kind of check, one lock and one seq update per room, and one
    INSERT for the messages (one per message on MySQL) and one for their mentions.
    A repeat of a client_id stored earlier answers with the original and pushes
    nothing (PROTOCOL.md); a push lost with a dead worker is recovered by id.
    """
    results: list[SendResult | ChatError | None] = [None] * len(requests)
    memberships = membership_pairs(pairs=((r.author.id, r.room_id) for r in requests))
    stored = _messages_by_client_id(requests)
    targets = _reply_targets(requests)
    # Requests that pass the checks, then the rate limit for all of them at once (one Redis round trip).
    passing: list[tuple[int, SendRequest, Message | None]] = []
    first_of: dict[tuple[int, str], int] = {}  # (author, client_id) -> index of its first passing request
    for index, request in enumerate(requests):
        if (request.author.id, request.room_id) not in memberships:
            results[index] = NotMember()
            continue
        key = (request.author.id, request.client_id)
        if request.client_id is not None and key in stored:
            results[index] = SendResult(stored[key], created=False)
            continue
        if not request.body and not request.attachments:
            results[index] = Invalid(fields={"body": [gettext_lazy("A message needs a body or attachments.")]})
            continue
        if request.client_id is not None and key in first_of:
            continue  # repeated within this batch: answered as the first, below
        target = targets.get(request.reply_to) if request.reply_to is not None else None
        if request.reply_to is not None and (target is None or target.room_id != request.room_id):
            results[index] = Invalid(fields={"reply_to": [gettext_lazy("No such message in this room.")]})
            continue
        if request.client_id is not None:
            first_of[key] = index
        passing.append((index, request, target))
    waits = send_bucket().hit_many([request.author.id for _, request, _ in passing])
    to_insert: list[tuple[int, Message]] = []
    for (index, request, target), wait in zip(passing, waits, strict=True):
        if wait:
            results[index] = RateLimited(wait)
            continue
        message = Message(
            room_id=request.room_id,
            author=request.author,
            body=request.body,
            client_id=request.client_id,
            reply_to=target,
        )
        if request.client_id is not None:
            stored[(request.author.id, request.client_id)] = message  # a repeat within this batch answers with this
        to_insert.append((index, message))
    if to_insert:
        for (_, message), rendered in zip(to_insert, _render((m.room_id, m.body) for _, m in to_insert), strict=True):
            message.html, message.mentions = rendered.html, rendered.mentions
        try:
            inserted = _insert(
                [message for _, message in to_insert], [requests[index].attachments for index, _ in to_insert]
            )
        except IntegrityError:
            # A concurrent send with the same client_id: retry one by one so that each
            # request gets its own answer.
            if len(requests) == 1:
                return [_answer_after_conflict(requests[0])]
            for index, _ in to_insert:
                results[index] = message_send_many(requests=[requests[index]])[0]
            return results
        metrics.messages_stored.inc(sum(data is not None for data in inserted))
        for (index, message), data in zip(to_insert, inserted, strict=True):
            # A ChatError: the room was deleted since the membership check, or an attachment was refused.
            results[index] = data if isinstance(data, ChatError) else SendResult(message, created=True, data=data)
    for index, request in enumerate(requests):
        if results[index] is None:  # repeated within the batch: answer as the first was answered
            first = stored.get((request.author.id, request.client_id))
            if first is None:  # the first was refused (rate limited)
                results[index] = results[first_of[(request.author.id, request.client_id)]]
            else:
                results[index] = SendResult(first, created=False) if first.pk is not None else NotMember()
    return results


def _messages_by_client_id(requests: list[SendRequest]) -> dict[tuple[int, str], Message]:
    """
    The stored messages of these (author, client_id) pairs. One query by the two
    lists, narrowed to the pairs here: an OR of a condition per pair costs Django
    more to compile than the database to run.
    """
    wanted = {(request.author.id, request.client_id) for request in requests if request.client_id is not None}
    if not wanted:
        return {}
    # Repeats are rare: a plain look first, and the messages with what they show only for those found.
    found = (
        Message.objects.filter(
            author_id__in={author for author, _ in wanted}, client_id__in={client_id for _, client_id in wanted}
        )
        .order_by()
        .values_list("id", "author_id", "client_id")
    )
    ids = [id_ for id_, author, client_id in found if (author, client_id) in wanted]
    if not ids:
        return {}
    return {(m.author_id, m.client_id): m for m in messages_shown().filter(pk__in=ids)}


def _reply_targets(requests: list[SendRequest]) -> dict[int, Message]:
    """The undeleted messages the batch answers, with their authors, by id (one query, when any)."""
    ids = {request.reply_to for request in requests if request.reply_to is not None}
    if not ids:
        return {}
    return messages_shown().filter(deleted_at__isnull=True).in_bulk(ids)


def _render(items: Iterable[tuple[int, str]]) -> list[Rendered]:
    """Render each (room id, body); the @names of all of them are looked up among their rooms' members at once."""
    items = list(items)
    names: set[str] = set()
    room_ids: set[int] = set()
    for room_id, body in items:
        if found := mention_names(body):
            names |= found
            room_ids.add(room_id)
    members: dict[int, dict[str, Member]] = defaultdict(dict)
    for room_id, user_id, username in members_named(room_ids=room_ids, names=names):
        members[room_id][username.lower()] = Member(user_id, username)
    return [render(body, members.get(room_id, {})) for room_id, body in items]


def _rooms_lock(room_ids: Iterable[int]) -> dict[int, int]:
    """
    Lock the rooms' rows for the rest of the transaction and return {room id: seq}
    of those that exist. Always in ascending id order: two transactions that lock
    overlapping sets then queue instead of deadlocking. Take it first in a
    change's transaction, before any insert whose foreign key check would take a
    shared lock on the same row (InnoDB), and before reading what the change
    depends on, so that the read sees every change committed before.
    On SQLite, FOR UPDATE is a no-op: writers hold the database's one write
    lock from BEGIN (IMMEDIATE transactions, chatroom.settings) instead.
    """
    return dict(Room.objects.select_for_update().filter(pk__in=set(room_ids)).order_by("pk").values_list("pk", "seq"))


def _seq_take(counts: Mapping[int, int]) -> dict[int, int]:
    """Take `counts[room_id]` consecutive numbers in each room; return the first of each, for the rooms that exist."""
    current = _rooms_lock(counts)
    return _seq_take_locked(current, {room_id: count for room_id, count in counts.items() if room_id in current})


def _seq_take_locked(current: Mapping[int, int], counts: Mapping[int, int]) -> dict[int, int]:
    """
    Take `counts[room_id]` consecutive numbers in each room already locked by _rooms_lock
    (`current`: its seq); return the first of each.
    """
    if len(counts) == 1:
        [(room_id, count)] = counts.items()
        Room.objects.filter(pk=room_id).update(seq=current[room_id] + count)
    elif counts:  # one UPDATE for the batch's rooms, not one per room
        _seqs_set({room_id: current[room_id] + count for room_id, count in counts.items()})
    return {room_id: current[room_id] + 1 for room_id in counts}


def _seqs_set(seqs: Mapping[int, int]) -> None:
    """
    Set several rooms' seq in one UPDATE (a batch of sends spans many rooms). Plain
    SQL: Django compiles an update() with a Case/When per room in time that grows
    with the square of the rooms (profiled: more than the database's own work).
    """
    quote = connection.ops.quote_name
    table, pk, seq = quote(Room._meta.db_table), quote(Room._meta.pk.column), quote(Room._meta.get_field("seq").column)
    cases = " ".join(["WHEN %s THEN %s"] * len(seqs))
    ids = ", ".join(["%s"] * len(seqs))
    # Identifiers from the model and placeholders only; the values go as parameters.
    sql = f"UPDATE {table} SET {seq} = CASE {pk} {cases} END WHERE {pk} IN ({ids})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in seqs.items() for value in pair] + list(seqs))


@transaction.atomic
def _insert(messages: list[Message], attachment_ids: list[tuple[int, ...]]) -> list[dict | ChatError]:
    """
    Number and store the messages with their attachments, publish them after
    commit, and return each serialized, or the ChatError that refused it
    (NotMember: its room no longer exists; Invalid: an attachment it names
    cannot be used, messaging.attachments.attachments_claim).
    One serializer for the whole batch: DRF builds a ModelSerializer's fields
    for every instance, which costs more than the rest of a send, so the batch
    is serialized once (many=True) and that data serves both push and ack.
    """
    current = _rooms_lock(message.room_id for message in messages)
    in_rooms = [
        (message, ids) for message, ids in zip(messages, attachment_ids, strict=True) if message.room_id in current
    ]
    refused, taken = attachments_claim(sends=in_rooms)
    refusals: dict[int, ChatError] = {id(in_rooms[index][0]): error for index, error in refused.items()}
    stored = [message for message, _ in in_rooms if id(message) not in refusals]
    next_seq = _seq_take_locked(current, Counter(message.room_id for message in stored))
    first_messages_in = [room_id for room_id, seq in next_seq.items() if seq == 1]
    now = timezone.now()
    for message in stored:
        message.seq = next_seq[message.room_id]
        next_seq[message.room_id] += 1
        message.created_at = now
    if connection.features.can_return_rows_from_bulk_insert:  # SQLite, MariaDB >= 10.5, PostgreSQL
        Message.objects.bulk_create(stored)  # one INSERT ... RETURNING id for the batch
    else:  # MySQL returns no ids from a multi-row INSERT
        for message in stored:
            message.save(force_insert=True)
    attachments_bind(messages=stored, taken=taken)
    search_index_update(messages=stored, created=True)
    MessageMention.objects.bulk_create(
        MessageMention(message=message, user_id=user_id, room_id=message.room_id)
        for message in stored
        for user_id in message.mentions
    )
    serialized = [_new_message_serializer().to_representation(message) for message in stored]
    publish_on_commit(message_new_event(m, data) for m, data in zip(stored, serialized, strict=True))
    if first_messages_in:  # a direct room reaches its peer with its first message
        publish_on_commit(direct_reveal(room_ids=first_messages_in))
    by_message = {id(message): data for message, data in zip(stored, serialized, strict=True)}
    return [by_message.get(id(message)) or refusals.get(id(message)) or NotMember() for message in messages]


@functools.cache
def _new_message_serializer() -> MessageSerializer:
    """
    One MessageSerializer whose fields are built once per process, for new
    messages: a ModelSerializer builds its fields from the model on every
    instance (about 3 ms, profiled), which a batch of one message paid in full.
    Its to_representation reads only the message.
    """
    return MessageSerializer()


def _answer_after_conflict(request: SendRequest) -> SendResult | ChatError:
    original = _messages_by_client_id([request]).get((request.author.id, request.client_id))
    if original is not None:
        return SendResult(original, created=False)
    return NotMember()


# --- Changes to a stored message ---------------------------------------------------------


def _spend_send_budget(user: "User") -> None:
    """Edits, deletions and reactions count against the same per-user limit as sends."""
    wait = send_bucket().hit(user.id)
    if wait:
        raise RateLimited(wait)


def _lock_for_change(*, room_id: int, message_id: int) -> tuple[int, Message]:
    """
    First thing in a change's transaction: lock the room's row and return
    (its seq, the message as committed now). A message deleted since the
    caller's first look is NotFound.
    """
    seq = _rooms_lock([room_id]).get(room_id)
    message = messages_shown().filter(pk=message_id, room_id=room_id, deleted_at__isnull=True).first()
    if seq is None or message is None:
        raise NotFound(gettext_lazy("No such message."))
    return seq, message


def _seq_advance(room_id: int, seq: int) -> int:
    """Give the room, locked at `seq` by _lock_for_change, its next number; return it."""
    Room.objects.filter(pk=room_id).update(seq=seq + 1)
    return seq + 1


def _message_updated(message: Message) -> dict:
    """Serialize the changed message and push `message.updated` after commit; return its data."""
    data = MessageSerializer(message).data
    publish_on_commit([to_room(message.room_id, protocol.message_updated(seq=message.seq, message=data))])
    return data


def message_edit(*, author: "User", room_id: int, message_id: int, body: str) -> ChangeResult:
    """
    Replace a message's body (its author only, with a send's body rules); the
    earlier version is kept in MessageEdit. The same body again changes nothing.
    """
    membership_get(user=author, room_id=room_id)
    if message_get(room_id=room_id, message_id=message_id).author_id != author.id:
        raise Forbidden(gettext_lazy("Only its author may edit a message."))
    _spend_send_budget(author)
    [rendered] = _render([(room_id, body)])
    with transaction.atomic():
        seq, message = _lock_for_change(room_id=room_id, message_id=message_id)
        if not body and not message.attachments.all():
            raise Invalid(fields={"body": [gettext_lazy("Only a message with attachments may have an empty body.")]})
        if message.body == body:
            return ChangeResult(message, MessageSerializer(message).data, changed=False)
        now = timezone.now()
        MessageEdit.objects.create(
            message=message, body=message.body, written_at=message.edited_at or message.created_at, replaced_at=now
        )
        message.body, message.html, message.mentions = body, rendered.html, rendered.mentions
        message.edited_at, message.seq = now, _seq_advance(room_id, seq)
        message.save(update_fields=["body", "html", "mentions", "edited_at", "seq"])
        search_index_update(messages=[message])  # found by its new words, not its old ones
        MessageMention.objects.filter(message=message).delete()
        MessageMention.objects.bulk_create(
            MessageMention(message=message, user_id=user_id, room_id=room_id) for user_id in message.mentions
        )
        return ChangeResult(message, _message_updated(message), changed=True)


def message_delete(
    *, actor: "User", room_id: int, message_id: int, reason: str = "", as_staff: bool = False
) -> ChangeResult:
    """
    Hide a message (soft delete) with a new seq; its author, the room's owner or
    an admin may, or site staff `as_staff` (rooms.selectors.membership_acting).
    Deleting someone else's message is moderation and goes in the audit trail;
    staff moderating are not rate limited, members are.
    """
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    message = message_get(room_id=room_id, message_id=message_id)
    if message.author_id != actor.id and acting.role not in (Membership.Role.OWNER, Membership.Role.ADMIN):
        raise Forbidden(gettext_lazy("Only the author, the room's owner or an admin may delete this message."))
    if not as_staff:
        _spend_send_budget(actor)
    with transaction.atomic():
        seq, message = _lock_for_change(room_id=room_id, message_id=message_id)
        message.deleted_at, message.seq = timezone.now(), _seq_advance(room_id, seq)
        message.save(update_fields=["deleted_at", "seq"])
        attachments_delete_for_message(message=message)  # their files go after commit
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
        frame = protocol.message_deleted(room=room_id, message_id=message.id, seq=message.seq)
        publish_on_commit([to_room(room_id, frame)])
    return ChangeResult(message, message_tombstone(message), changed=True)


def reaction_add(*, user: "User", room_id: int, message_id: int, emoji: str) -> ChangeResult:
    """React to a message with `emoji` (already validated and normalised: messaging.serializers.EmojiField)."""
    return _reaction_change(user=user, room_id=room_id, message_id=message_id, emoji=emoji, add=True)


def reaction_remove(*, user: "User", room_id: int, message_id: int, emoji: str) -> ChangeResult:
    """Take back the user's `emoji` on a message."""
    return _reaction_change(user=user, room_id=room_id, message_id=message_id, emoji=emoji, add=False)


def _reaction_change(*, user: "User", room_id: int, message_id: int, emoji: str, add: bool) -> ChangeResult:
    """
    Add or remove one reaction. A reaction the user already has (add) or lacks
    (remove) is no change: no seq, no push (PROTOCOL.md).
    """
    membership_get(user=user, room_id=room_id)
    message_get(room_id=room_id, message_id=message_id)
    _spend_send_budget(user)
    with transaction.atomic():
        seq, message = _lock_for_change(room_id=room_id, message_id=message_id)
        reactions = list(Reaction.objects.filter(message=message))
        mine = next((r for r in reactions if r.user_id == user.id and r.emoji == emoji), None)
        if (mine is not None) == add:
            return ChangeResult(message, MessageSerializer(message).data, changed=False)
        if add:
            same = next((r for r in reactions if r.emoji == emoji), None)
            if same is None and len({r.emoji for r in reactions}) >= MAX_REACTION_EMOJI:
                raise Invalid(
                    fields={
                        "emoji": [
                            gettext_lazy("A message takes at most %(count)d different emoji.")
                            % {"count": MAX_REACTION_EMOJI}
                        ]
                    }
                )
            message.seq = _seq_advance(room_id, seq)
            emoji_seq = same.emoji_seq if same is not None else message.seq
            reactions.append(Reaction.objects.create(message=message, user=user, emoji=emoji, emoji_seq=emoji_seq))
        else:
            message.seq = _seq_advance(room_id, seq)
            reactions = [r for r in reactions if r.pk != mine.pk]
            mine.delete()
        message.reaction_summary = reaction_summary(reactions)
        message.save(update_fields=["reaction_summary", "seq"])
        return ChangeResult(message, _message_updated(message), changed=True)


def reaction_summary(reactions: Iterable[Reaction]) -> list[dict]:
    """The protocol's `reactions`: emoji in the order they (last) appeared, users in the order they reacted."""
    users_by_emoji: dict[str, list[int]] = {}
    for reaction in sorted(reactions, key=lambda r: (r.emoji_seq, r.id)):
        users_by_emoji.setdefault(reaction.emoji, []).append(reaction.user_id)
    return [{"emoji": emoji, "count": len(ids), "user_ids": ids} for emoji, ids in users_by_emoji.items()]


def message_mark_read(*, user: "User", room_id: int, message_id: int) -> None:
    """Move the user's read pointer forward to `message_id`, a message of the room; never back."""
    membership = membership_get(user=user, room_id=room_id)
    if not Message.objects.filter(pk=message_id, room_id=room_id).exists():
        raise Invalid(fields={"message_id": [gettext_lazy("No such message in this room.")]})
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


# --- Retention ----------------------------------------------------------------------

# Rows blanked per transaction, so that a first purge of a year's backlog holds no long lock.
PURGE_BATCH = 1000


def message_purge_deleted(*, deleted_before: "datetime") -> int:
    """
    Blank the text of messages deleted before `deleted_before`: the body, its rendered
    html and its earlier versions. The message stays as a tombstone (id, room, author,
    times: history and read pointers keep their places), and so does its moderation
    record, without its excerpt of the text. Returns how many messages were blanked.
    """
    purged = 0
    while True:
        with transaction.atomic():
            ids = list(
                Message.objects.filter(deleted_at__lt=deleted_before)
                .exclude(body="")
                .values_list("id", flat=True)[:PURGE_BATCH]
            )
            if not ids:
                break
            MessageEdit.objects.filter(message_id__in=ids).delete()
            purged += Message.objects.filter(pk__in=ids).update(body="", html="")
    moderation_forget_message_text(deleted_before=deleted_before)
    return purged
