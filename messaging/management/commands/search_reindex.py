"""`manage.py search_reindex`: build the message search index afresh (messaging/search.py)."""

import time

from django.core.management.base import BaseCommand

from messaging.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the full-text index of message bodies from the messages table: after restoring a "
        "backup, loading messages with raw SQL, or to trim what a rolled-back write left in Mroonga."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        count = search_index_rebuild()
        self.stdout.write(f"Indexed {count} messages in {time.monotonic() - started:.1f}s.")
