"""The send rate limit when Redis is gone: it fails open, and says so in the log."""

import logging
import os

import pytest

from chatroom.ratelimit import TokenBucket, _redis_gcra, reset_memory_buckets, send_bucket

REDIS_URL = os.environ.get("REDIS_URL", "")


def test_the_send_limit_fails_open_without_redis(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CHAT_SEND_BURST = 2
    _redis_gcra.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="chatroom.ratelimit"):
            waits = [send_bucket().hit(42) for _ in range(5)]
    finally:
        _redis_gcra.cache_clear()
    assert waits == [0.0] * 5  # past the burst, yet allowed: the database still stores every send
    assert {record.event for record in caplog.records} == {"ratelimit.unavailable"}


def test_the_send_limit_of_a_batch_fails_open_without_redis(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CHAT_SEND_BURST = 2
    _redis_gcra.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="chatroom.ratelimit"):
            waits = send_bucket().hit_many([42] * 5)
    finally:
        _redis_gcra.cache_clear()
    assert waits == [0.0] * 5
    assert {record.event for record in caplog.records} == {"ratelimit.unavailable"}


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_hits_of_a_batch_count_as_the_same_hits_one_by_one(settings, backend):
    """hit_many (one round trip for a batch of sends) answers as hit() called for each key in order."""
    if backend == "redis":
        if not REDIS_URL:
            pytest.skip("REDIS_URL is not set (make test-mariadb runs this on a real Redis)")
        settings.REDIS_URL = REDIS_URL
    else:
        settings.REDIS_URL = ""
    _redis_gcra.cache_clear()
    reset_memory_buckets()
    try:
        one_by_one = TokenBucket(f"test-one-{backend}-{os.getpid()}", rate=0.01, burst=3)
        batched = TokenBucket(f"test-batch-{backend}-{os.getpid()}", rate=0.01, burst=3)
        keys = [1, 2, 1, 1, 1, 2, 3, 1]
        expected = [one_by_one.hit(key) > 0 for key in keys]
        if backend == "redis":
            _redis_gcra().registered_client.script_flush()  # Redis restarted empty: the script is loaded again
        assert [wait > 0 for wait in batched.hit_many(keys)] == expected == [False] * 4 + [True, False, False, True]
        assert batched.hit_many([]) == []
    finally:
        _redis_gcra.cache_clear()
        reset_memory_buckets()
