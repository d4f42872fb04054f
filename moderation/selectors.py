"""Reads for moderation: who may moderate, and a room's history as a moderator sees it."""

from accounts.models import User
from chatroom.exceptions import Forbidden, NotFound
from messaging.models import Message
from rooms.models import Membership, Room
from rooms.selectors import membership_get

MODERATE_PERMISSION = "moderation.moderate"


def user_may_moderate(user: User) -> bool:
    """Site staff holding the moderate permission (directly, by a group, or as superuser) moderate any room."""
    return user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)


def acting_membership(*, actor: User, room_id: int, as_staff: bool = False) -> Membership:
    """
    The membership an actor moderates a room through. Normally their own, so
    the room's rules apply (a member who happens to be staff is still a
    member). With `as_staff`, as the admin and the shell call it: an unsaved
    stand-in with the owner's powers, whether or not they are in the room.
    """
    if not as_staff:
        return membership_get(user=actor, room_id=room_id)
    if not user_may_moderate(actor):
        raise Forbidden("Only staff with the moderate permission may moderate rooms they are not managing.")
    try:
        room = Room.objects.get(pk=room_id)
    except (Room.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such room.") from None
    return Membership(room=room, user=actor, role=Membership.Role.OWNER)


def room_history(*, room_id: int, around: int | None = None, limit: int = 200) -> list[Message]:
    """
    A room's messages, deleted ones included, oldest first: the latest `limit`,
    or with `around` the message of that id with `limit // 2` on either side.
    """
    messages = Message.objects.filter(room_id=room_id).select_related("author").order_by("-id")
    if around is None:
        return list(messages[:limit])[::-1]
    half = limit // 2
    before = list(messages.filter(id__lt=around)[:half])[::-1]
    rest = list(messages.filter(id__gte=around).order_by("id")[: half + 1])
    return before + rest
