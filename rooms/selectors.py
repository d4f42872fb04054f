"""
Reads about rooms.

Every room id that arrives from outside passes one accessor, `membership_get`
(with `membership_pairs` for a batch of sends, and `membership_acting` for an
action that staff may also take): a non-member, and a room that does not exist,
get the same NotMember, so rooms cannot be enumerated.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Lower
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.serializers import UserSerializer
from chatroom.exceptions import Forbidden, NotFound, NotMember
from chatroom.realtime.presence import online_user_ids
from messaging.models import Message, MessageMention
from moderation.models import ModerationAction
from moderation.selectors import user_may_moderate
from rooms.models import Membership, Room, RoomBan

if TYPE_CHECKING:
    from chatroom.realtime.protocol import UserData


def _memberships(*, user: "User", room_id: int) -> QuerySet[Membership]:
    """The one rule: the user's membership of the room, if there is one."""
    return Membership.objects.filter(user=user, room_id=room_id)


def membership_get(*, user: "User", room_id: int) -> Membership:
    """Return the user's membership of the room, or raise NotMember (a missing room looks the same)."""
    try:
        return _memberships(user=user, room_id=room_id).select_related("room").get()
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotMember() from None


def membership_pairs(*, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of these (user id, room id) pairs, the ones that are memberships: membership_get for a batch, in one query."""
    pairs = set(pairs)
    if not pairs:
        return set()
    found = Membership.objects.filter(
        user_id__in={user_id for user_id, _ in pairs}, room_id__in={room_id for _, room_id in pairs}
    ).values_list("user_id", "room_id")
    return set(found) & pairs


@dataclass(frozen=True)
class Acting:
    """How an actor acts in a room: through their membership, with the authority the audit trail records."""

    membership: Membership
    authority: str  # a ModerationAction.Authority: the member's role, or "staff"

    @property
    def room(self) -> Room:
        return self.membership.room

    @property
    def role(self) -> str:
        return self.membership.role


def membership_acting(*, actor: "User", room_id: int, as_staff: bool = False) -> Acting:
    """
    The membership an actor moderates a room through. Normally their own, so
    the room's rules apply (a member who happens to be staff is still a
    member). With `as_staff`, as the admin and the shell call it: an unsaved
    stand-in with the owner's powers, whether or not they are in the room.
    """
    if not as_staff:
        membership = membership_get(user=actor, room_id=room_id)
        return Acting(membership, membership.role)
    if not user_may_moderate(actor):
        raise Forbidden(
            gettext_lazy("Only staff with the moderate permission may moderate rooms they are not managing.")
        )
    try:
        room = Room.objects.get(pk=room_id)
    except (Room.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext_lazy("No such room.")) from None
    return Acting(Membership(room=room, user=actor, role=Membership.Role.OWNER), ModerationAction.Authority.STAFF)


def member_get(*, room_id: int, user_id: int) -> Membership:
    """Return another user's membership of a room the caller was already checked into."""
    try:
        return Membership.objects.select_related("user").get(room_id=room_id, user_id=user_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext_lazy("No such member.")) from None


def room_lock(*, room_id: int) -> None:
    """
    Lock the room's row until the transaction ends; call it first, before
    anything is read. Every change of a room's members and the room's deletion
    take it (rooms.services), so they apply one at a time and each sees the
    result of the one before. A room that does not exist locks nothing: the
    membership check that follows answers as for any room the caller is not in.
    """
    try:
        room_id = int(room_id)
    except (TypeError, ValueError):
        return
    list(Room.objects.select_for_update().filter(pk=room_id).values_list("pk", flat=True))


def _shown_memberships(*, user: "User") -> QuerySet[Membership]:
    """The user's memberships but those of direct rooms hidden from them until their first message."""
    return Membership.objects.filter(user=user, hidden=False)


def room_ids_for_user(*, user: "User") -> set[int]:
    return set(_shown_memberships(user=user).values_list("room_id", flat=True))


def room_seqs_for_user(*, user: "User") -> dict[int, int]:
    """{room id: the room's latest change number} for each room of the user: what `hello` tells a socket."""
    return dict(_shown_memberships(user=user).values_list("room_id", "room__seq"))


def members_named(*, room_ids: Iterable[int], names: Iterable[str]) -> list[tuple[int, int, str]]:
    """
    (room id, user id, username) of the members of these rooms whose lower-cased
    username is one of `names`: whom the `@name`s of a batch of messages may mention.
    """
    names = set(names)
    if not names:
        return []
    return list(
        Membership.objects.filter(room_id__in=set(room_ids))
        .annotate(name=Lower("user__username"))
        .filter(name__in=names)
        .values_list("room_id", "user_id", "user__username")
    )


def room_latest_message_id(*, room_id: int) -> int:
    return Message.objects.filter(room_id=room_id).order_by("-id").values_list("id", flat=True).first() or 0


def _count(queryset: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values("room_id").annotate(n=Count("id")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _memberships_with_room_state(*, user: "User") -> QuerySet[Membership]:
    """The user's memberships, annotated with what a Room shows that caller."""
    visible = Message.objects.filter(room_id=OuterRef("room_id"), deleted_at__isnull=True)
    last = visible.order_by("-id")
    return (
        Membership.objects.filter(user=user)
        .select_related("room", "room__owner")
        .annotate(
            member_count=_count(Membership.objects.filter(room_id=OuterRef("room_id"))),
            unread_count=_count(visible.filter(id__gt=OuterRef("last_read_message_id")).exclude(author=user)),
            mention_count=_count(
                MessageMention.objects.filter(
                    room_id=OuterRef("room_id"),
                    user=user,
                    message_id__gt=OuterRef("last_read_message_id"),
                    message__deleted_at__isnull=True,
                ).exclude(message__author=user)
            ),
            last_message_id=Subquery(last.values("id")[:1]),
            last_activity=Greatest(Coalesce(Subquery(last.values("created_at")[:1]), "room__created_at"), "joined_at"),
        )
    )


def _peers(*, user: "User", memberships: list[Membership]) -> dict[int, User]:
    """{direct room id: the other person in it}, one query for all of them (none without direct rooms)."""
    direct_ids = [m.room_id for m in memberships if m.room.kind == Room.Kind.DIRECT]
    if not direct_ids:
        return {}
    others = Membership.objects.filter(room_id__in=direct_ids).exclude(user=user).select_related("user")
    return {other.room_id: other.user for other in others}


def room_title_for(*, user: "User", room: Room) -> str:
    """The room's name as `user` sees it: a direct room is named after the other person (as RoomSerializer names it)."""
    if room.kind != Room.Kind.DIRECT:
        return room.name
    peer = Membership.objects.filter(room=room).exclude(user=user).select_related("user").first()
    if peer is None:
        return room.name
    return getattr(peer.user, "display_name", "") or peer.user.username


def _rooms_from(memberships: list[Membership], *, user: "User") -> list[Room]:
    last_ids = [m.last_message_id for m in memberships if m.last_message_id]
    last_messages = Message.objects.select_related("author", "reply_to__author").in_bulk(last_ids)
    peers = _peers(user=user, memberships=memberships)
    rooms = []
    for membership in memberships:
        room = membership.room
        room.peer = peers.get(room.id)  # the other person, as this member sees the direct room
        room.role = membership.role
        room.member_count = membership.member_count
        room.unread_count = membership.unread_count
        room.mention_count = membership.mention_count
        room.last_message = last_messages.get(membership.last_message_id)
        rooms.append(room)
    return rooms


def room_list_for_user(*, user: "User") -> list[Room]:
    """The user's rooms as the caller sees them, most recent activity first (not the direct ones hidden from them)."""
    memberships = _memberships_with_room_state(user=user).filter(hidden=False)
    return _rooms_from(list(memberships.order_by("-last_activity", "-room_id")), user=user)


def room_get_for_member(*, user: "User", room_id: int) -> Room:
    """One room as a member sees it (role, unread count, last message), or NotMember, as membership_get answers."""
    try:
        memberships = list(_memberships_with_room_state(user=user).filter(room_id=int(room_id)))
    except (ValueError, TypeError):
        raise NotMember() from None
    if not memberships:
        raise NotMember()
    return _rooms_from(memberships, user=user)[0]


def room_by_invite_code(*, invite_code: str) -> Room | None:
    """The group room behind an invite code, or None; for the invite page a signed-out visitor sees."""
    return Room.objects.filter(invite_code=invite_code, kind=Room.Kind.GROUP).first()


def ban_list(*, user: "User", room_id: int) -> list[RoomBan]:
    """
    The room's bans, newest first, with whom and by whom in the same query; for
    its owner and admins (Forbidden for members, NotMember for anyone else).
    """
    if membership_get(user=user, room_id=room_id).role not in (Membership.Role.OWNER, Membership.Role.ADMIN):
        raise Forbidden(gettext_lazy("Only the room's owner or an admin may see its bans."))
    bans = RoomBan.objects.filter(room_id=room_id).select_related("user", "banned_by")
    return list(bans.order_by("-created_at", "-id"))


def member_list(*, room_id: int) -> list[Membership]:
    """The room's members, first joined first, each with `online` set."""
    members = list(Membership.objects.filter(room_id=room_id).select_related("user").order_by("joined_at", "id"))
    return with_presence(members)


def with_presence(members: list[Membership]) -> list[Membership]:
    """Set `online` on each membership: its user is online on any worker (chatroom.realtime.presence)."""
    online = online_user_ids([member.user_id for member in members])
    for member in members:
        member.online = member.user_id in online
    return members


def presence_audience(*, user_ids: Iterable[int]) -> dict[int, tuple["UserData", set[int]]]:
    """
    Each user as frames show them, and the rooms they are in now: whom their
    `presence` frame goes to. The realtime kernel asks (RoomsConfig.ready
    registers this) when an offline falls due, maybe on a worker that never
    held their socket.
    """
    users = User.objects.filter(id__in=list(user_ids))
    rooms: dict[int, set[int]] = {}
    for user_id, room_id in Membership.objects.filter(user__in=users).values_list("user_id", "room_id"):
        rooms.setdefault(user_id, set()).add(room_id)
    return {user.id: (UserSerializer(user).data, rooms.get(user.id, set())) for user in users}
