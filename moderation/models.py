from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _audit_reference(to: str, verbose_name: str) -> models.ForeignKey:
    """
    A link from an audit row that outlives what it points at: no database
    constraint and no cascade, so deleting a room (whose messages go in one
    DELETE) neither waits on nor rewrites the log, and the id stays readable.
    """
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class ModerationAction(models.Model):
    """One moderation action: who did what to what, why, when, and with what authority."""

    class Action(models.TextChoices):
        # Named after the service that performs it.
        MESSAGE_DELETE = "message_delete", _("delete message")
        MEMBER_KICK = "member_kick", _("kick member")
        MEMBER_BAN = "member_ban", _("ban from room")
        MEMBER_UNBAN = "member_unban", _("unban from room")
        INVITE_ROTATE = "invite_rotate", _("rotate invite code")
        ROOM_DELETE = "room_delete", _("delete room")
        ROOM_HAND_OVER = "room_hand_over", _("hand room over")
        USER_DEACTIVATE = "user_deactivate", _("deactivate user")
        USER_REACTIVATE = "user_reactivate", _("reactivate user")

    class Authority(models.TextChoices):
        OWNER = "owner", _("room owner")
        ADMIN = "admin", _("room admin")
        STAFF = "staff", _("site staff")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = _audit_reference(settings.AUTH_USER_MODEL, _("who"))
    authority = models.CharField(_("as"), max_length=8, choices=Authority.choices)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    target_user = _audit_reference(settings.AUTH_USER_MODEL, _("target user"))
    room = _audit_reference("rooms.Room", _("room"))
    message = _audit_reference("messaging.Message", _("message"))
    # What was acted on as it read at the time, for when the room or message is gone.
    target = models.CharField(_("target"), max_length=255)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("moderation action")
        permissions = [("moderate", _("Can moderate any room, message or user"))]

    def __str__(self):
        return f"{self.get_action_display()}: {self.target}"
