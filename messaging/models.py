import secrets

from django.conf import settings
from django.db import models
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from chatroom.storage import attachment_storage


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


@deconstructible
class AttachmentPath:
    """A stored attachment's name: random, in `folder`, with a server-chosen extension; never the sender's name."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        if extension not in ATTACHMENT_EXTENSIONS:
            extension = "bin"
        token = secrets.token_hex(16)
        return f"{self.folder}/{token[:2]}/{token}.{extension}"

    def __eq__(self, other):
        return isinstance(other, AttachmentPath) and other.folder == self.folder


# Stored extensions: what the server itself encoded, or "bin" for every other file.
ATTACHMENT_EXTENSIONS = ("png", "jpg", "webp", "bin")


class Attachment(models.Model):
    """
    An uploaded file: its uploader's until one of their sends in the same room uses it,
    then the message's (PROTOCOL.md version 2). An image is stored re-encoded, with a
    thumbnail; any other file as it came. Stored names are random; `name` is what the
    sender called it, shown and used for downloads only.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        FILE = "file", _("file")

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("uploader")
    )
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="+", verbose_name=_("room"))
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("message"),
    )
    # Its place among the message's attachments, as the send listed them.
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    file = models.FileField(_("file"), storage=attachment_storage, upload_to=AttachmentPath("files"), max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), storage=attachment_storage, upload_to=AttachmentPath("thumbnails"), max_length=200, blank=True
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return f"{self.name} ({self.kind}, #{self.id})"
