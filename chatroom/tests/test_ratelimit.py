"""The send rate limit when Redis is gone: it fails open, and says so in the log."""

import logging

from chatroom.ratelimit import _redis_gcra, send_bucket


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
