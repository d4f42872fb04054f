"""
A chat client as an outside program sees the server: REST over HTTP and the
WebSocket protocol (docs/PROTOCOL.md), nothing imported from the project.
"""

import asyncio
import http.client
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect

PASSWORD = "correct-horse-battery-staple"
TIMEOUT = 15.0
_names = itertools.count()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    body: bytes | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    source_address: str | None = None,
) -> Response:
    """One HTTP request; `source_address` picks the loopback address it comes from."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=TIMEOUT, source_address=(source_address, 0) if source_address else None
    )
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


async def arequest(base_url: str, method: str, path: str, **kwargs) -> Response:
    """`request` off the event loop, so that open sockets keep reading meanwhile."""
    return await asyncio.to_thread(request, base_url, method, path, **kwargs)


@dataclass
class User:
    id: int
    username: str
    access: str


async def register(base_url: str, prefix: str = "user") -> User:
    username = f"{prefix}{next(_names)}_{uuid.uuid4().hex[:8]}"
    answer = await arequest(
        base_url, "POST", "/api/auth/register/", json_body={"username": username, "password": PASSWORD}
    )
    assert answer.status == 201, (answer.status, answer.body)
    data = answer.json()
    return User(id=data["user"]["id"], username=username, access=data["access"])


async def ticket(base_url: str, user: User) -> str:
    answer = await arequest(base_url, "POST", "/api/auth/ws-ticket/", token=user.access)
    assert answer.status == 200, (answer.status, answer.body)
    return answer.json()["ticket"]


async def room_with(base_url: str, owner: User, *members: User, name: str = "room") -> dict:
    """A room owned by `owner` that `members` joined with its invite code."""
    answer = await arequest(base_url, "POST", "/api/rooms/", json_body={"name": name}, token=owner.access)
    assert answer.status == 201, (answer.status, answer.body)
    room = answer.json()
    for member in members:
        joined = await arequest(
            base_url, "POST", "/api/rooms/join/", json_body={"invite_code": room["invite_code"]}, token=member.access
        )
        assert joined.status == 200, (joined.status, joined.body)
    return room


class ChatSocket:
    """An open /ws/chat/ connection that records every frame it receives."""

    def __init__(self, connection: ClientConnection):
        self.connection = connection
        self.frames: list[dict] = []
        self.closed = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, base_url: str, user: User, *, ticket_url: str | None = None) -> "ChatSocket":
        """Open a socket on `base_url` with a ticket issued by `ticket_url` (default: the same server)."""
        issued = await ticket(ticket_url or base_url, user)
        socket = await cls.open_with_ticket(base_url, issued)
        await socket.wait_for(lambda f: f["type"] == "hello")
        return socket

    @classmethod
    async def open_with_ticket(cls, base_url: str, issued: str) -> "ChatSocket":
        url = urlsplit(base_url)
        connection = await connect(
            f"ws://{url.netloc}/ws/chat/?ticket={issued}",
            origin=f"http://{url.netloc}",
            proxy=None,
            open_timeout=TIMEOUT,
            max_queue=None,
        )
        return cls(connection)

    async def _read(self) -> None:
        try:
            async for text in self.connection:
                frame = json.loads(text)
                async with self._arrived:
                    self.frames.append(frame)
                    self._arrived.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()
            async with self._arrived:
                self._arrived.notify_all()

    async def send(self, frame: dict) -> None:
        await self.connection.send(json.dumps(frame))

    async def wait_for(self, match: Callable[[dict], bool], *, timeout: float = TIMEOUT) -> dict:
        """The first frame received so far or from now on that `match`es."""
        frames = await self.wait_count(match, 1, timeout=timeout)
        return frames[0]

    async def wait_count(self, match: Callable[[dict], bool], count: int, *, timeout: float = TIMEOUT) -> list[dict]:
        """Wait until `count` frames that `match` have arrived; return them."""

        def matching() -> list[dict]:
            return [frame for frame in self.frames if match(frame)]

        async def arrived() -> list[dict]:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(matching()) >= count or self.closed.is_set())
            found = matching()
            assert len(found) >= count, f"socket closed after {len(found)} of {count} frames: {self.frames[-5:]}"
            return found

        try:
            return await asyncio.wait_for(arrived(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{len(matching())} of {count} expected frames within {timeout}s; last frames: {self.frames[-5:]}"
            ) from None

    async def close(self) -> None:
        await self.connection.close()
        await self._reader
