"""
Writes for moderation: the audit trail every moderation service adds to, and
the staff-only actions on accounts (deactivate, reactivate).
"""

from importlib import import_module
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from chatroom.exceptions import Conflict, Forbidden
from chatroom.realtime.events import publish_on_commit, to_user
from chatroom.realtime.protocol import CLOSE_DEACTIVATED
from moderation.models import ModerationAction
from moderation.selectors import user_may_moderate

# What a moderation record of a deleted message says once its text has been purged.
TEXT_FORGOTTEN = "(text purged)"

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User
    from messaging.models import Message
    from rooms.models import Room


def _describe(*, target_user: "User | None", room: "Room | None", message: "Message | None") -> str:
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
    actor: "User",
    action: str,
    authority: str,
    reason: str = "",
    target_user: "User | None" = None,
    room: "Room | None" = None,
    message: "Message | None" = None,
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


def _check_may_deactivate(actor: "User", user: "User") -> None:
    if not user_may_moderate(actor):
        raise Forbidden(_("Only staff with the moderate permission may deactivate or reactivate users."))
    if user.pk == actor.pk:
        raise Conflict(_("You cannot change your own account's state."))
    if (user.is_staff or user.is_superuser) and not actor.is_superuser:
        raise Forbidden(_("Only a superuser may deactivate or reactivate a staff account."))


@transaction.atomic
def user_deactivate(*, actor: "User", user: "User", reason: str = "") -> None:
    """
    Shut a user out at once: no more logins, refresh tokens blacklisted,
    sessions deleted, open sockets closed with 4403. Access tokens and
    WebSocket tickets already handed out stop working too, for good: they were
    issued before `tokens_valid_after` (accounts.authentication), so they stay
    refused after a reactivation.
    """
    _check_may_deactivate(actor, user)
    if not user.is_active:
        raise Conflict(_("%(user)s is already deactivated.") % {"user": user})
    user.is_active = False
    user.tokens_valid_after = timezone.now()
    user.save(update_fields=["is_active", "tokens_valid_after"])
    # Before the sessions go: each deleted session closes its sockets with 4401 (accounts.signals),
    # and the client must see 4403 first, which says not to come back.
    publish_on_commit([to_user(user.id, close_code=CLOSE_DEACTIVATED)])
    live = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live], ignore_conflicts=True)
    _sessions_delete(user)
    moderation_record(
        actor=actor,
        action=ModerationAction.Action.USER_DEACTIVATE,
        authority=ModerationAction.Authority.STAFF,
        target_user=user,
        reason=reason,
    )


@transaction.atomic
def user_reactivate(*, actor: "User", user: "User", reason: str = "") -> None:
    """Let a deactivated user log in again; their old tokens and sessions stay revoked."""
    _check_may_deactivate(actor, user)
    if user.is_active:
        raise Conflict(_("%(user)s is already active.") % {"user": user})
    if user.deleted_at is not None:
        raise Conflict(_("This account was deleted by its owner; it cannot be reactivated."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    moderation_record(
        actor=actor,
        action=ModerationAction.Action.USER_REACTIVATE,
        authority=ModerationAction.Authority.STAFF,
        target_user=user,
        reason=reason,
    )


def _sessions_delete(user: "User") -> None:
    """
    Delete the user's stored sessions. Sessions do not index their user, so
    this reads every live one: fine for a rare staff action. Engines that store
    nothing server-side are covered by the is_active check every request makes.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return
    sessions = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    user_key = str(user.pk)
    for session in sessions.iterator():
        if session.get_decoded().get(SESSION_KEY) == user_key:
            store(session_key=session.session_key).delete()


def moderation_forget_message_text(*, deleted_before: "datetime") -> int:
    """
    Retention (messaging.services.message_purge_deleted): the record of a message deleted
    by a moderator before `deleted_before` keeps who did what, to whom, why and when, but
    no longer the excerpt of the text it quoted. Returns how many records changed.
    """
    rows = ModerationAction.objects.filter(
        action=ModerationAction.Action.MESSAGE_DELETE, created_at__lt=deleted_before
    ).exclude(target__endswith=TEXT_FORGOTTEN)
    return rows.update(target=Concat(Value("message #"), Cast("message_id", CharField()), Value(f" {TEXT_FORGOTTEN}")))
