"""
`database_sync_to_async` for the hot path: Channels' own, without a health
check round trip to the database on a connection that answered moments ago.

With CONN_HEALTH_CHECKS on, every call through Channels' wrapper closes or
re-arms the thread's connection (close_old_connections, as at the start of a
request), so the call's first query is preceded by a ping: a round trip per
handshake, per send batch, per frame that reads. Profiled, the pings were a
fifth of a connect storm. A connection that ended a call without error less
than HEALTHY_SECONDS ago is trusted instead, as Django trusts one within a
request; one that fails marks itself (errors_occurred), and the next call
checks it, closes it if dead and reconnects.
"""

import time

from asgiref.sync import SyncToAsync
from channels.db import DatabaseSyncToAsync
from django.db import close_old_connections, connections

HEALTHY_SECONDS = 1.0


class HotPathDatabaseSyncToAsync(DatabaseSyncToAsync):
    def thread_handler(self, loop, *args, **kwargs):
        close_old_connections()
        _trust_recent_connections()
        try:
            return SyncToAsync.thread_handler(self, loop, *args, **kwargs)
        finally:
            _note_healthy_connections()
            close_old_connections()


database_sync_to_async = HotPathDatabaseSyncToAsync


def _trust_recent_connections() -> None:
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        healthy_at = getattr(connection, "chat_healthy_at", None)
        if (
            connection.connection is not None
            and not connection.errors_occurred
            and healthy_at is not None
            and now - healthy_at < HEALTHY_SECONDS
        ):
            connection.health_check_done = True


def _note_healthy_connections() -> None:
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.errors_occurred:
            connection.chat_healthy_at = now
        else:
            connection.chat_healthy_at = None
