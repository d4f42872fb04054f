"""An attachment's files go with its row, however it was deleted: a message deleted, a room, a purge, the admin."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from messaging.attachments import attachment_files_delete
from messaging.models import Attachment


@receiver(post_delete, sender=Attachment)
def delete_files_of_deleted_attachment(sender, instance: Attachment, **kwargs):
    attachment_files_delete(instance)
