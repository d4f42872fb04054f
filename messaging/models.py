from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A chat message: plain text, kept for good; deletion hides it (soft delete)."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    # The plain text as sent (trimmed): what search indexes and what an edit replaces.
    body = models.TextField(_("body"))
    # The body rendered once, when stored or edited (messaging.rendering): sanitised HTML.
    html = models.TextField(_("HTML"), blank=True)
    # Ids of the members the body names, in order of first mention; rendered with `html`.
    mentions = models.JSONField(_("mentions"), default=list, blank=True)
    # [{"emoji", "count", "user_ids"}] as the protocol shows it: rewritten from the Reaction
    # rows, under the room's lock, by each reaction change, so that reads never aggregate.
    reaction_summary = models.JSONField(_("reactions"), default=list, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies", verbose_name=_("reply to")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    # Chosen by the sending client so that a retried send is stored once.
    # NULL, not "", when absent: the unique (author, client_id) constraint ignores NULLs.
    client_id = models.CharField(_("client id"), max_length=64, null=True, blank=True)  # noqa: DJ001
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    # The number of the message's latest change in its room's change log (Room.seq).
    seq = models.PositiveBigIntegerField(_("change number"), default=0)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="message_unique_author_client_id"),
            # A change number belongs to one message of the room: the index GET changes/ reads,
            # and the database's own refusal of a repeated number.
            models.UniqueConstraint(fields=["room", "seq"], name="message_unique_room_seq"),
        ]

    def __str__(self):
        return f"#{self.id} by {self.author_id} in {self.room_id}"


class MessageEdit(models.Model):
    """An earlier version of a message's body, kept when its author edits it; staff read them in the admin."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField(_("body"))
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")

    def __str__(self):
        return f"#{self.message_id} as written at {self.written_at:%Y-%m-%d %H:%M:%S}"


class Reaction(models.Model):
    """One user's emoji on a message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    # Compared byte for byte: on MySQL/MariaDB the migration gives the column utf8mb4_bin,
    # since the *_ci collations rank emoji equal (redo it if a migration alters this field).
    emoji = models.CharField(_("emoji"), max_length=32)
    # The change number at which this emoji last appeared on the message (count 0 -> 1):
    # emoji are listed in this order, and one that returns after falling to 0 goes last.
    emoji_seq = models.PositiveBigIntegerField(_("emoji first used at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["emoji_seq", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique_message_user_emoji")
        ]

    def __str__(self):
        return f"{self.emoji} by {self.user_id} on #{self.message_id}"


class MessageMention(models.Model):
    """A member named in a message: the index that Room.mention_count counts."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["user", "room", "message"], name="mention_user_room_message")]
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="mention_unique_message_user")]

    def __str__(self):
        return f"{self.user_id} in #{self.message_id}"
