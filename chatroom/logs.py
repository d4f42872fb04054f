"""
What every log line of a worker carries, and what keeps a flood from filling the disk.

Request context. `RequestContextMiddleware` (ASGI, around the whole application)
gives each HTTP request and each WebSocket a request id: the one nginx passes
in X-Request-ID (`$request_id`, or the client's own when it sent one that looks
like an id), else a new one. It holds the id and the client's address
(chatroom.client_address, resolved by the server) in context variables for
everything that runs for that request or socket, in the event loop and in the
threads the ORM runs in, and echoes the id in the HTTP response's X-Request-ID.
`RequestContextFilter` adds both to every log record written meanwhile, so all
the lines of one request, or of one socket's consumer, share the handshake's id.

Floods. `FloodFilter` lets through, per event key (the record's `event`), at
most BURST lines at once and RATE a second after that, for the events that a
client can cause at will (refused frames, failed sign-ins). What it drops it
counts: the next line of that event that passes says how many it stands for
(`suppressed`).
"""

import contextvars
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from logging import Filter, LogRecord
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)

REQUEST_ID_HEADER = b"x-request-id"
# What an id from outside must look like to be kept (nginx's $request_id is 32 hex digits;
# a balancer's may be a UUID): nothing that could forge a log line or a header.
REQUEST_ID_FORMAT = re.compile(r"[A-Za-z0-9._:-]{8,128}")


# A credential in a query string or URL: WebSocket tickets (?ticket=), tokens.
QUERY_SECRET = re.compile(r"(?i)\b(ticket|token|access|refresh|password)=[^&#\s\"']*")


def redact_secrets(text: str) -> str:
    """`text` (a path with its query, a URL) with the values of ticket=, token=... replaced."""
    return QUERY_SECRET.sub(lambda match: f"{match.group(1)}=[Filtered]", text)


def valid_request_id(value: str | None) -> str | None:
    return value if value is not None and REQUEST_ID_FORMAT.fullmatch(value) else None


def new_request_id() -> str:
    return uuid.uuid4().hex


def scope_request_id(scope: dict) -> str | None:
    """The request id an ASGI scope's headers carry, if it is a valid one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            return valid_request_id(value.decode("latin-1"))
    return None


ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class RequestContextMiddleware:
    """Set the request id and client address for one HTTP request or WebSocket; echo the id to HTTP clients."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = scope_request_id(scope) or new_request_id()
        request_id.set(rid)
        client = scope.get("client")
        client_address.set(client[0] if client else None)
        if scope["type"] == "http":
            send = _echoing_request_id(send, rid)
        await self.app(scope, receive, send)


def _echoing_request_id(send: Callable, rid: str) -> Callable:
    async def send_with_request_id(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = [header for header in message.get("headers", ()) if header[0].lower() != REQUEST_ID_HEADER]
            message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, rid.encode())]}
        await send(message)

    return send_with_request_id


class RequestContextFilter(Filter):
    """Add the current request id and client address to a record (unless it names a client of its own)."""

    def filter(self, record: LogRecord) -> bool:
        rid = request_id.get()
        if rid is not None and not hasattr(record, "request_id"):
            record.request_id = rid
        client = client_address.get()
        if client is not None and not hasattr(record, "client"):
            record.client = client
        return True


class FloodFilter(Filter):
    """A token bucket per event key for the events in `events`; other records pass untouched."""

    EVENTS = ("ws.frame_refused", "auth.login_failed", "ws.unauthenticated")

    def __init__(self, rate: float = 5.0, burst: int = 50, events: tuple[str, ...] = EVENTS):
        super().__init__()
        self.rate = rate
        self.burst = burst
        self.events = frozenset(events)
        self._buckets: dict[str, tuple[float, float]] = {}  # event -> (tokens, when counted)
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def filter(self, record: LogRecord) -> bool:
        event = getattr(record, "event", None)
        if event not in self.events:
            return True
        with self._lock:
            now = time.monotonic()
            tokens, then = self._buckets.get(event, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[event] = (tokens, now)
                self._suppressed[event] = self._suppressed.get(event, 0) + 1
                return False
            self._buckets[event] = (tokens - 1, now)
            suppressed = self._suppressed.pop(event, 0)
        if suppressed:
            record.suppressed = suppressed
        return True
