"""
Writes about rooms and their members. Each action checks the caller's rights,
writes in one transaction and publishes its events after commit.
"""

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.serializers import UserSerializer
from chatroom.exceptions import Conflict, Forbidden, NotFound
from messaging.events import Event, publish_on_commit, to_room, to_user
from moderation.models import ModerationAction
from moderation.selectors import acting_membership
from moderation.services import moderation_record
from rooms.models import Membership, Room, RoomBan, new_invite_code
from rooms.selectors import member_get, membership_get, room_get_for_member, room_latest_message_id
from rooms.serializers import RoomSerializer

Role = Membership.Role
MANAGERS = (Role.OWNER, Role.ADMIN)
Action = ModerationAction.Action
STAFF = ModerationAction.Authority.STAFF


def room_frame(*, user: User, room_id: int, frame_type: str) -> dict:
    """A `room.added` / `room.updated` frame carrying the room as `user` sees it."""
    return {"type": frame_type, "room": RoomSerializer(room_get_for_member(user=user, room_id=room_id)).data}


def _require_manager(membership: Membership) -> None:
    if membership.role not in MANAGERS:
        raise Forbidden("Only the room's owner or an admin may do this.")


def _room_updated_for_members(room: Room, *, user_ids=None) -> list[Event]:
    """`room.updated` for each member (or those given): role and unread count differ per member."""
    if user_ids is None:
        user_ids = list(room.memberships.values_list("user_id", flat=True))
    users = User.objects.in_bulk(user_ids)
    return [to_user(uid, room_frame(user=users[uid], room_id=room.id, frame_type="room.updated")) for uid in user_ids]


@transaction.atomic
def room_create(*, owner: User, name: str, description: str = "", avatar: UploadedFile | None = None) -> Room:
    room = Room(name=name, description=description, owner=owner)
    if avatar is not None:
        room.avatar = avatar
    room.save()
    Membership.objects.create(room=room, user=owner, role=Role.OWNER)
    publish_on_commit(
        [to_user(owner.id, room_frame(user=owner, room_id=room.id, frame_type="room.added"), join_room=room.id)]
    )
    return room


@transaction.atomic
def room_update(*, actor: User, room_id: int, **changes) -> Room:
    """Change name, description or avatar; owner or admin."""
    membership = membership_get(user=actor, room_id=room_id)
    _require_manager(membership)
    room = Room.objects.select_for_update().get(pk=room_id)
    for field in ("name", "description", "avatar"):
        if field in changes:
            setattr(room, field, changes[field])
    room.save()
    publish_on_commit(_room_updated_for_members(room))
    return room


@transaction.atomic
def room_delete(*, actor: User, room_id: int, reason: str = "", as_staff: bool = False) -> None:
    """Delete the room for every member; owner only, or site staff `as_staff` (moderation.selectors)."""
    membership = acting_membership(actor=actor, room_id=room_id, as_staff=as_staff)
    if membership.role != Role.OWNER:
        raise Forbidden("Only the room's owner may delete it.")
    frame = {"type": "room.removed", "room": membership.room_id, "reason": "deleted"}
    authority = STAFF if as_staff else membership.role
    moderation_record(actor=actor, action=Action.ROOM_DELETE, authority=authority, room=membership.room, reason=reason)
    membership.room.delete()
    publish_on_commit([to_room(membership.room_id, frame, drop_room=True)])


@transaction.atomic
def room_join(*, user: User, invite_code: str) -> Room:
    """Join the room behind an invite code; joining a room one is in already changes nothing."""
    room = Room.objects.filter(invite_code=invite_code).first()
    if room is None:
        raise NotFound("Unknown or revoked invite code.")
    if RoomBan.objects.filter(room=room, user=user).exists():
        raise Forbidden("You are banned from this room.")
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
                room.id,
                {"type": "member.joined", "room": room.id, "user": UserSerializer(user).data},
                exclude_user=user.id,
            ),
            to_user(user.id, room_frame(user=user, room_id=room.id, frame_type="room.added"), join_room=room.id),
        ]
    )
    return room


def _removal_events(*, room_id: int, user: User, reason: str) -> list[Event]:
    return [
        to_user(user.id, {"type": "room.removed", "room": room_id, "reason": reason}, leave_room=room_id),
        to_room(
            room_id,
            {"type": "member.left", "room": room_id, "user": UserSerializer(user).data, "reason": reason},
            exclude_user=user.id,
        ),
    ]


@transaction.atomic
def room_leave(*, user: User, room_id: int) -> None:
    membership = membership_get(user=user, room_id=room_id)
    if membership.role == Role.OWNER:
        raise Conflict("The owner cannot leave the room; delete it instead.")
    membership.delete()
    publish_on_commit(_removal_events(room_id=membership.room_id, user=user, reason="left"))


@transaction.atomic
def invite_rotate(*, actor: User, room_id: int, reason: str = "", as_staff: bool = False) -> str:
    """Give the room a new invite code; the old one stops working at once."""
    membership = acting_membership(actor=actor, room_id=room_id, as_staff=as_staff)
    _require_manager(membership)
    room = Room.objects.select_for_update().get(pk=room_id)
    room.invite_code = new_invite_code()
    room.save(update_fields=["invite_code"])
    authority = STAFF if as_staff else membership.role
    moderation_record(actor=actor, action=Action.INVITE_ROTATE, authority=authority, room=room, reason=reason)
    publish_on_commit(_room_updated_for_members(room))
    return room.invite_code


@transaction.atomic
def member_set_role(*, actor: User, room_id: int, user_id: int, role: str) -> Membership:
    """Make a member an admin or a plain member; owner only."""
    if membership_get(user=actor, room_id=room_id).role != Role.OWNER:
        raise Forbidden("Only the room's owner may change roles.")
    target = member_get(room_id=room_id, user_id=user_id)
    if target.role == Role.OWNER:
        raise Conflict("The owner's role cannot change.")
    target.role = role
    target.save(update_fields=["role"])
    publish_on_commit(_room_updated_for_members(target.room, user_ids=[target.user_id]))
    return target


def _check_may_remove(actor_membership: Membership, target_role: str | None, target_id: int) -> None:
    """The owner may remove anyone but themself; an admin only plain members (or non-members)."""
    _require_manager(actor_membership)
    if target_id == actor_membership.user_id:
        raise Conflict("You cannot remove yourself; leave the room instead.")
    if target_role == Role.OWNER or (actor_membership.role == Role.ADMIN and target_role == Role.ADMIN):
        raise Forbidden("You may not remove this member.")


@transaction.atomic
def member_kick(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    """Remove a member; they may rejoin with the invite code."""
    actor_membership = acting_membership(actor=actor, room_id=room_id, as_staff=as_staff)
    target = member_get(room_id=room_id, user_id=user_id)
    _check_may_remove(actor_membership, target.role, target.user_id)
    target.delete()
    moderation_record(
        actor=actor,
        action=Action.MEMBER_KICK,
        authority=STAFF if as_staff else actor_membership.role,
        target_user=target.user,
        room=actor_membership.room,
        reason=reason,
    )
    publish_on_commit(_removal_events(room_id=target.room_id, user=target.user, reason="kicked"))


@transaction.atomic
def member_ban(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    """Remove a member (if they are one) and bar them from rejoining until unbanned."""
    actor_membership = acting_membership(actor=actor, room_id=room_id, as_staff=as_staff)
    target_user = User.objects.filter(pk=user_id).first()
    if target_user is None:
        raise NotFound("No such user.")
    target = Membership.objects.filter(room_id=room_id, user=target_user).first()
    _check_may_remove(actor_membership, target.role if target else None, target_user.id)
    RoomBan.objects.get_or_create(room_id=room_id, user=target_user, defaults={"banned_by": actor})
    moderation_record(
        actor=actor,
        action=Action.MEMBER_BAN,
        authority=STAFF if as_staff else actor_membership.role,
        target_user=target_user,
        room=actor_membership.room,
        reason=reason,
    )
    if target is not None:
        target.delete()
        publish_on_commit(_removal_events(room_id=actor_membership.room_id, user=target_user, reason="banned"))


@transaction.atomic
def member_unban(*, actor: User, room_id: int, user_id: int, reason: str = "", as_staff: bool = False) -> None:
    actor_membership = acting_membership(actor=actor, room_id=room_id, as_staff=as_staff)
    _require_manager(actor_membership)
    deleted, _ = RoomBan.objects.filter(room_id=room_id, user_id=user_id).delete()
    if not deleted:
        raise NotFound("That user is not banned from this room.")
    moderation_record(
        actor=actor,
        action=Action.MEMBER_UNBAN,
        authority=STAFF if as_staff else actor_membership.role,
        target_user=User.objects.get(pk=user_id),
        room=actor_membership.room,
        reason=reason,
    )
