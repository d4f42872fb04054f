"""
Token-bucket rate limits shared by every worker.

GCRA (the generic cell rate algorithm) keeps one timestamp per key: the
"theoretical arrival time". With Redis it runs as one atomic script on the
server's clock, so all workers share each bucket; without Redis (the embedded
single-process default) it runs in process memory under a lock.

When Redis cannot be reached the limit fails open: a rate limit protects the
service from abuse, while refusing every send during a cache outage would take
the chat down with the cache. The outage is logged; the database still stores
and acknowledges every send (docs/reliability.md).
"""

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from chatroom.redis_client import redis_client

logger = logging.getLogger(__name__)

# A hit waits at most this long for Redis, with no retries, before the limit fails open (seconds).
REDIS_TIMEOUT = 0.5

_GCRA_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local wait = new_tat - tolerance - now
if wait > 0 then return tostring(wait) end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
return '0'
"""


class TokenBucket:
    """Allow `rate` hits a second per key, with bursts of up to `burst`."""

    def __init__(self, name: str, *, rate: float, burst: int):
        self.name = name
        self.interval = 1.0 / rate
        self.tolerance = self.interval * burst

    def hit(self, key: str | int) -> float:
        """Count one hit; return 0 if allowed, else the seconds to wait before the next one is."""
        full_key = f"ratelimit:{self.name}:{key}"
        if not settings.REDIS_URL:
            return _memory_gcra(full_key, self.interval, self.tolerance)
        try:
            return float(_redis_gcra()(keys=[full_key], args=[self.interval, self.tolerance]))
        except redis.RedisError:
            logger.warning(
                "rate limit %s not checked: Redis unavailable", self.name, extra={"event": "ratelimit.unavailable"}
            )
            return 0.0

    def hit_many(self, keys: list[str | int]) -> list[float]:
        """
        hit() for each key in order (a key may repeat), in one round trip to
        Redis: a batch of sends pays one, not one per send.
        """
        if not keys:
            return []
        full_keys = [f"ratelimit:{self.name}:{key}" for key in keys]
        if not settings.REDIS_URL:
            return [_memory_gcra(key, self.interval, self.tolerance) for key in full_keys]
        script = _redis_gcra()
        try:
            try:
                return [float(wait) for wait in self._pipelined(script, full_keys)]
            except redis.exceptions.NoScriptError:  # Redis restarted empty: nothing was applied; load, then again
                script.registered_client.script_load(_GCRA_SCRIPT)
                return [float(wait) for wait in self._pipelined(script, full_keys)]
        except redis.RedisError:
            logger.warning(
                "rate limit %s not checked: Redis unavailable", self.name, extra={"event": "ratelimit.unavailable"}
            )
            return [0.0] * len(keys)

    def _pipelined(self, script, full_keys: list[str]) -> list:
        pipeline = script.registered_client.pipeline(transaction=False)
        for key in full_keys:
            pipeline.evalsha(script.sha, 1, key, self.interval, self.tolerance)
        return pipeline.execute()


@cache
def _redis_gcra():
    client = redis_client(
        socket_timeout=REDIS_TIMEOUT,
        socket_connect_timeout=REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    return client.register_script(_GCRA_SCRIPT)


_memory_tats: dict[str, float] = {}
_memory_lock = threading.Lock()


def _memory_gcra(key: str, interval: float, tolerance: float) -> float:
    with _memory_lock:
        now = time.monotonic()
        new_tat = max(_memory_tats.get(key, 0.0), now) + interval
        wait = new_tat - tolerance - now
        if wait > 0:
            return wait
        _memory_tats[key] = new_tat
        return 0.0


def reset_memory_buckets() -> None:
    """Forget every in-memory bucket (tests)."""
    with _memory_lock:
        _memory_tats.clear()


def send_bucket() -> TokenBucket:
    """Message sends per user, over WebSocket and REST together."""
    return TokenBucket("send", rate=settings.CHAT_SEND_RATE, burst=settings.CHAT_SEND_BURST)
