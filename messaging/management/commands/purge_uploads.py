from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from messaging.attachments import attachments_purge_unused


class Command(BaseCommand):
    help = (
        "Delete uploads never sent in a message, with their files, CHAT_UPLOAD_TTL_HOURS (24) hours after "
        "they were uploaded: a send can no longer use them. Run daily by `manage.py housekeeping`; hourly "
        "from cron keeps less: 17 * * * * cd /app && python manage.py purge_uploads"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=settings.CHAT_UPLOAD_TTL_HOURS,
            help="Delete unused uploads older than this many hours (default: CHAT_UPLOAD_TTL_HOURS).",
        )

    def handle(self, *args, hours: int, **options):
        hours = max(hours, settings.CHAT_UPLOAD_TTL_HOURS)  # never one a send may still use
        purged = attachments_purge_unused(created_before=timezone.now() - timedelta(hours=hours))
        self.stdout.write(f"{purged} unused uploads deleted (uploaded over {hours} hours ago).")
