"""
Writes about a person that reach beyond their identity (PROTOCOL.md "People"):
a new display name or avatar, announced to every room they are in, and the
deletion of an account with what it leaves behind in rooms and messages.

Here, not in accounts, because both need rooms and messages, which accounts
(identity only) may not import; messaging is the lowest layer that may.
"""

import logging
import secrets
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import DELETED_DISPLAY_NAME, User
from accounts.serializers import UserSerializer
from accounts.services import user_set_avatar
from chatroom.exceptions import Conflict, Invalid, NotFound
from chatroom.images import file_delete_on_commit
from chatroom.realtime import protocol
from chatroom.realtime.events import Event, publish_on_commit, to_room, to_user
from messaging.models import Message, MessageEdit
from messaging.search import search_index_update
from messaging.services import _seq_take
from rooms.models import Membership, Room

security_logger = logging.getLogger("chatroom.security")


class RoomsOwned(Conflict):
    """The account owns rooms: they must be handed over or deleted first. `extra` names them for the API."""

    def __init__(self, rooms: list[dict]):
        self.extra = {"rooms": rooms}
        names = _(", ").join(f"“{room['name']}”" for room in rooms)
        super().__init__(
            _("You own %(rooms)s: hand each room over to another member, or delete it, first.") % {"rooms": names}
        )


def user_updated_events(user: User) -> list[Event]:
    """
    `user.updated` for every socket that shares a room with the user (their own
    included): one event per room they are in, found in one query. A socket in
    several of those rooms hears it once per room; the frame is idempotent.
    A user in no room hears it on their own sockets only.
    """
    frame = protocol.user_updated(user=UserSerializer(user).data)
    room_ids = sorted(Membership.objects.filter(user=user).values_list("room_id", flat=True))
    if not room_ids:
        return [to_user(user.id, frame)]
    return [to_room(room_id, frame) for room_id in room_ids]


@transaction.atomic
def user_profile_update(*, user: User, display_name: str | None = None, avatar: File | None = None) -> User:
    """
    Change the user's display name (already cleaned: accounts.serializers.display_name_clean)
    and/or avatar (already verified), and tell everyone who shares a room with them once
    this commits. A name equal to the username is stored blank, so that it follows a
    rename; a change that changes nothing is not announced.
    """
    before = UserSerializer(user).data
    if display_name is not None:
        stored = "" if display_name == user.username else display_name
        if stored != user.display_name:
            user.display_name = stored
            user.save(update_fields=["display_name"])
    if avatar is not None:
        user_set_avatar(user=user, avatar=avatar)
    if UserSerializer(user).data != before:
        publish_on_commit(user_updated_events(user))
    return user


# --- Deleting an account -------------------------------------------------------------


def _deleted_username(user: User) -> str:
    """deleted-<id>; registration refuses that form, but an account older than the rule may hold one."""
    name = f"deleted-{user.id}"
    while User.objects.filter(username_key=name).exclude(pk=user.pk).exists():
        name = f"deleted-{user.id}-{secrets.token_hex(3)}"
    return name


def _messages_erase(*, author: User, now) -> list[Event]:
    """
    Delete every undeleted message of `author` as a deletion by its author does
    (messaging.services.message_delete): each takes its room's next change number
    under the room's lock and is pushed as `message.deleted`; and, this being an
    erasure, its text and earlier versions go now rather than at the retention purge.
    The caller's transaction holds the rooms' locks (taken here, ascending).
    """
    messages = list(Message.objects.filter(author=author, deleted_at__isnull=True).order_by("room_id", "id"))
    if not messages:
        return []
    by_room: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_room[message.room_id].append(message)
    first_seq = _seq_take({room_id: len(items) for room_id, items in by_room.items()})
    erased: list[Message] = []
    for room_id, items in by_room.items():
        if room_id not in first_seq:
            continue  # the room went meanwhile, and its messages with it
        for offset, message in enumerate(items):
            message.seq = first_seq[room_id] + offset
            message.deleted_at, message.body, message.html = now, "", ""
            erased.append(message)
    Message.objects.bulk_update(erased, ["seq", "deleted_at", "body", "html"], batch_size=500)
    MessageEdit.objects.filter(message__in=erased).delete()
    search_index_update(messages=erased)
    return [to_room(m.room_id, protocol.message_deleted(room=m.room_id, message_id=m.id, seq=m.seq)) for m in erased]


def account_delete(*, user: User, password: str, erase_messages: bool = False) -> None:
    """
    Delete the user's account at their own request (PROTOCOL.md `DELETE me/`).

    The row stays, so that messages keep an author: renamed deleted-<id>, shown
    as "Deleted user", no avatar, no password, inactive, out of every room. Its
    tokens and tickets are refused from now on (tokens_valid_after), its sockets
    close with 4403, and it can never sign in again (moderation cannot
    reactivate it). With `erase_messages`, its messages become tombstones.
    Refused while the user owns a room (RoomsOwned, 409).
    """
    if not user.check_password(password):
        raise Invalid(fields={"password": [_("The password is not correct.")]})
    with transaction.atomic():
        # The user's row first: a hand-over to this user (rooms.services.room_hand_over) takes it too,
        # so it either lands before (and is refused below) or finds the user gone from the room.
        user = User.objects.select_for_update().filter(pk=user.pk, deleted_at__isnull=True).first()
        if user is None:
            raise NotFound(_("No such account."))
        owned = list(Room.objects.filter(owner=user).order_by("name", "id").values("id", "name"))
        if owned:
            raise RoomsOwned(owned)
        now = timezone.now()
        member_of = list(Membership.objects.filter(user=user).values_list("room_id", flat=True))
        written_in = Message.objects.filter(author=user, deleted_at__isnull=True).values_list("room_id", flat=True)
        lock_ids = set(member_of) | (set(written_in) if erase_messages else set())
        # Every room touched, in one statement, ascending: the order every writer of seq locks in.
        list(Room.objects.select_for_update().filter(pk__in=lock_ids).order_by("pk").values_list("pk", flat=True))
        events = _messages_erase(author=user, now=now) if erase_messages else []

        avatar = user.avatar
        user.username = _deleted_username(user)
        user.display_name = DELETED_DISPLAY_NAME
        user.avatar = ""
        user.email = user.first_name = user.last_name = user.language = ""
        user.password = make_password(None)  # unusable; not set_password(), which would close sockets with 4401
        user.is_active = user.is_staff = user.is_superuser = False
        user.tokens_valid_after = user.deleted_at = now
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        file_delete_on_commit(avatar)

        # Their messages now read "Deleted user" on every open page; then they leave each room.
        user_data = UserSerializer(user).data
        Membership.objects.filter(user=user).delete()
        for room_id in sorted(member_of):
            events.append(to_room(room_id, protocol.user_updated(user=user_data)))
            events.append(
                to_room(
                    room_id, protocol.member_left(room=room_id, user=user_data, reason="left"), exclude_user=user.id
                )
            )
        events.append(to_user(user.id, close_code=protocol.CLOSE_DEACTIVATED))
        publish_on_commit(events)
    security_logger.info(
        "account deleted",
        extra={"event": "accounts.deleted", "user_id": user.id, "erase_messages": erase_messages},
    )
