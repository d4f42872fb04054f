from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A chat message: plain text, kept for good; deletion hides it (soft delete)."""

    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    # Chosen by the sending client so that a retried send is stored once.
    # NULL, not "", when absent: the unique (author, client_id) constraint ignores NULLs.
    client_id = models.CharField(_("client id"), max_length=64, null=True, blank=True)  # noqa: DJ001
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="message_unique_author_client_id"),
        ]

    def __str__(self):
        return f"#{self.id} by {self.author_id} in {self.room_id}"
