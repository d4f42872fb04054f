"""Log authentication failures as structured events, for whoever watches for credential stuffing."""

import logging

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("chatroom.security")


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs):
    logger.warning(
        "login failed",
        extra={
            "event": "auth.login_failed",
            "username": credentials.get("username"),
            "client": client_address(request),
        },
    )
