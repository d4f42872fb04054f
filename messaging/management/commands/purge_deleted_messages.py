from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from messaging.services import message_purge_deleted


class Command(BaseCommand):
    help = (
        "Blank the text of messages deleted more than CHAT_DELETED_RETENTION_DAYS days ago; "
        "their tombstones and moderation records stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.CHAT_DELETED_RETENTION_DAYS,
            help="Keep the text of deleted messages this many days (default: CHAT_DELETED_RETENTION_DAYS).",
        )

    def handle(self, *args, days: int, **options):
        purged = message_purge_deleted(deleted_before=timezone.now() - timedelta(days=days))
        self.stdout.write(f"{purged} deleted messages blanked (deleted over {days} days ago).")
