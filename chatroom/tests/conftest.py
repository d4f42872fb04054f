"""Fixtures of the kernel's tests."""

import os
import uuid

import pytest

from chatroom.realtime.presence_store import MemoryPresenceStore, RedisPresenceStore

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture(params=["memory", "redis"])
async def stores(request):
    """A factory of store handles sharing one state: one per worker."""
    if request.param == "memory":
        shared = MemoryPresenceStore()
        yield lambda: shared
        return
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test-mariadb runs these on a real Redis)")
    prefix = f"test-presence-{uuid.uuid4().hex}"
    opened: list[RedisPresenceStore] = []

    def open_store() -> RedisPresenceStore:
        opened.append(RedisPresenceStore(REDIS_URL, prefix))
        return opened[-1]

    yield open_store
    client = opened[0]._async_client() if opened else None
    if client is not None:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    for store in opened:
        await store.aclose()
