"""
The send batcher: a batch is written while the previous one's pushes go out,
pushes go out in the order the batches were written, and each sender is
answered only once its batch's pushes are out (the ack after message.new).
"""

import asyncio
import threading

import pytest

from messaging import batching
from messaging.services import SendRequest, SendResult

pytestmark = pytest.mark.django_db(transaction=True)  # the batcher's thread hop tidies database connections


async def test_the_next_batch_is_written_while_pushes_go_out_in_order(monkeypatch):
    log: list[str] = []
    first_push_started = threading.Event()
    release_first_push = asyncio.Event()

    def write(requests, events):
        body = requests[0].body
        if body == "second":
            # Written while the first batch's push is still waiting: the database thread does not wait for Redis.
            assert first_push_started.wait(timeout=5)
        log.append(f"write {body}")
        events.append(("room.1", {"type": "hub.room", "text": body}))
        return [SendResult(message=None, created=True, data={"body": request.body}) for request in requests]

    async def publish(events):
        [(_, envelope)] = events
        log.append(f"push {envelope['text']}")
        if envelope["text"] == "first":
            first_push_started.set()
            await release_first_push.wait()

    monkeypatch.setattr(batching, "_send_collecting", write)
    monkeypatch.setattr(batching, "publish_batch", publish)
    batcher = batching.SendBatcher()
    try:
        first = asyncio.ensure_future(batcher.send(SendRequest(None, 1, "first")))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(batcher.send(SendRequest(None, 1, "second")))
        for _ in range(200):
            if "write second" in log:
                break
            await asyncio.sleep(0.01)
        assert log == ["write first", "push first", "write second"]
        assert not first.done() and not second.done()  # answered only after their pushes
        release_first_push.set()
        assert (await first).data == {"body": "first"} and (await second).data == {"body": "second"}
        assert log == ["write first", "push first", "write second", "push second"]
    finally:
        release_first_push.set()
        for task in (batcher._task, batcher._publisher):
            task.cancel()
