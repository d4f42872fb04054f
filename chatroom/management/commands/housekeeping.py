"""
The daily retention jobs, in one command for the scheduler (docker-compose's
`scheduler` service runs it once a day; docs/deployment.md).
"""

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("chatroom.housekeeping")

# Each job is a management command of its own, run in this order; one that fails does not
# stop the others.
JOBS = (
    # Deleted messages' text, after CHAT_DELETED_RETENTION_DAYS (messaging).
    "purge_deleted_messages",
    # Uploads never sent, with their files, after CHAT_UPLOAD_TTL_HOURS (messaging.attachments).
    "purge_uploads",
    # Refresh tokens past their expiry and their blacklist entries (simplejwt).
    "flushexpiredtokens",
    # Expired sessions of the pages and the admin (Django).
    "clearsessions",
    # Failed sign-in records older than the lockout (django-axes).
    "purge_login_attempts",
)


class Command(BaseCommand):
    help = "Run the daily retention jobs: " + ", ".join(JOBS) + "."

    def handle(self, *args, **options):
        failed = []
        for job in JOBS:
            try:
                call_command(job, stdout=self.stdout, stderr=self.stderr)
            except Exception:
                logger.exception("housekeeping job %s failed", job, extra={"event": "housekeeping.failed", "job": job})
                failed.append(job)
            else:
                logger.info("housekeeping job %s done", job, extra={"event": "housekeeping.done", "job": job})
        if failed:
            raise CommandError(f"housekeeping jobs failed: {', '.join(failed)}")
