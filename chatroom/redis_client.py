"""
Every connection to Redis, in one place: to one server (REDIS_URL), or to the
master that Redis Sentinel names (REDIS_SENTINELS and REDIS_SENTINEL_MASTER),
for the channel layer, the cache, the rate limiter and /readyz alike.

With sentinels, REDIS_URL still gives the database number (and a password, if
REDIS_PASSWORD does not); its host is ignored. After a failover a connection to
the old master fails once (connection refused, or READONLY once it is a
replica) and the next one goes to whichever server the sentinels name then.

Settings call the pure functions here (no Django settings at import time);
code that needs a client at run time calls `redis_client()`.
"""

from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio
import redis.asyncio.sentinel
from redis.sentinel import Sentinel, SentinelConnectionPool

# How long a question to a sentinel may take before the next sentinel is asked (seconds).
SENTINEL_TIMEOUT = 0.5


def parse_sentinels(entries: list[str]) -> list[tuple[str, int]]:
    """ "host:port" entries (REDIS_SENTINELS) as (host, port) pairs; the port defaults to 26379."""
    addresses = []
    for entry in entries:
        host, _, port = entry.strip().rpartition(":")
        addresses.append((host, int(port)) if host else (entry.strip(), 26379))
    return addresses


def connection_options(url: str, password: str | None = None) -> dict:
    """The database, user name and password of a redis:// URL; `password` applies when the URL has none."""
    parts = urlsplit(url)
    options: dict = {"db": int(parts.path.strip("/") or 0)}
    if parts.username:
        options["username"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    elif password:
        options["password"] = password
    return options


def channel_layer_host(url: str, *, sentinels: list[tuple[str, int]], master: str, password: str) -> dict:
    """One `hosts` entry of channels_redis's pub/sub layer: an address, or the master the sentinels name."""
    if not sentinels:
        return {"address": url, **({"password": password} if password and not urlsplit(url).password else {})}
    return {
        "sentinels": sentinels,
        "master_name": master,
        "sentinel_kwargs": {"socket_timeout": SENTINEL_TIMEOUT},
        **connection_options(url, password),
    }


class SentinelMasterPool(SentinelConnectionPool):
    """
    A connection pool to the master that the sentinels name. Django's RedisCache
    builds its pools with `pool_class.from_url(LOCATION, **OPTIONS)` (its
    `pool_class` option), so this is all it takes to make the cache follow a failover.
    """

    @classmethod
    def from_url(cls, url: str, **options) -> "SentinelMasterPool":
        from django.conf import settings

        sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs={"socket_timeout": SENTINEL_TIMEOUT})
        return cls(
            settings.REDIS_SENTINEL_MASTER, sentinel, **{**connection_options(url, settings.REDIS_PASSWORD), **options}
        )


def redis_client(url: str | None = None, **options) -> redis.Redis:
    """
    A client of the configured Redis (the sentinels' master, or REDIS_URL, or
    `url`, whose database and password count with sentinels too); `options` as
    redis.Redis takes them.
    """
    from django.conf import settings

    url = url or settings.REDIS_URL
    if settings.REDIS_SENTINELS:
        return redis.Redis(connection_pool=SentinelMasterPool.from_url(url, **options))
    if settings.REDIS_PASSWORD and not urlsplit(url).password:
        options["password"] = settings.REDIS_PASSWORD
    return redis.Redis.from_url(url, **options)


def redis_async_client(url: str | None = None, **options) -> redis.asyncio.Redis:
    """redis_client() for code on the event loop (presence): the same server, followed the same way."""
    from django.conf import settings

    url = url or settings.REDIS_URL
    if settings.REDIS_SENTINELS:
        sentinel = redis.asyncio.sentinel.Sentinel(
            settings.REDIS_SENTINELS, sentinel_kwargs={"socket_timeout": SENTINEL_TIMEOUT}
        )
        return sentinel.master_for(
            settings.REDIS_SENTINEL_MASTER, **{**connection_options(url, settings.REDIS_PASSWORD), **options}
        )
    if settings.REDIS_PASSWORD and not urlsplit(url).password:
        options["password"] = settings.REDIS_PASSWORD
    return redis.asyncio.Redis.from_url(url, **options)
