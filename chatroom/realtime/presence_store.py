"""
Where presence is kept, and the operations on it. Two stores with the same
operations, which the tracker (chatroom.realtime.presence) applies in batches:

- RedisPresenceStore: shared by every worker; each operation is one Lua script,
  which Redis runs atomically, so two workers never interleave halfway.
- MemoryPresenceStore: the embedded default (one process, no Redis).

The state, in either:

- workers: worker id -> the time of its last heartbeat. A worker silent for the
  `worker_timeout` of a sweep is dead (SIGKILL, OOM, a lost machine): that sweep
  forgets its sockets.
- a worker's sockets: (user id, socket id) pairs, so that they can be forgotten with it.
- a user's sockets: socket id -> worker id. A user with one is connected.
- online: the users announced online whose offline has not been announced. It is
  what `members/` shows, so the list and the frames never disagree.
- pending: user id -> when their offline falls due. A user announced online whose
  last socket closed is pending for the grace period; a socket opened meanwhile
  (a page reload, a reconnect to another worker) cancels it, and nothing is
  announced. The sweep that finds it due claims it atomically, so exactly one
  worker announces it, whichever it is.

Nothing expires by itself: a key with a TTL would make a connected user look
offline once it lapsed. Only a worker's missed heartbeats forget its sockets,
and a live worker that finds itself forgotten (Beat answers False: it stalled
past the timeout, or Redis restarted empty) puts its sockets back with Sync.
Time is Redis's clock (TIME), the same for every worker.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

from chatroom.redis_client import redis_async_client, redis_client

# An operation waits at most this long for Redis, with no retries (seconds): the
# tracker falls back on its own memory and heals when Redis answers again.
REDIS_TIMEOUT = 1.0
# Offlines one sweep claims at most; a sweep that hits it asks for another.
SWEEP_LIMIT = 1000


# --- Operations -------------------------------------------------------------------


@dataclass(frozen=True)
class Connect:
    """A socket opened on this worker. Result: ConnectResult."""

    user_id: int
    socket_id: str


class ConnectResult(NamedTuple):
    online: bool  # the user's first socket: announce them online
    worker_known: bool  # False: the store had forgotten this worker; it must Sync


@dataclass(frozen=True)
class Disconnect:
    """A socket closed. Result: whether the user's offline is now pending (their last socket)."""

    user_id: int
    socket_id: str
    grace: float


@dataclass(frozen=True)
class Beat:
    """This worker is alive. Result: whether the store knew it (False: it must Sync)."""


@dataclass(frozen=True)
class Sync:
    """Make the store hold exactly these sockets for this worker. Result: SyncResult."""

    sockets: tuple[tuple[int, str], ...]  # (user id, socket id)
    grace: float


class SyncResult(NamedTuple):
    online: list[int]  # users newly online: announce them
    pending: bool  # some user's offline became pending (a socket gone while the store was unreachable)


@dataclass(frozen=True)
class Sweep:
    """Forget dead workers' sockets and claim the offlines that are due. Result: SweepResult."""

    worker_timeout: float
    limit: int = SWEEP_LIMIT


class SweepResult(NamedTuple):
    offline: list[int]  # users to announce offline (claimed: no other worker will)
    more: bool  # the limit was reached: sweep again


@dataclass(frozen=True)
class Retire:
    """This worker stops (graceful shutdown): forget its sockets, their users pending. Result: None."""

    grace: float


Op = Connect | Disconnect | Beat | Sync | Sweep | Retire


class PresenceStore(Protocol):
    async def apply(self, worker: str, ops: Sequence[Op]) -> list:
        """Apply `ops` for `worker` in order; one result per operation."""

    def online(self, user_ids: Iterable[int]) -> set[int]:
        """Which of these users are online (announced, and not yet announced offline)."""


# --- Redis ------------------------------------------------------------------------

# Shared by every script: the keys (under ARGV[1], the prefix), Redis's clock, and
# the two state changes every operation is made of. The keys of users and workers
# are built here rather than passed in KEYS: fine on one Redis, not on a cluster.
_PRELUDE = """
local prefix = ARGV[1]
local WORKERS, ONLINE, PENDING = prefix .. ':workers', prefix .. ':online', prefix .. ':pending'
local function user_key(uid) return prefix .. ':user:' .. uid end
local function worker_key(worker) return prefix .. ':worker:' .. worker end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000

-- Record a socket; 1 if its user is newly online (to be announced).
local function remember(worker, uid, sid)
  redis.call('HSET', user_key(uid), sid, worker)
  redis.call('SADD', worker_key(worker), uid .. ':' .. sid)
  redis.call('ZREM', PENDING, uid)
  return redis.call('SADD', ONLINE, uid)
end

-- Forget a socket; 1 if its user, announced online, has none left: their offline falls due at `due`.
local function forget(worker, uid, sid, due)
  redis.call('SREM', worker_key(worker), uid .. ':' .. sid)
  redis.call('HDEL', user_key(uid), sid)
  if redis.call('EXISTS', user_key(uid)) == 0 and redis.call('SISMEMBER', ONLINE, uid) == 1 then
    redis.call('ZADD', PENDING, due, uid)
    return 1
  end
  return 0
end

-- Forget every socket of a worker; the number of users left pending.
local function forget_worker(worker, due)
  local pending = 0
  for _, member in ipairs(redis.call('SMEMBERS', worker_key(worker))) do
    local uid, sid = string.match(member, '^(%d+):(.+)$')
    pending = pending + forget(worker, uid, sid, due)
  end
  redis.call('DEL', worker_key(worker))
  return pending
end
"""

_SCRIPTS = {
    # ARGV: prefix, worker, user id, socket id
    Connect: """
local worker = ARGV[2]
local known = 1
if not redis.call('ZSCORE', WORKERS, worker) then
  known = 0
  redis.call('ZADD', WORKERS, now, worker)
end
return {remember(worker, ARGV[3], ARGV[4]), known}
""",
    # ARGV: prefix, worker, user id, socket id, grace
    Disconnect: """
return forget(ARGV[2], ARGV[3], ARGV[4], now + tonumber(ARGV[5]))
""",
    # ARGV: prefix, worker
    Beat: """
return redis.call('ZADD', WORKERS, now, ARGV[2])
""",
    # ARGV: prefix, worker, grace, then user id and socket id of each socket
    Sync: """
local worker, due = ARGV[2], now + tonumber(ARGV[3])
redis.call('ZADD', WORKERS, now, worker)
local wanted = {}
for i = 4, #ARGV, 2 do wanted[ARGV[i] .. ':' .. ARGV[i + 1]] = true end
local pending = 0
for _, member in ipairs(redis.call('SMEMBERS', worker_key(worker))) do
  if not wanted[member] then
    local uid, sid = string.match(member, '^(%d+):(.+)$')
    pending = pending + forget(worker, uid, sid, due)
  end
end
local online = {}
for i = 4, #ARGV, 2 do
  if remember(worker, ARGV[i], ARGV[i + 1]) == 1 then table.insert(online, tonumber(ARGV[i])) end
end
return {online, pending}
""",
    # ARGV: prefix, worker (unused: a sweep is for every worker), worker timeout, limit
    Sweep: """
local limit = tonumber(ARGV[4])
-- A dead worker's users have been gone for the whole timeout: their offline is due now.
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', WORKERS, '-inf', now - tonumber(ARGV[3]))) do
  redis.call('ZREM', WORKERS, worker)
  forget_worker(worker, now)
end
local offline = {}
local due = redis.call('ZRANGEBYSCORE', PENDING, '-inf', now, 'LIMIT', 0, limit)
for _, uid in ipairs(due) do
  redis.call('ZREM', PENDING, uid)
  if redis.call('EXISTS', user_key(uid)) == 0 and redis.call('SREM', ONLINE, uid) == 1 then
    table.insert(offline, tonumber(uid))
  end
end
return {offline, #due >= limit and 1 or 0}
""",
    # ARGV: prefix, worker, grace
    Retire: """
redis.call('ZREM', WORKERS, ARGV[2])
forget_worker(ARGV[2], now + tonumber(ARGV[3]))
return 0
""",
}


def _redis_args(op: Op) -> list:
    match op:
        case Connect(user_id, socket_id):
            return [user_id, socket_id]
        case Disconnect(user_id, socket_id, grace):
            return [user_id, socket_id, grace]
        case Beat():
            return []
        case Sync(sockets, grace):
            return [grace, *(part for pair in sockets for part in pair)]
        case Sweep(worker_timeout, limit):
            return [worker_timeout, limit]
        case Retire(grace):
            return [grace]
    raise TypeError(op)


def _redis_result(op: Op, raw):
    match op:
        case Connect():
            return ConnectResult(online=bool(raw[0]), worker_known=bool(raw[1]))
        case Disconnect():
            return bool(raw)
        case Beat():
            return raw == 0  # ZADD added nothing: the worker was there
        case Sync():
            return SyncResult(online=[int(uid) for uid in raw[0]], pending=bool(raw[1]))
        case Sweep():
            return SweepResult(offline=[int(uid) for uid in raw[0]], more=bool(raw[1]))
        case Retire():
            return None
    raise TypeError(op)


class RedisPresenceStore:
    """Presence in Redis under `prefix`: one atomic script per operation, a batch in one round trip."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        self._client: redis.asyncio.Redis | None = None  # bound to the event loop that first uses it
        self._scripts: dict[type, redis.commands.core.AsyncScript] = {}
        self._reader: redis.Redis | None = None

    def _async_client(self) -> redis.asyncio.Redis:
        if self._client is None:
            self._client = redis_async_client(
                self.url,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                retry=Retry(NoBackoff(), 0),
            )
            self._scripts = {kind: self._client.register_script(_PRELUDE + body) for kind, body in _SCRIPTS.items()}
        return self._client

    async def apply(self, worker: str, ops: Sequence[Op]) -> list:
        if not ops:
            return []
        client = self._async_client()
        async with client.pipeline(transaction=False) as pipe:
            for op in ops:
                # Queued on the pipeline (which loads the scripts Redis lacks), sent by execute().
                await self._scripts[type(op)](args=[self.prefix, worker, *_redis_args(op)], client=pipe)
            raw = await pipe.execute()
        return [_redis_result(op, result) for op, result in zip(ops, raw, strict=True)]

    def online(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(dict.fromkeys(int(uid) for uid in user_ids))
        if not ids:
            return set()
        if self._reader is None:  # a thread-safe pool, for the REST views' threads
            self._reader = redis_client(self.url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        flags = self._reader.smismember(f"{self.prefix}:online", ids)
        return {uid for uid, flag in zip(ids, flags, strict=True) if flag}

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


# --- Process memory ---------------------------------------------------------------


class MemoryPresenceStore:
    """The same state and operations in one process's memory, for the embedded default without Redis."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()  # the REST views read from other threads
        self.reset()

    def reset(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            self._workers: dict[str, float] = {}
            self._worker_sockets: defaultdict[str, set[tuple[int, str]]] = defaultdict(set)
            self._user_sockets: defaultdict[int, dict[str, str]] = defaultdict(dict)
            self._online: set[int] = set()
            self._pending: dict[int, float] = {}

    async def apply(self, worker: str, ops: Sequence[Op]) -> list:
        with self._lock:
            now = self.clock()
            return [self._apply(worker, op, now) for op in ops]

    def online(self, user_ids: Iterable[int]) -> set[int]:
        with self._lock:
            return {int(uid) for uid in user_ids if int(uid) in self._online}

    def _apply(self, worker: str, op: Op, now: float):
        match op:
            case Connect(user_id, socket_id):
                known = worker in self._workers
                self._workers.setdefault(worker, now)
                return ConnectResult(online=self._remember(worker, user_id, socket_id), worker_known=known)
            case Disconnect(user_id, socket_id, grace):
                return self._forget(worker, user_id, socket_id, due=now + grace)
            case Beat():
                known = worker in self._workers
                self._workers[worker] = now
                return known
            case Sync(sockets, grace):
                self._workers[worker] = now
                stale = self._worker_sockets[worker] - set(sockets)
                pending = [self._forget(worker, uid, sid, due=now + grace) for uid, sid in stale]
                online = [uid for uid, sid in sockets if self._remember(worker, uid, sid)]
                return SyncResult(online=online, pending=any(pending))
            case Sweep(worker_timeout, limit):
                for dead in [w for w, beat in self._workers.items() if beat <= now - worker_timeout]:
                    del self._workers[dead]
                    self._forget_worker(dead, due=now)
                due = sorted((at, uid) for uid, at in self._pending.items() if at <= now)[:limit]
                offline = []
                for _, uid in due:
                    del self._pending[uid]
                    if not self._user_sockets.get(uid) and uid in self._online:
                        self._online.discard(uid)
                        offline.append(uid)
                return SweepResult(offline=offline, more=len(due) >= limit)
            case Retire(grace):
                self._workers.pop(worker, None)
                self._forget_worker(worker, due=now + grace)
                return None
        raise TypeError(op)

    def _remember(self, worker: str, uid: int, sid: str) -> bool:
        self._user_sockets[uid][sid] = worker
        self._worker_sockets[worker].add((uid, sid))
        self._pending.pop(uid, None)
        if uid in self._online:
            return False
        self._online.add(uid)
        return True

    def _forget(self, worker: str, uid: int, sid: str, *, due: float) -> bool:
        self._worker_sockets.get(worker, set()).discard((uid, sid))
        sockets = self._user_sockets.get(uid, {})
        sockets.pop(sid, None)
        if sockets:
            return False
        self._user_sockets.pop(uid, None)
        if uid in self._online:
            self._pending[uid] = due
            return True
        return False

    def _forget_worker(self, worker: str, *, due: float) -> None:
        for uid, sid in list(self._worker_sockets.pop(worker, ())):
            self._forget(worker, uid, sid, due=due)
