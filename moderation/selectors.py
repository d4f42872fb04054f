"""Reads for moderation: who may moderate."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User

MODERATE_PERMISSION = "moderation.moderate"


def user_may_moderate(user: "User") -> bool:
    """Site staff holding the moderate permission (directly, by a group, or as superuser) moderate any room."""
    return user.is_active and user.is_staff and user.has_perm(MODERATE_PERMISSION)
