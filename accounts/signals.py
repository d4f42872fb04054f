"""Log authentication failures and lockouts as structured events, for whoever watches for credential stuffing."""

import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from chatroom.client_address import request_client_address

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
