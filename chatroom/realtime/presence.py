"""
Presence: who is online, on any worker, and the `presence` frames that tell
their room-mates. A user is announced online when their first socket opens,
and offline once their last one has stayed closed for
CHAT_PRESENCE_GRACE_SECONDS: a socket opened meanwhile (a page reload, a
reconnect to another worker) cancels it, and nothing is announced either way.

Each process (event loop) has one tracker. Consumers tell it of their socket
opening and closing and never wait for it: it keeps its sockets in memory, and
one writer task applies the changes to the store (chatroom.realtime.presence_store:
Redis, or process memory without it) in order and in batches, then announces
what the store answered is due. Every CHAT_PRESENCE_HEARTBEAT_SECONDS each
worker beats and sweeps: the sweep forgets the sockets of workers silent for
CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS (killed) and claims the offlines that fell
due, including those whose grace timer died with its worker.

When the store cannot be reached the tracker logs it and keeps counting in
memory; once the store answers it replaces its share of the store with what it
holds (a Sync): sockets closed meanwhile are forgotten (their users go offline
after the grace period), sockets opened meanwhile are added (announced online).
The same Sync heals a worker the others took for dead (its loop stalled past
the timeout) and a Redis that restarted empty.
"""

import asyncio
import logging
import os
import socket
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from channels.db import database_sync_to_async
from django.conf import settings

from chatroom.realtime.events import publish_now, to_room
from chatroom.realtime.presence_store import (
    Beat,
    Connect,
    ConnectResult,
    Disconnect,
    MemoryPresenceStore,
    Op,
    PresenceStore,
    RedisPresenceStore,
    Retire,
    Sweep,
    SweepResult,
    Sync,
    SyncResult,
)
from chatroom.realtime.protocol import UserData, presence

logger = logging.getLogger(__name__)

# After a failed batch the writer tries again (with a Sync) after this long, doubling up to the maximum.
RETRY_SECONDS = (0.5, 5.0)
# A grace timer wakes the sweep this much after the deadline, so that Redis's clock has passed it too.
DEADLINE_SLACK_SECONDS = 0.05

# user ids -> {user id: (the user as frames show them, the rooms that hear of them)}
Audience = Callable[..., dict[int, tuple[UserData, set[int]]]]
_audience: Audience | None = None


def register_audience(audience: Audience) -> None:
    """
    Say how to find who a user is and which rooms hear of them, called as
    `audience(user_ids=[...])` from a thread when their offline falls due (on
    whichever worker claims it, so the consumer that knew cannot be asked). The
    rooms app registers it when Django starts: the kernel imports no app.
    """
    global _audience
    _audience = audience


@dataclass(frozen=True)
class LocalSocket:
    user: UserData
    room_ids: frozenset[int]


class PresenceTracker:
    """One process's sockets, kept in step with the shared store by a single writer task."""

    def __init__(self, store: PresenceStore, *, heartbeat: float, worker_timeout: float):
        self.store = store
        self.heartbeat = heartbeat
        self.worker_timeout = worker_timeout
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.sockets: dict[str, LocalSocket] = {}
        # Who and where to announce, until the store has answered: a socket may close
        # before its Connect is applied, and its user was online all the same.
        self._opening: dict[str, LocalSocket] = {}
        self._synced: dict[int, LocalSocket] = {}
        self._queue: list[Op] = []
        self._wake = asyncio.Event()
        # Whether the store holds this worker's sockets as self.sockets does; until it
        # does, the writer's next batch starts with a Sync (and so does the first).
        self._in_sync = False
        self._failing = False
        self._sweep_queued = False
        self._queued = 0
        self._done = 0
        self._progress = asyncio.Condition()
        self._writer: asyncio.Task | None = None
        self._beater: asyncio.Task | None = None

    def start(self) -> None:
        self._wake.set()  # register this worker (a Sync) at once, so that it sweeps from the start
        self._writer = asyncio.create_task(self._write_forever(), name="presence-writer")
        self._beater = asyncio.create_task(self._beat_forever(), name="presence-heartbeat")

    async def stop(self) -> None:
        """Stop the tasks, as a killed worker would: no Retire, the store keeps its sockets."""
        tasks = [task for task in (self._writer, self._beater) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- What consumers call: local, never waiting on the store ---------------------

    def connect(self, *, user: UserData, room_ids: set[int]) -> str:
        """Count a new socket of `user`; return its id, for `disconnect`."""
        socket_id = uuid.uuid4().hex
        self.sockets[socket_id] = self._opening[socket_id] = LocalSocket(user, frozenset(room_ids))
        self._enqueue(Connect(user["id"], socket_id))
        return socket_id

    def disconnect(self, socket_id: str) -> None:
        local = self.sockets.pop(socket_id, None)
        if local is not None:
            self._enqueue(Disconnect(local.user["id"], socket_id, grace=settings.CHAT_PRESENCE_GRACE_SECONDS))

    async def flush(self) -> None:
        """
        Wait until everything asked so far has been applied to the store, and a
        resync it called for too (or given up on: the store is unreachable).
        """
        target = self._queued
        async with self._progress:
            await self._progress.wait_for(lambda: self._done >= target and (self._in_sync or self._failing))

    async def retire(self) -> None:
        """Withdraw this worker's sockets from the store (graceful shutdown): their users go offline after grace."""
        if self._beater is not None:
            self._beater.cancel()
        self.sockets.clear()
        self._enqueue(Retire(grace=settings.CHAT_PRESENCE_GRACE_SECONDS))
        await self.flush()

    def _enqueue(self, op: Op) -> None:
        self._queue.append(op)
        self._queued += 1
        self._wake.set()

    def beat(self) -> None:
        """Tell the store this worker is alive, and sweep (every heartbeat)."""
        self._enqueue(Beat())
        self.request_sweep()

    def request_sweep(self) -> None:
        """Have the writer sweep soon: drop dead workers' sockets, announce the offlines that are due."""
        if not self._sweep_queued:
            self._sweep_queued = True
            self._enqueue(Sweep(self.worker_timeout))

    # --- The writer ----------------------------------------------------------------

    async def _write_forever(self) -> None:
        retry = RETRY_SECONDS[0]
        task = asyncio.current_task()
        while True:
            if task.cancelling():
                # A cancellation that Python 3.11's wait_for (inside redis-py) swallowed:
                # honour it, or the loop that is closing waits for this task for ever.
                raise asyncio.CancelledError
            await self._wake.wait()
            self._wake.clear()
            queued, self._queue = self._queue, []
            self._sweep_queued = False
            ops = queued
            if not self._in_sync:
                # The snapshot holds every socket opened or closed so far: their own
                # operations would only repeat it.
                self._forget_openings(queued)
                ops = [self._sync(), *(op for op in queued if not isinstance(op, (Connect, Disconnect)))]
            try:
                results = await self.store.apply(self.worker_id, ops)
            except Exception:
                if not self._failing:
                    logger.warning(
                        "presence: store unreachable; counting sockets locally until it answers",
                        exc_info=True,
                        extra={"event": "presence.unavailable"},
                    )
                self._failing = True
                self._in_sync = False
                self._forget_openings(queued)
                await self._mark_done(len(queued))
                await asyncio.sleep(retry)
                retry = min(retry * 2, RETRY_SECONDS[1])
                self._wake.set()
                continue
            retry = RETRY_SECONDS[0]
            if self._failing:
                logger.warning("presence: store reachable again; resynced", extra={"event": "presence.resynced"})
                self._failing = False
            self._in_sync = True
            for op, result in zip(ops, results, strict=True):
                try:
                    await self._handle(op, result)
                except Exception:
                    logger.exception("presence: handling %s failed", type(op).__name__)
            await self._mark_done(len(queued))

    def _sync(self) -> Sync:
        """This worker's share of the store, as it should be; remembers whom it may announce."""
        self._synced = {local.user["id"]: local for local in self.sockets.values()}
        sockets = tuple((local.user["id"], socket_id) for socket_id, local in self.sockets.items())
        return Sync(sockets, grace=settings.CHAT_PRESENCE_GRACE_SECONDS)

    def _forget_openings(self, ops: list[Op]) -> None:
        """These Connects will not be applied: a Sync covers the sockets still open."""
        for op in ops:
            if isinstance(op, Connect):
                self._opening.pop(op.socket_id, None)

    async def _mark_done(self, count: int) -> None:
        async with self._progress:
            self._done += count
            self._progress.notify_all()

    async def _handle(self, op: Op, result) -> None:
        """Act on what the store answered: announce, time an offline, or resync."""
        match op, result:
            case Connect(), ConnectResult(online, worker_known):
                local = self._opening.pop(op.socket_id, None)
                if online and local is not None:
                    await self._announce_online([local])
                if not worker_known:
                    self._resync("the store did not know this worker")
            case Disconnect(), True:
                self._sweep_at_deadline(op.grace)
            case Beat(), False:
                # The others took this worker for dead (its loop stalled past the timeout,
                # or Redis restarted empty) and forgot its sockets: put them back.
                self._resync("the store had forgotten this worker")
            case Sync(), SyncResult(online, pending):
                synced, self._synced = self._synced, {}
                if online:
                    await self._announce_online([synced[user_id] for user_id in online])
                if pending:
                    self._sweep_at_deadline(op.grace)
            case Sweep(), SweepResult(offline, more):
                if offline:
                    await self._announce_offline(offline)
                if more:
                    self.request_sweep()

    def _resync(self, reason: str) -> None:
        logger.warning("presence: %s; putting its sockets back", reason, extra={"event": "presence.resync"})
        self._in_sync = False
        self._wake.set()

    def _sweep_at_deadline(self, grace: float) -> None:
        # This worker enforces the grace period it started; if it dies first, any
        # other worker's periodic sweep claims the offline instead.
        asyncio.get_running_loop().call_later(grace + DEADLINE_SLACK_SECONDS, self.request_sweep)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            self.beat()

    # --- Announcements -------------------------------------------------------------

    async def _announce_online(self, sockets: list[LocalSocket]) -> None:
        await self._publish([(local.user, local.room_ids) for local in sockets], online=True)

    async def _announce_offline(self, user_ids: list[int]) -> None:
        """Offline frames for users whose last socket may have been on another worker: ask who and where."""
        if _audience is None:
            logger.error("presence: no audience registered; %d offline frames not sent", len(user_ids))
            return
        try:
            audience = await database_sync_to_async(_audience)(user_ids=user_ids)
        except Exception:
            logger.warning("presence: offline of %d users not announced", len(user_ids), exc_info=True)
            return
        await self._publish(list(audience.values()), online=False)

    async def _publish(self, users: list[tuple[UserData, Iterable[int]]], *, online: bool) -> None:
        try:
            await publish_now(
                to_room(room_id, presence(room=room_id, user=user, online=online), exclude_user=user["id"])
                for user, room_ids in users
                for room_id in room_ids
            )
        except Exception:
            # Best effort, as every push: the channel layer is down, and the hub will
            # have every socket reconnect (4012), after which members/ is right.
            logger.warning("presence: publishing %d users' presence failed", len(users), exc_info=True)


# --- Per process -------------------------------------------------------------------

_memory_store = MemoryPresenceStore()
_trackers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceTracker]" = weakref.WeakKeyDictionary()


def _store_prefix() -> str:
    return f"{settings.CACHE_PREFIX}:presence"


@cache
def _redis_reader(url: str, prefix: str) -> RedisPresenceStore:
    return RedisPresenceStore(url, prefix)


def get_presence() -> PresenceTracker:
    """Return the running event loop's tracker, starting it on first use."""
    loop = asyncio.get_running_loop()
    tracker = _trackers.get(loop)
    if tracker is None:
        store = RedisPresenceStore(settings.REDIS_URL, _store_prefix()) if settings.REDIS_URL else _memory_store
        tracker = PresenceTracker(
            store,
            heartbeat=settings.CHAT_PRESENCE_HEARTBEAT_SECONDS,
            worker_timeout=settings.CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS,
        )
        tracker.start()
        _trackers[loop] = tracker
    return tracker


def presence_connect(*, user: UserData, room_ids: set[int]) -> str:
    """A socket of `user` opened: their first announces them online to `room_ids`. Returns the socket's id."""
    return get_presence().connect(user=user, room_ids=room_ids)


def presence_disconnect(*, socket_id: str) -> None:
    """A socket closed: if it was its user's last, they go offline after the grace period."""
    get_presence().disconnect(socket_id)


async def presence_retire() -> None:
    """The worker is stopping: withdraw its sockets now rather than leave them to the worker timeout."""
    tracker = _trackers.get(asyncio.get_running_loop())
    if tracker is not None:
        await tracker.retire()


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of these users are online, on any worker (as the presence frames announced them)."""
    if settings.REDIS_URL:
        return _redis_reader(settings.REDIS_URL, _store_prefix()).online(user_ids)
    return _memory_store.online(user_ids)


def reset_memory_presence() -> None:
    """Forget the in-process presence (tests)."""
    _memory_store.reset()
