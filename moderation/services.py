"""Writes for moderation: the audit trail every moderation service adds to."""

from django.utils.text import Truncator

from accounts.models import User
from messaging.models import Message
from moderation.models import ModerationAction
from rooms.models import Room


def _describe(*, target_user: User | None, room: Room | None, message: Message | None) -> str:
    """How the target reads now, kept in the row for when the room or message is gone."""
    if message is not None:
        label = f"message #{message.id} by {target_user} in {room} (#{room.id}): {Truncator(message.body).chars(80)}"
    elif target_user is not None and room is not None:
        label = f"{target_user} in {room} (#{room.id})"
    elif room is not None:
        label = f"{room} (#{room.id})"
    else:
        label = str(target_user)
    return label[:255]


def moderation_record(
    *,
    actor: User,
    action: str,
    authority: str,
    reason: str = "",
    target_user: User | None = None,
    room: Room | None = None,
    message: Message | None = None,
) -> ModerationAction:
    """
    Write one audit row. Call it inside the moderation service's transaction,
    so that the action and its record stand or fall together. A message's
    author and room go in `target_user` and `room`.
    """
    return ModerationAction.objects.create(
        actor=actor,
        action=action,
        authority=authority,
        reason=reason,
        target_user=target_user,
        room=room,
        message=message,
        target=_describe(target_user=target_user, room=room, message=message),
    )
