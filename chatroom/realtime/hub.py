"""
The process hub: one channel-layer subscriber per process that fans events out
to the process's sockets.

A plain Channels consumer subscribes every socket to its groups, so a message
to a room of 200 costs 200 layer puts, 200 task wake-ups, 200 dispatches and
200 JSON encodings. The hub subscribes once per room that has a local socket,
receives each event once, and writes the already-encoded frame to every local
socket in the room: the fan-out is done once per process and room, as
python-socketio does it (see "The hot path" in ARCHITECTURE.md).

On a networked layer (Redis) the hub also sends itself a numbered heartbeat
through the layer. A heartbeat that fails to go out or to come back means that
events may have been lost with it (Redis restarted, the subscription dropped).
Once heartbeats come back, the hub closes its sockets with 4012 (resync):
clients reconnect and catch up by id, which closes the gap, and their
subscriptions are rebuilt from the database (docs/reliability.md).
"""

import asyncio
import logging
import weakref
from collections import defaultdict
from typing import Any, Protocol

from channels.layers import InMemoryChannelLayer, get_channel_layer

from chatroom.metrics import layer_events_lost, push_deliveries
from chatroom.realtime.events import (
    ROOM_EVENT,
    SESSION_EVENT,
    USER_EVENT,
    RoomEnvelope,
    SessionEnvelope,
    UserEnvelope,
    room_group,
    session_group,
    user_group,
)
from chatroom.realtime.frames import OutgoingFrame
from chatroom.realtime.protocol import CLOSE_RESYNC

logger = logging.getLogger(__name__)

# Group memberships expire in channel layers (a day by default): re-add ours well before.
GROUP_REFRESH_SECONDS = 3600
# Heartbeats through the layer, this often. Shorter than the pub/sub layer's
# one-second pause before it resubscribes, so that no outage falls between two.
HEARTBEAT_SECONDS = 0.25
HEARTBEAT_EVENT = "hub.heartbeat"


class Socket(Protocol):
    """What the hub needs of a connected socket (the chat consumer)."""

    user_id: int
    room_ids: set[int]
    # The hashed key of the browser session that opened it (chatroom.realtime.events.session_id), if any.
    session_id: str | None

    async def push(self, frame: OutgoingFrame) -> None: ...

    async def close(self, code: int | None = None) -> None: ...


class Hub:
    def __init__(self, layer):
        self.layer = layer
        self.channel_name: str | None = None
        self.room_sockets: dict[int, set[Socket]] = defaultdict(set)
        self.user_sockets: dict[int, set[Socket]] = defaultdict(set)
        self.session_sockets: dict[str, set[Socket]] = defaultdict(set)
        # Groups this hub is subscribed to in the layer, kept in step with the dicts above.
        self._subscribed: set[str] = set()
        self._group_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        # An in-process layer loses nothing: only a networked one needs the heartbeat.
        self.heartbeat = not isinstance(layer, InMemoryChannelLayer)
        self._heartbeats_sent = 0
        self._heartbeats_seen = 0
        self._events_lost = False

    async def start(self) -> None:
        self.channel_name = await self.layer.new_channel("hub.")
        self._tasks = [
            asyncio.create_task(self._receive_forever(), name="hub-receive"),
            asyncio.create_task(self._refresh_groups_forever(), name="hub-refresh"),
        ]
        if self.heartbeat:
            self._tasks.append(asyncio.create_task(self._heartbeat_forever(), name="hub-heartbeat"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- Subscriptions --------------------------------------------------------

    async def attach(self, socket: Socket, room_ids: set[int]) -> None:
        """Start delivering the user's events and those of `room_ids` to `socket`."""
        self.user_sockets[socket.user_id].add(socket)
        await self._sync_group(user_group(socket.user_id))
        if socket.session_id is not None:
            self.session_sockets[socket.session_id].add(socket)
            await self._sync_group(session_group(socket.session_id))
        for room_id in room_ids:
            await self.join(socket, room_id)

    async def detach(self, socket: Socket) -> None:
        """Stop delivering anything to `socket`."""
        for room_id in list(socket.room_ids):
            await self.leave(socket, room_id)
        _discard(self.user_sockets, socket.user_id, socket)
        await self._sync_group(user_group(socket.user_id))
        if socket.session_id is not None:
            _discard(self.session_sockets, socket.session_id, socket)
            await self._sync_group(session_group(socket.session_id))

    async def join(self, socket: Socket, room_id: int) -> None:
        socket.room_ids.add(room_id)
        self.room_sockets[room_id].add(socket)
        await self._sync_group(room_group(room_id))

    async def leave(self, socket: Socket, room_id: int) -> None:
        socket.room_ids.discard(room_id)
        _discard(self.room_sockets, room_id, socket)
        await self._sync_group(room_group(room_id))

    async def _sync_group(self, group: str) -> None:
        """Subscribe to or unsubscribe from `group` so that the layer matches the local sockets."""
        async with self._group_lock:  # FIFO: concurrent joins and leaves apply in order.
            kind, _, key = group.partition(".")
            if kind == "session":
                wanted = key in self.session_sockets
            else:
                wanted = int(key) in (self.room_sockets if kind == "room" else self.user_sockets)
            try:
                if wanted and group not in self._subscribed:
                    await self.layer.group_add(group, self.channel_name)
                    self._subscribed.add(group)
                elif not wanted and group in self._subscribed:
                    self._subscribed.discard(group)
                    await self.layer.group_discard(group, self.channel_name)
            except Exception:
                # The layer is down: sockets miss this group's events until the resync
                # that follows its return (the socket itself stays, as do the others).
                logger.warning("hub: updating the subscription to %s failed", group, exc_info=True)
                self._events_lost = True

    # --- Delivery -------------------------------------------------------------

    async def deliver(self, event: dict[str, Any]) -> None:
        """Act on one message from the layer: an envelope (chatroom.realtime.events) or a heartbeat."""
        kind = event.get("type")
        if kind == ROOM_EVENT:
            await self._deliver_room_event(event)
        elif kind == USER_EVENT:
            await self._deliver_user_event(event)
        elif kind == SESSION_EVENT:
            await self._deliver_session_event(event)
        elif kind == HEARTBEAT_EVENT:
            await self._heartbeat_arrived(event["seq"])
        else:
            # A publisher and this hub disagree on the envelope (a worker of another
            # version during a rolling upgrade?): say so loudly, never drop it silently.
            logger.error("hub: unknown envelope type %r dropped", kind, extra={"event": "hub.unknown_envelope"})

    async def _deliver_room_event(self, envelope: RoomEnvelope) -> None:
        room_id, excluded = envelope["room"], envelope["exclude_user"]
        frame = OutgoingFrame(envelope["text"])
        sockets = list(self.room_sockets.get(room_id, ()))
        delivered = 0
        for socket in sockets:
            if socket.user_id != excluded:
                await self._push(socket, frame)
                delivered += 1
        push_deliveries.inc(delivered)  # once per fan-out, not per socket
        if envelope["drop_room"]:
            for socket in sockets:
                await self.leave(socket, room_id)

    async def _deliver_user_event(self, envelope: UserEnvelope) -> None:
        for socket in list(self.user_sockets.get(envelope["user"], ())):
            if envelope["leave_room"] is not None:
                await self.leave(socket, envelope["leave_room"])
            if envelope["join_room"] is not None:
                await self.join(socket, envelope["join_room"])
            if envelope["text"] is not None:
                await self._push(socket, OutgoingFrame(envelope["text"]))
                push_deliveries.inc()
            if envelope["close_code"] is not None:
                await socket.close(code=envelope["close_code"])

    async def _deliver_session_event(self, envelope: SessionEnvelope) -> None:
        for socket in list(self.session_sockets.get(envelope["session"], ())):
            try:
                await socket.close(code=envelope["close_code"])
            except Exception:
                logger.debug("hub: closing a closing socket failed", exc_info=True)

    @staticmethod
    async def _push(socket: Socket, frame: OutgoingFrame) -> None:
        """Write to one socket; one that fails (it is closing) must not cost the others their frame."""
        try:
            await socket.push(frame)
        except Exception:
            logger.debug("hub: push to a closing socket failed", exc_info=True)

    async def _receive_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                event = await self.layer.receive(self.channel_name)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer's backend is down (Redis restarting): pushes are best
                # effort, clients recover by id; keep trying.
                logger.warning("hub: channel layer receive failed; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            try:
                await self.deliver(event)
            except Exception:
                logger.exception("hub: delivering %s failed", event.get("type"))

    # --- Outage detection --------------------------------------------------------

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            self._heartbeats_sent += 1
            try:
                await self.layer.send(self.channel_name, {"type": HEARTBEAT_EVENT, "seq": self._heartbeats_sent})
            except Exception:
                # Not sent: its number never arrives, which _heartbeat_arrived notices.
                if not self._events_lost:
                    logger.warning("hub: channel layer unreachable; pushes are lost until it returns", exc_info=True)
                self._events_lost = True

    async def _heartbeat_arrived(self, seq: int) -> None:
        if seq != self._heartbeats_seen + 1:
            self._events_lost = True
        self._heartbeats_seen = seq
        if self._events_lost:
            self._events_lost = False
            layer_events_lost.inc()
            await self._close_all(CLOSE_RESYNC)

    async def _close_all(self, code: int) -> None:
        """Close every local socket; their clients reconnect and catch up by id."""
        sockets = {socket for sockets in self.user_sockets.values() for socket in sockets}
        logger.warning("hub: channel layer back after losing events; closing %d sockets to resync", len(sockets))
        for socket in sockets:
            await socket.close(code=code)

    async def _refresh_groups_forever(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            for group in list(self._subscribed):
                try:
                    await self.layer.group_add(group, self.channel_name)
                except Exception:
                    logger.warning("hub: refreshing %s failed", group, exc_info=True)


def _discard(table: dict, key, socket: Socket) -> None:
    """Take `socket` out of `table[key]`, and the key out of the table once no socket is left under it."""
    sockets = table.get(key)
    if sockets is not None:
        sockets.discard(socket)
        if not sockets:
            del table[key]


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()
_starting: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = weakref.WeakKeyDictionary()


async def get_hub() -> Hub:
    """Return the running event loop's hub, starting it on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        lock = _starting.setdefault(loop, asyncio.Lock())
        async with lock:
            hub = _hubs.get(loop)
            if hub is None:
                hub = Hub(get_channel_layer())
                await hub.start()
                _hubs[loop] = hub
    return hub
