"""
Writes about rooms and their members. Each action checks the caller's rights,
writes in one transaction and publishes its events after commit.

Every change of a room's members (join, leave, kick, ban, unban, role change,
deletion) first locks the room's row (rooms.selectors.room_lock), then checks and writes: so
they apply one at a time per room, and each check sees the result of the
change before it. Without it a join racing a ban could read "not banned" while
the ban read "not a member", and both commit.
"""

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.serializers import UserSerializer
from chatroom.exceptions import Conflict, Forbidden, Invalid, NotFound
from chatroom.images import file_delete_on_commit
from chatroom.realtime import protocol
from chatroom.realtime.events import Event, publish_on_commit, to_room, to_user
from messaging.search import search_index_drop_room
from moderation.models import ModerationAction
from moderation.services import moderation_record
from rooms.models import Membership, Room, RoomBan, new_invite_code
from rooms.selectors import (
    Acting,
    member_get,
    membership_acting,
    membership_get,
    room_get_for_member,
    room_latest_message_id,
    room_lock,
)
from rooms.serializers import RoomSerializer

Role = Membership.Role
MANAGERS = (Role.OWNER, Role.ADMIN)
# Whom each role may remove (kick or ban): the one table the services and the page's menus read.
REMOVABLE_BY = {Role.OWNER: (Role.ADMIN, Role.MEMBER), Role.ADMIN: (Role.MEMBER,)}
Action = ModerationAction.Action


# Why each membership change is refused in a direct room: one rule, one place (direct_refuse).
DIRECT_REFUSALS = {
    "join": gettext_lazy("A direct conversation has no invite code and cannot be joined."),
    "leave": gettext_lazy("A direct conversation cannot be left; it stays between its two people."),
    "update": gettext_lazy("A direct conversation cannot be renamed or changed; it is named after the person in it."),
    "invite": gettext_lazy("A direct conversation has no invite code."),
    "role": gettext_lazy("A direct conversation has no roles to change."),
    "kick": gettext_lazy("Nobody can be removed from a direct conversation."),
    "ban": gettext_lazy("Nobody can be banned from a direct conversation."),
    "delete": gettext_lazy("A direct conversation cannot be deleted by its members."),
    "hand_over": gettext_lazy("A direct conversation has no owner to change."),
}


def direct_refuse(room: Room, action: str) -> None:
    """
    Refuse (409, saying why) a change of members, name or code in a direct room: it has
    exactly its two people for good (PROTOCOL.md version 2). Every service of such a change calls it.
    """
    if room.kind == Room.Kind.DIRECT:
        raise Conflict(DIRECT_REFUSALS[action])


def room_data(*, user: User, room_id: int) -> protocol.RoomData:
    """The room as `user` sees it (role, unread count), for `room.added` and `room.updated`."""
    return RoomSerializer(room_get_for_member(user=user, room_id=room_id)).data


def _require_manager(role: str) -> None:
    if role not in MANAGERS:
        raise Forbidden(gettext_lazy("Only the room's owner or an admin may do this."))


def _room_updated_for_members(room: Room, *, user_ids=None) -> list[Event]:
    """`room.updated` for each member (or those given): role and unread count differ per member."""
    if user_ids is None:
        user_ids = list(room.memberships.values_list("user_id", flat=True))
    users = User.objects.in_bulk(user_ids)
    return [to_user(uid, protocol.room_updated(room=room_data(user=users[uid], room_id=room.id))) for uid in user_ids]


@transaction.atomic
def room_create(*, owner: User, name: str, description: str = "", avatar: File | None = None) -> Room:
    """Create a room owned by `owner`, its first member; at most CHAT_MAX_ROOMS_PER_USER owned at once."""
    limit = settings.CHAT_MAX_ROOMS_PER_USER
    if limit:
        # The owner's row lock: two creations at once count one after the other.
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True).first()
        if Room.objects.filter(owner=owner).count() >= limit:
            raise Conflict(
                gettext_lazy("You own %(limit)d rooms, the most allowed; delete one to create another.")
                % {"limit": limit}
            )
    room = Room(name=name, description=description, owner=owner)
    if avatar is not None:
        room.avatar = avatar
    room.save()
    Membership.objects.create(room=room, user=owner, role=Role.OWNER)
    publish_on_commit(
        [to_user(owner.id, protocol.room_added(room=room_data(user=owner, room_id=room.id)), join_room=room.id)]
    )
    return room


@transaction.atomic
def room_update(*, actor: User, room_id: int, **changes) -> Room:
    """Change name, description or avatar; owner or admin."""
    membership = membership_get(user=actor, room_id=room_id)
    direct_refuse(membership.room, "update")
    _require_manager(membership.role)
    room = Room.objects.select_for_update().get(pk=room_id)
    previous_avatar = room.avatar
    for field in ("name", "description", "avatar"):
        if field in changes:
            setattr(room, field, changes[field])
    room.save()
    if "avatar" in changes:
        file_delete_on_commit(previous_avatar)  # replaced: nothing points at it any more
    publish_on_commit(_room_updated_for_members(room))
    return room


@transaction.atomic
def room_delete(*, actor: User, room_id: int, reason: str = "", as_staff: bool = False) -> None:
    """
    Delete the room for every member; owner only, or site staff `as_staff` (rooms.selectors.membership_acting).
    The lock makes a concurrent send wait and then find the room gone (not_member), rather than add a
    message between the collection of the room's messages and the room's own DELETE.
    """
    room_lock(room_id=room_id)
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    if not as_staff:  # staff may delete a direct room from the admin, as any room
        direct_refuse(acting.room, "delete")
    if acting.role != Role.OWNER:
        raise Forbidden(gettext_lazy("Only the room's owner may delete it."))
    room = acting.room
    moderation_record(actor=actor, action=Action.ROOM_DELETE, authority=acting.authority, room=room, reason=reason)
    room_id = room.id
    search_index_drop_room(room_id=room_id)
    avatar = room.avatar
    room.delete()
    file_delete_on_commit(avatar)
    publish_on_commit([to_room(room_id, protocol.room_removed(room=room_id, reason="deleted"), drop_room=True)])


@transaction.atomic
def room_join(*, user: User, invite_code: str) -> Room:
    """Join the room behind an invite code; joining a room one is in already changes nothing."""
    room = Room.objects.select_for_update().filter(invite_code=invite_code).first()
    if room is None:
        raise NotFound(gettext_lazy("Unknown or revoked invite code."))
    direct_refuse(room, "join")
    if RoomBan.objects.filter(room=room, user=user).exists():
        raise Forbidden(gettext_lazy("You are banned from this room."))
    try:
        with transaction.atomic():
            Membership.objects.create(
                room=room,
                user=user,
                role=Role.MEMBER,
                last_read_message_id=room_latest_message_id(room_id=room.id),
            )
    except IntegrityError:
        return room  # already a member
    publish_on_commit(
        [
            to_room(
                room.id, protocol.member_joined(room=room.id, user=UserSerializer(user).data), exclude_user=user.id
            ),
            to_user(user.id, protocol.room_added(room=room_data(user=user, room_id=room.id)), join_room=room.id),
        ]
    )
    return room


def _removal_events(*, room_id: int, user: User, reason: protocol.RemovalReason) -> list[Event]:
    return [
        to_user(user.id, protocol.room_removed(room=room_id, reason=reason), leave_room=room_id),
        to_room(
            room_id,
            protocol.member_left(room=room_id, user=UserSerializer(user).data, reason=reason),
            exclude_user=user.id,
        ),
    ]


@transaction.atomic
def room_leave(*, user: User, room_id: int) -> None:
    room_lock(room_id=room_id)
    membership = membership_get(user=user, room_id=room_id)
    direct_refuse(membership.room, "leave")
    if membership.role == Role.OWNER:
        raise Conflict(gettext_lazy("The owner cannot leave the room; delete it instead."))
    membership.delete()
    publish_on_commit(_removal_events(room_id=membership.room_id, user=user, reason="left"))


@transaction.atomic
def invite_rotate(*, actor: User, room_id: int, reason: str = "", as_staff: bool = False) -> str:
    """Give the room a new invite code; the old one stops working at once."""
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    direct_refuse(acting.room, "invite")
    _require_manager(acting.role)
    room = Room.objects.select_for_update().get(pk=room_id)
    room.invite_code = new_invite_code()
    room.save(update_fields=["invite_code"])
    moderation_record(actor=actor, action=Action.INVITE_ROTATE, authority=acting.authority, room=room, reason=reason)
    publish_on_commit(_room_updated_for_members(room))
    return room.invite_code


@transaction.atomic
def room_hand_over(*, actor: User, room_id: int, user_id: int) -> Room:
    """
    Make another member the room's owner; the old owner stays as an admin. Owner
    only; the new owner must be a member (else Invalid, field `owner`). The new
    owner's row is locked before the room's, the order account deletion
    (messaging.people) takes them in: a room is never handed to a deleted account.
    """
    new_owner = User.objects.select_for_update().filter(pk=user_id, deleted_at__isnull=True).first()
    room_lock(room_id=room_id)
    acting = membership_get(user=actor, room_id=room_id)
    direct_refuse(acting.room, "hand_over")
    if acting.role != Role.OWNER:
        raise Forbidden(gettext_lazy("Only the room's owner may hand it over."))
    room = acting.room
    if new_owner is not None and new_owner.pk == actor.pk:
        return room  # theirs already
    target = Membership.objects.filter(room_id=room_id, user=new_owner).first() if new_owner else None
    if target is None:
        raise Invalid(fields={"owner": [gettext_lazy("Only a member of the room can become its owner.")]})
    room.owner = new_owner
    room.save(update_fields=["owner"])
    acting.role, target.role = Role.ADMIN, Role.OWNER
    Membership.objects.bulk_update([acting, target], ["role"])
    moderation_record(
        actor=actor,
        action=Action.ROOM_HAND_OVER,
        authority=ModerationAction.Authority.OWNER,
        target_user=new_owner,
        room=room,
    )
    publish_on_commit(_room_updated_for_members(room))  # the owner changed for everyone; two roles changed
    return room


@transaction.atomic
def member_set_role(*, actor: User, room_id: int, user_id: int, role: str) -> Membership:
    """Make a member an admin or a plain member; owner only."""
    room_lock(room_id=room_id)
    membership = membership_get(user=actor, room_id=room_id)
    direct_refuse(membership.room, "role")
    if membership.role != Role.OWNER:
        raise Forbidden(gettext_lazy("Only the room's owner may change roles."))
    target = member_get(room_id=room_id, user_id=user_id)
    if target.role == Role.OWNER:
        raise Conflict(gettext_lazy("The owner's role cannot change."))
    target.role = role
    target.save(update_fields=["role"])
    publish_on_commit(_room_updated_for_members(target.room, user_ids=[target.user_id]))
    return target


def _check_may_remove(acting: Acting, target_role: str | None, target_id: int) -> None:
    """The owner may remove anyone but themself; an admin only plain members (or non-members)."""
    _require_manager(acting.role)
    if target_id == acting.membership.user_id:
        raise Conflict(gettext_lazy("You cannot remove yourself; leave the room instead."))
    if target_role is not None and target_role not in REMOVABLE_BY[acting.role]:
        raise Forbidden(gettext_lazy("You may not remove this member."))


@transaction.atomic
def member_kick(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    """Remove a member; they may rejoin with the invite code."""
    room_lock(room_id=room_id)
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    direct_refuse(acting.room, "kick")
    target = member_get(room_id=room_id, user_id=user_id)
    _check_may_remove(acting, target.role, target.user_id)
    target.delete()
    moderation_record(
        actor=actor,
        action=Action.MEMBER_KICK,
        authority=acting.authority,
        target_user=target.user,
        room=acting.room,
        reason=reason,
    )
    publish_on_commit(_removal_events(room_id=target.room_id, user=target.user, reason="kicked"))


@transaction.atomic
def member_ban(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    """Remove a member (if they are one) and bar them from rejoining until unbanned."""
    room_lock(room_id=room_id)
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    direct_refuse(acting.room, "ban")
    target_user = User.objects.filter(pk=user_id).first()
    if target_user is None:
        raise NotFound(gettext_lazy("No such user."))
    target = Membership.objects.filter(room_id=room_id, user=target_user).first()
    _check_may_remove(acting, target.role if target else None, target_user.id)
    RoomBan.objects.get_or_create(room_id=room_id, user=target_user, defaults={"banned_by": actor})
    moderation_record(
        actor=actor,
        action=Action.MEMBER_BAN,
        authority=acting.authority,
        target_user=target_user,
        room=acting.room,
        reason=reason,
    )
    if target is not None:
        target.delete()
        publish_on_commit(_removal_events(room_id=acting.room.id, user=target_user, reason="banned"))


@transaction.atomic
def member_unban(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    room_lock(room_id=room_id)
    acting = membership_acting(actor=actor, room_id=room_id, as_staff=as_staff)
    direct_refuse(acting.room, "ban")
    _require_manager(acting.role)
    deleted, _ = RoomBan.objects.filter(room_id=room_id, user_id=user_id).delete()
    if not deleted:
        raise NotFound(gettext_lazy("That user is not banned from this room."))
    moderation_record(
        actor=actor,
        action=Action.MEMBER_UNBAN,
        authority=acting.authority,
        target_user=User.objects.get(pk=user_id),
        room=acting.room,
        reason=reason,
    )


# --- Direct rooms ------------------------------------------------------------------------


def _direct_show(room: Room, user: User) -> list[Event]:
    """Make the room visible to `user` if it was hidden from them: `room.added` for their sockets."""
    if not Membership.objects.filter(room=room, user=user, hidden=True).update(hidden=False):
        return []
    return [to_user(user.id, protocol.room_added(room=room_data(user=user, room_id=room.id)), join_room=room.id)]


def _direct_room(key: str) -> Room | None:
    return Room.objects.filter(direct_key=key).first()


@transaction.atomic
def direct_open(*, user: User, other_id: int) -> tuple[Room, bool]:
    """
    Open the direct room of `user` and another person, or return the one they have: (room, created).
    Only between people who share a group room (no messages from strangers). The peer is a member
    at once but the room stays hidden from them until its first message (direct_reveal); the
    opener sees it now. Two openings at once: the pair's unique key lets one insert, the other
    finds that room.
    """
    if int(other_id) == user.id:
        raise Invalid(fields={"user_id": [gettext_lazy("You cannot open a direct conversation with yourself.")]})
    other = User.objects.filter(pk=other_id, is_active=True).first()
    if other is None:
        raise NotFound(gettext_lazy("No such user."))
    key = Room.direct_key_for(user.id, other.id)
    room = _direct_room(key)
    if room is not None:
        publish_on_commit(_direct_show(room, user))
        return room, False
    shared = Membership.objects.filter(user=user, room__kind=Room.Kind.GROUP, room__memberships__user=other)
    if not shared.exists():
        raise Forbidden(gettext_lazy("You can message only people who share a room with you."))
    try:
        with transaction.atomic():
            room = Room.objects.create(
                kind=Room.Kind.DIRECT,
                direct_key=key,
                name=f"{user.username}, {other.username}"[:64],
                owner=user,
            )
            Membership.objects.create(room=room, user=user, role=Role.MEMBER)
            Membership.objects.create(room=room, user=other, role=Role.MEMBER, hidden=True)
    except IntegrityError:  # opened at the same moment by one of the two: theirs stands
        room = Room.objects.get(direct_key=key)
        publish_on_commit(_direct_show(room, user))
        return room, False
    publish_on_commit(
        [to_user(user.id, protocol.room_added(room=room_data(user=user, room_id=room.id)), join_room=room.id)]
    )
    return room, True


def direct_reveal(*, room_ids: list[int]) -> list[Event]:
    """
    Within the transaction that stores the first messages of these rooms (messaging.services):
    show each direct room to the members it was hidden from, and return their `room.added`
    events (the room with its first message), to publish after the messages' own.
    """
    hidden = list(Membership.objects.filter(room_id__in=room_ids, hidden=True).select_related("user", "room"))
    events: list[Event] = []
    for membership in hidden:
        events += _direct_show(membership.room, membership.user)
    return events
