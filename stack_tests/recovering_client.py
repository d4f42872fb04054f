"""
A chat client that does what docs/PROTOCOL.md asks of one when things fail,
the way the pages' client does (static/js/chat/sync.js and outbox.js): it reconnects, catches up
with `GET rooms/{id}/messages/?after=` from the last id the API gave it and
merges by id, and sends again, with the same client_id, whatever the last
socket left unanswered. It records everything, for the fault tests to check.
"""

import asyncio
import contextlib
import itertools
import json
import socket
import time
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

import websockets
from chat_client import TIMEOUT, User, arequest, ticket
from websockets.asyncio.client import ClientConnection, connect

CATCH_UP_PAGE = 200
RECONNECT_DELAY = 0.1


class CatchUpFailed(Exception):
    pass


class RecoveringClient:
    def __init__(
        self,
        base_url: str,
        user: User,
        room_id: int,
        *,
        first_url: str | None = None,
        receive_buffer: int | None = None,
    ):
        self.base_url = base_url
        # Where the first socket opens (one worker, say); reconnects go to base_url (nginx, say).
        self.first_url = first_url or base_url
        self.user = user
        self.room_id = room_id
        # A small kernel receive buffer, so that a client that stops reading backs up the server quickly.
        self.receive_buffer = receive_buffer
        self.messages: dict[int, dict] = {}  # every message this client knows of, by id
        self.synced_id = 0  # every message up to this id came from the API: the `after` cursor
        self.pushed: Counter[int] = Counter()  # message.new arrivals per id (a repeat is allowed, and counted)
        self.acked: dict[str, int] = {}  # client_id -> the stored message's id
        self.ack_conflicts: list[tuple[str, int, int]] = []  # a client_id acknowledged with two different ids
        self.refused: dict[str, dict] = {}  # client_id -> the error frame that answered it
        self.unanswered: dict[str, dict] = {}  # client_id -> a frame sent and neither acked nor refused yet
        self.sent_at: dict[str, float] = {}  # client_id -> when it was first sent
        self.arrived_at: dict[int, float] = {}  # message id -> when its first push arrived
        self._frames: dict[str, dict] = {}  # client_id -> its frame, to send again
        self.close_codes: list[int | None] = []
        self.closed_at: list[float] = []
        self.connections = 0
        self.connected_at: list[float] = []
        self.connection: ClientConnection | None = None
        self._numbers = itertools.count()
        self._changed = asyncio.Condition()
        self._stopping = False
        self._task: asyncio.Task | None = None

    # --- Lifecycle ---------------------------------------------------------------

    async def start(self) -> "RecoveringClient":
        self._task = asyncio.create_task(self._run())
        await self.wait_until(lambda: self.connection is not None and self.connections >= 1, what="first connection")
        return self

    async def stop(self) -> None:
        self._stopping = True
        if self.connection is not None:
            await self.connection.close()
        if self._task is not None:
            await self._task

    def stall(self) -> None:
        """Stop reading from the socket, as a frozen or overwhelmed client does; the kernel buffers fill up."""
        self.connection.transport.pause_reading()

    def resume(self) -> None:
        self.connection.transport.resume_reading()

    @property
    def connected(self) -> bool:
        return self.connection is not None and self.connection.state is websockets.State.OPEN

    async def _run(self) -> None:
        while not self._stopping:
            try:
                connection = await self._open()
            except (OSError, websockets.WebSocketException, AssertionError, TimeoutError):
                # The worker is down, nginx has no worker, or the ticket could not be issued.
                await asyncio.sleep(RECONNECT_DELAY)
                continue
            try:
                await self._session(connection)
            except (websockets.ConnectionClosed, CatchUpFailed, OSError, TimeoutError):
                pass
            finally:
                await connection.close()
                self.close_codes.append(connection.close_code)
                self.closed_at.append(time.monotonic())
                await self._notify()
            if not self._stopping:
                await asyncio.sleep(RECONNECT_DELAY)

    async def _open(self) -> ClientConnection:
        server = self.first_url if self.connections == 0 else self.base_url
        issued = await ticket(server, self.user)
        url = urlsplit(server)
        options = {}
        if self.receive_buffer:
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
            raw.setblocking(False)
            await asyncio.get_running_loop().sock_connect(raw, (url.hostname, url.port))
            options["sock"] = raw
        return await connect(
            f"ws://{url.netloc}/ws/chat/?ticket={issued}",
            origin=f"http://{url.netloc}",
            proxy=None,
            open_timeout=TIMEOUT,
            max_queue=None,
            max_size=None,
            **options,
        )

    async def _session(self, connection: ClientConnection) -> None:
        hello = json.loads(await asyncio.wait_for(connection.recv(), TIMEOUT))
        assert hello["type"] == "hello", hello
        # Pushes that arrive meanwhile wait in the connection's queue: none is lost.
        await self.catch_up()
        self.connection = connection
        self.connections += 1
        self.connected_at.append(time.monotonic())
        for frame in list(self.unanswered.values()):
            await connection.send(json.dumps(frame))
        await self._notify()
        async for text in connection:
            await self._receive(json.loads(text))

    # --- Catching up -------------------------------------------------------------

    async def catch_up(self) -> None:
        """Fetch every message after `synced_id`, page by page, and merge by id."""
        while True:
            answer = await arequest(
                self.base_url,
                "GET",
                f"/api/rooms/{self.room_id}/messages/?after={self.synced_id}&limit={CATCH_UP_PAGE}",
                token=self.user.access,
            )
            if answer.status != 200:
                raise CatchUpFailed(answer.status)
            page = answer.json()
            for message in page["results"]:
                self.messages[message["id"]] = message
                self.synced_id = max(self.synced_id, message["id"])
            if not page["has_more"]:
                return

    # --- Sending and receiving ---------------------------------------------------

    async def send(self, body: str | None = None) -> str:
        """Send a message; it stays unanswered until an ack or an error frame, and is sent again on reconnect."""
        client_id = f"{self.user.username}-{next(self._numbers)}"
        frame = {"type": "message.send", "room": self.room_id, "body": body or client_id, "client_id": client_id}
        self.unanswered[client_id] = frame
        self.sent_at[client_id] = time.monotonic()
        await self._transmit(frame)
        return client_id

    async def send_other(self, frame: dict) -> None:
        """Send a frame that is not a message (typing, ping): not tracked, not sent again."""
        await self.connection.send(json.dumps(frame))

    async def retry_refused(self) -> None:
        """Send again, with the same client_ids, every send an error frame refused."""
        for client_id in list(self.refused):
            del self.refused[client_id]
            frame = self._frames[client_id]
            self.unanswered[client_id] = frame
            await self._transmit(frame)

    async def _transmit(self, frame: dict) -> None:
        self._frames[frame["client_id"]] = frame
        if self.connected:
            with contextlib.suppress(websockets.ConnectionClosed):  # sent again once reconnected
                await self.connection.send(json.dumps(frame))

    async def _receive(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "ack":
            client_id, message = frame["client_id"], frame["message"]
            self.unanswered.pop(client_id, None)
            self.refused.pop(client_id, None)
            known = self.acked.setdefault(client_id, message["id"])
            if known != message["id"]:
                self.ack_conflicts.append((client_id, known, message["id"]))
            self.messages[message["id"]] = message
        elif kind == "error" and frame.get("client_id") in self.unanswered:
            self.refused[frame["client_id"]] = frame
            del self.unanswered[frame["client_id"]]
        elif kind == "message.new" and frame["message"]["room"] == self.room_id:
            message = frame["message"]
            self.pushed[message["id"]] += 1
            self.arrived_at.setdefault(message["id"], time.monotonic())
            self.messages[message["id"]] = message
        await self._notify()

    # --- Waiting -----------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, condition: Callable[[], bool], *, timeout: float = TIMEOUT, what: str = "") -> None:
        async def reached() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        try:
            await asyncio.wait_for(reached(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{self.user.username}: {what or 'condition'} not reached within {timeout}s "
                f"(connections {self.connections}, unanswered {len(self.unanswered)}, refused {len(self.refused)}, "
                f"close codes {self.close_codes})"
            ) from None

    def has_all(self, ids: set[int]) -> bool:
        return ids <= self.messages.keys()
