"""
Reactions to authentication events: failures and lockouts are logged as
structured events (for whoever watches for credential stuffing), and a
browser session that ends takes the sockets it opened with it. And a deleted
user's avatar file goes with them, however they were deleted (the admin, the shell).
"""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import User
from chatroom.client_address import request_client_address
from chatroom.images import file_delete_on_commit
from chatroom.realtime.events import publish_on_commit, to_session
from chatroom.realtime.protocol import CLOSE_UNAUTHENTICATED

logger = logging.getLogger("chatroom.security")


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs):
    """
    No username: what people type in the name field of a failed sign-in is often their
    password. The lockout (below) names the username once it is under attack.
    """
    logger.warning(
        "login failed",
        extra={
            "event": "auth.login_failed",
            "client": request_client_address(request) if request is not None else None,
        },
    )


@receiver(user_locked_out)
def log_locked_out(sender, request, username, ip_address, **kwargs):
    """Axes locked out a username at one client address (ip_address is chatroom.client_address's)."""
    logger.warning("login locked out", extra={"event": "auth.locked_out", "username": username, "client": ip_address})


def close_session_sockets(session_key: str | None) -> None:
    """Close, once the transaction commits, the sockets this session opened (4401: sign in again)."""
    if session_key:
        publish_on_commit([to_session(session_key, close_code=CLOSE_UNAUTHENTICATED)])


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request=None, **kwargs):
    """Signing out of a page ends that browser session's sockets, on every worker; other sessions keep theirs."""
    close_session_sockets(getattr(getattr(request, "session", None), "session_key", None))


@receiver(post_delete, sender=Session)
def close_sockets_of_deleted_session(sender, instance: Session, **kwargs):
    """A session deleted by other means (expiry cleanup, a moderator, the shell) ends its sockets too."""
    close_session_sockets(instance.session_key)


@receiver(post_delete, sender=User)
def delete_avatar_of_deleted_user(sender, instance: User, **kwargs):
    file_delete_on_commit(instance.avatar)
