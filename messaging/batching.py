"""
Group commit for WebSocket sends.

One INSERT and commit per message caps a process near 300 sends a second. The
batcher writes, in one transaction, every send that arrived while the previous
batch was being written: no timer and no added latency when idle, and ever
larger batches as load rises.
"""

import asyncio
import logging
import weakref

from django.db import DatabaseError
from django.utils.translation import gettext_lazy

from chatroom.db import database_sync_to_async
from chatroom.exceptions import ChatError, Unavailable
from chatroom.realtime.events import Event, publish_batch, publishes_collected
from messaging.services import SendRequest, SendResult, message_send_many

logger = logging.getLogger(__name__)

MAX_BATCH = 200


class SendBatcher:
    def __init__(self):
        self._pending: list[tuple[SendRequest, asyncio.Future]] = []
        self._wakeup = asyncio.Event()
        # Written batches, in order, waiting for their pushes to go out before their answers.
        self._written: asyncio.Queue[tuple[list[Event], list[asyncio.Future], list]] = asyncio.Queue()
        self._task = asyncio.create_task(self._write_forever(), name="send-batcher")
        self._publisher = asyncio.create_task(self._publish_forever(), name="send-publisher")

    async def send(self, request: SendRequest) -> SendResult:
        """Store the message (with the current batch); raise the ChatError that refused it."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        self._wakeup.set()
        return await future

    async def _write_forever(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._write(batch)

    async def _write(self, batch: list[tuple[SendRequest, asyncio.Future]]) -> None:
        events: list[Event] = []
        try:
            results = await database_sync_to_async(_send_collecting)([request for request, _ in batch], events)
        except DatabaseError:
            logger.exception("send batch of %d failed", len(batch))
            results = [Unavailable(gettext_lazy("The message could not be stored; try again."))] * len(batch)
        except Exception:
            logger.exception("send batch of %d failed", len(batch))
            results = [ChatError(gettext_lazy("The message could not be stored; try again."))] * len(batch)
        # Pushed by the publisher task, on the loop: the database thread never waits for Redis,
        # and the next batch is written while this one's pushes go out.
        self._written.put_nowait((events, [future for _, future in batch], results))

    async def _publish_forever(self) -> None:
        """Push each written batch's events, in the order written, then answer its senders (acks after pushes)."""
        while True:
            events, futures, results = await self._written.get()
            try:
                await publish_batch(events)
            except Exception:  # the messages are stored: clients recover them by id
                logger.exception("publishing a send batch of %d events failed", len(events))
            for future, result in zip(futures, results, strict=True):
                if future.done():  # the sender's socket went away meanwhile
                    continue
                if isinstance(result, ChatError):
                    future.set_exception(result)
                else:
                    future.set_result(result)


def _send_collecting(requests: list[SendRequest], events: list[Event]) -> list[SendResult | ChatError]:
    """
    message_send_many, with what it publishes on commit put in `events` instead
    of sent, even when it fails after some commits (a conflict retried one by one).
    """
    with publishes_collected() as collected:
        try:
            return message_send_many(requests=requests)
        finally:
            events.extend(collected)


_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SendBatcher]" = weakref.WeakKeyDictionary()


def get_batcher() -> SendBatcher:
    """Return the running event loop's batcher."""
    loop = asyncio.get_running_loop()
    if loop not in _batchers:
        _batchers[loop] = SendBatcher()
    return _batchers[loop]
