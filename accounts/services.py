"""Writes about users."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from chatroom.exceptions import Conflict, Forbidden, Invalid
from messaging.events import publish_on_commit, to_user
from moderation.models import ModerationAction
from moderation.selectors import user_may_moderate
from moderation.services import moderation_record

# The WebSocket close code a deactivated user's sockets get.
CLOSE_DEACTIVATED = 4403


@transaction.atomic
def user_register(*, username: str, password: str) -> User:
    """Create a user with a hashed password; names are unique regardless of case."""
    if User.objects.filter(username__iexact=username).exists():
        raise Invalid(fields={"username": ["A user with that username already exists."]})
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:
        raise Invalid(fields={"username": ["A user with that username already exists."]}) from None


def user_set_avatar(*, user: User, avatar: UploadedFile) -> User:
    """Replace the user's avatar with an already verified image; the old file is removed."""
    old = user.avatar.name if user.avatar else None
    user.avatar = avatar
    user.save(update_fields=["avatar"])
    if old:
        user.avatar.storage.delete(old)
    return user


def _check_may_deactivate(actor: User, user: User) -> None:
    if not user_may_moderate(actor):
        raise Forbidden("Only staff with the moderate permission may deactivate or reactivate users.")
    if user.pk == actor.pk:
        raise Conflict("You cannot change your own account's state.")
    if (user.is_staff or user.is_superuser) and not actor.is_superuser:
        raise Forbidden("Only a superuser may deactivate or reactivate a staff account.")


@transaction.atomic
def user_deactivate(*, actor: User, user: User, reason: str = "") -> None:
    """
    Shut a user out at once: no more logins, refresh tokens blacklisted,
    sessions deleted, open sockets closed with 4403. Access tokens already
    handed out stop working too, since JWT authentication refuses inactive users.
    """
    _check_may_deactivate(actor, user)
    if not user.is_active:
        raise Conflict(f"{user} is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
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
    publish_on_commit([to_user(user.id, close_code=CLOSE_DEACTIVATED)])


@transaction.atomic
def user_reactivate(*, actor: User, user: User, reason: str = "") -> None:
    """Let a deactivated user log in again; their old tokens and sessions stay revoked."""
    _check_may_deactivate(actor, user)
    if user.is_active:
        raise Conflict(f"{user} is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    moderation_record(
        actor=actor,
        action=ModerationAction.Action.USER_REACTIVATE,
        authority=ModerationAction.Authority.STAFF,
        target_user=user,
        reason=reason,
    )


def _sessions_delete(user: User) -> None:
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
