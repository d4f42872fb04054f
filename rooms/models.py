import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chatroom.images import AvatarPath


def new_invite_code() -> str:
    """Return an unguessable invite code: 192 bits from `secrets`."""
    return secrets.token_urlsafe(24)


class Room(models.Model):
    class Kind(models.TextChoices):
        GROUP = "group", _("group")
        # Two people, no invite code, no membership changes (rooms.services.direct_refuse).
        DIRECT = "direct", _("direct")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.GROUP)
    # "<lower user id>:<higher user id>" for a direct room, NULL for a group room: unique, so two
    # concurrent openings of the same pair's room cannot both insert (rooms.services.direct_open).
    # NULL, not "", for group rooms: a unique index allows many NULLs and no two equal strings.
    direct_key = models.CharField(  # noqa: DJ001
        _("direct pair"), max_length=41, null=True, blank=True, editable=False
    )
    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=500, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=AvatarPath("avatars/rooms"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_rooms")
    invite_code = models.CharField(_("invite code"), max_length=64, unique=True, default=new_invite_code)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="rooms")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The room's change log of messages (docs/PROTOCOL.md, "seq"): the number of its latest
    # change. Taken under this row's lock in the change's own transaction (messaging.services).
    seq = models.PositiveBigIntegerField(_("latest change number"), default=0)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["direct_key"], name="room_unique_direct_key"),
            models.CheckConstraint(
                condition=models.Q(kind="group", direct_key__isnull=True)
                | models.Q(kind="direct", direct_key__isnull=False),
                name="room_direct_key_iff_direct",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_direct(self) -> bool:
        return self.kind == self.Kind.DIRECT

    @staticmethod
    def direct_key_for(user_id: int, other_id: int) -> str:
        """The pair's key, the same whichever of the two asks."""
        low, high = sorted((int(user_id), int(other_id)))
        return f"{low}:{high}"


class Membership(models.Model):
    """A user in a room: their role and how far they have read."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        ADMIN = "admin", _("admin")
        MEMBER = "member", _("member")

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    # Id of the last message read; only ever moves forward.
    last_read_message_id = models.BigIntegerField(_("last read message id"), default=0)
    # A direct room's peer is a member from its opening, but the room is not theirs to see (room
    # list, hello, sockets) until its first message: no empty conversation from a stranger's click.
    hidden = models.BooleanField(_("hidden until the first message"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_unique_room_user")]
        ordering = ["joined_at", "id"]

    def __str__(self):
        return f"{self.user} in {self.room} ({self.role})"


class RoomBan(models.Model):
    """A user barred from joining a room until unbanned. A separate record, since non-members may be banned too."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_bans")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("banned at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="roomban_unique_room_user")]

    def __str__(self):
        return f"{self.user} banned from {self.room}"
