"""
The daphne server that the web workers run (scripts/start-web.sh): daphne's
own, with four additions for a worker that faces the internet.

Close codes on protocol errors. Autobahn, daphne's WebSocket engine, answers a
text frame that is not UTF-8 or a frame over daphne's 1 MiB limit by dropping
the TCP connection (its `failByDrop`): the client sees 1006 and cannot tell a
bad frame from a network failure. Here it closes with 1007 or 1009 instead.

Graceful shutdown. On SIGTERM daphne cancels every application at once and
the process exits without a closing handshake, so clients see 1006 and wait
out their backoff. This server first stops taking work: it stops listening
and closes idle kept-alive HTTP connections (nginx would send new requests
down them). It closes every WebSocket with 1001 (going away) so that clients
reconnect at once to another worker, and gives the applications up to
SHUTDOWN_GRACE_SECONDS to finish (consumers run their disconnect: presence,
subscriptions) before daphne cancels the rest. Then it withdraws its sockets
from presence, so that their users who do not reconnect elsewhere go offline
after the grace period, not after the worker timeout.

Presence from the start. The worker starts its presence tracker as soon as it
listens, so that it beats and sweeps (announces the offline of a killed
worker's users) before any socket of its own opens.

Prebuilt frames. WebSocket scopes carry the ASGI extension
chatroom.realtime.frames.WIRE_EXTENSION: a `write(bytes)` that puts a frame built once
for a whole room straight on the connection, past the session wrapper, daphne's
reply path and autobahn's per-recipient encoding ("The hot path" in
ARCHITECTURE.md). It declines (returns False) unless the socket is open.

A bound on unsent data. A client that stops reading makes its frames pile up
in the server's memory without limit: Twisted buffers whatever the kernel will
not take. Past settings.CHAT_WS_MAX_UNSENT_BYTES the socket is closed with 1013
(try again later) and dropped a second later if the client does not answer;
the client reconnects and catches up by id. Other sockets never wait for it.

The client's address. Behind DJANGO_NUM_PROXIES proxies, each scope's `client`
(REMOTE_ADDR, the consumer's logs) and the access log name the client that the
outermost proxy saw (chatroom.client_address), not nginx.

One log format. Daphne's access log (NCSA-like text on stdout) becomes lines of
the `chatroom.access` logger, so it comes out in the same JSON as every other
line, with the client's address and the request id (chatroom.logs): the one in
X-Request-ID when nginx sends a valid one, else a new one, put in the scope's
headers so that the application logs and echoes the same id.

Draining. On SIGTERM /readyz answers 503 "draining" at once (chatroom.health);
the worker keeps serving CHAT_DRAIN_SECONDS more (0 by default: nginx notices a
closed port by itself; a balancer that polls /readyz needs a few seconds to
notice), then stops listening and shuts down as described above.

Settings the application rejects at start (chatroom.checks) end the process
with their reasons and exit status 1.

A bound on request bodies. Daphne reads a whole body before the application
sees any of it, and then queues all of it in memory for the application. A
body declared larger than settings.CHAT_MAX_REQUEST_BYTES is answered 413 and
the connection closed before any of it is read; a chunked one, once that many
bytes arrived. Upload endpoints have their own, smaller limits (chatroom.uploads).

    python -m chatroom.server -b 0.0.0.0 -p 8000 chatroom.asgi:application

Internals. The additions lean on daphne, Twisted and autobahn beyond their
public APIs (daphne's Server hooks and its `connections` and `ws_factory`, a
Twisted TCP transport's `socket`, `dataBuffer`, `offset` and `_tempDataLen`,
HTTPChannel's `persistent` and `requests`, autobahn's `failByDrop` option), so
requirements.txt pins Twisted and autobahn as well as daphne. The server checks
at start-up that all of them are there (missing_internals) and refuses to start,
naming what is missing, rather than serve without its fast path or its bounds.
After upgrading daphne, Twisted or autobahn run

    .venv/bin/pytest chatroom/tests/test_server.py   # the fast path, the bound, the check
    make test-stack                                   # real workers behind nginx: close codes, shutdown
"""

import asyncio
import inspect
import logging
import sys
from contextlib import suppress
from functools import partial
from socket import socketpair

from autobahn.twisted.websocket import WebSocketServerFactory
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import SystemCheckError
from twisted.internet import defer, reactor, tcp
from twisted.web.http import HTTPChannel

from chatroom.client_address import scope_client_address
from chatroom.health import start_draining
from chatroom.logs import REQUEST_ID_HEADER, new_request_id, redact_secrets, scope_request_id
from chatroom.realtime.frames import WIRE_EXTENSION
from chatroom.realtime.presence import get_presence, presence_retire
from chatroom.sentry import sentry_enable_asyncio

# Named, not __name__: this module runs as __main__.
logger = logging.getLogger("chatroom.server")
access_logger = logging.getLogger("chatroom.access")

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013
# How long a stopping worker waits for its applications before cancelling them;
# well inside docker's default 10 s between SIGTERM and SIGKILL.
SHUTDOWN_GRACE_SECONDS = 5.0


def unsent_bytes(transport) -> int:
    """Bytes a Twisted TCP transport holds that the kernel has not taken yet (0 without that count: TLS)."""
    try:
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    except AttributeError:
        return 0


def is_open_websocket(protocol) -> bool:
    return isinstance(protocol, WebSocketProtocol) and protocol.state == WebSocketProtocol.STATE_OPEN


def open_websockets(protocols) -> list[WebSocketProtocol]:
    return [protocol for protocol in protocols if is_open_websocket(protocol)]


class BoundedWebRequest(WebRequest):
    """Daphne's request, refusing a body over settings.CHAT_MAX_REQUEST_BYTES before reading it."""

    too_large = False
    body_received = 0

    def gotLength(self, length):
        if length is not None and length > settings.CHAT_MAX_REQUEST_BYTES:
            self._refuse_too_large()
            return
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.too_large:
            return
        self.body_received += len(data)
        if self.body_received > settings.CHAT_MAX_REQUEST_BYTES:
            self._refuse_too_large()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if not self.too_large:  # data that arrived before the connection closed
            super().requestReceived(command, path, version)

    def _refuse_too_large(self) -> None:
        self.too_large = True
        logger.warning(
            "request body too large",
            extra={"event": "http.body_too_large", "client": self.getClientAddress().host},
        )
        body = f"Request bodies are limited to {settings.CHAT_MAX_REQUEST_BYTES // 1024} KiB.\n".encode()
        self.channel.transport.write(
            b"HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
            + body
        )
        self.channel.transport.loseConnection()


class ChatHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        if protocol is not None:
            protocol.requestFactory = BoundedWebRequest
        return protocol


# Daphne's access-log actions, as events of the chatroom.access logger.
ACCESS_EVENTS = {
    ("http", "complete"): "http.request",
    ("websocket", "connecting"): "ws.connecting",
    ("websocket", "connected"): "ws.connected",
    ("websocket", "rejected"): "ws.rejected",
    ("websocket", "disconnected"): "ws.disconnected",
}


def log_access(protocol: str, action: str, details: dict) -> None:
    """Daphne's action logger: one JSON line per HTTP response and per WebSocket step."""
    event = ACCESS_EVENTS.get((protocol, action))
    if event is None:
        return
    path = redact_secrets(details.get("path") or "")
    fields = {"event": event, "path": path, "client": (details.get("client") or "").rpartition(":")[0] or None}
    if "request_id" in details:
        fields["request_id"] = details["request_id"]
    if event == "http.request":
        fields.update(
            method=details["method"],
            status=details["status"],
            size=details["size"],
            duration_ms=round(details["time_taken"] * 1000, 1),
        )
        access_logger.info('"%s %s" %s', details["method"], path, details["status"], extra=fields)
    else:
        access_logger.info("%s %s", event, path, extra=fields)


class ConnectionLogView:
    """
    The server as one connection's protocol sees it (its `server` attribute): the
    same, except that what it logs carries the connection's request id, including
    the WebSocket steps daphne logs outside the application (connecting, disconnected).
    """

    def __init__(self, server: "ChatServer", request_id: str):
        self._server = server
        self._request_id = request_id

    def log_action(self, protocol: str, action: str, details: dict) -> None:
        self._server.log_action(protocol, action, {**details, "request_id": self._request_id})

    def __getattr__(self, name: str):
        return getattr(self._server, name)


class ChatServer(Server):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ports = []
        if self.action_logger is not None:  # daphne's text access log, unless turned off (-v 0)
            self.action_logger = log_access

    def run(self):
        # Sentry's asyncio integration patches the running loop: once the reactor runs it.
        reactor.callLater(0, sentry_enable_asyncio)
        super().run()

    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory):
        """Daphne builds its HTTP factory when it starts: ours builds requests that bound their body."""
        self._http_factory = ChatHTTPFactory(self)

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory):
        """Daphne builds its WebSocket factory when it starts: amend the options it gives it."""
        factory.setProtocolOptions(failByDrop=False)
        self._ws_factory = factory

    def listen_success(self, port):
        self.ports.append(port)
        super().listen_success(port)
        # On the reactor's asyncio loop, where the consumers will run (not yet running here).
        reactor.callLater(0, get_presence)

    def create_application(self, protocol, scope):
        self._resolve_client(protocol, scope)
        self._assign_request_id(protocol, scope)
        if scope.get("type") == "websocket":
            scope.setdefault("extensions", {})[WIRE_EXTENSION] = {"write": partial(self.write_wire, protocol)}
        return super().create_application(protocol, scope)

    @staticmethod
    def _resolve_client(protocol, scope) -> None:
        """
        Behind DJANGO_NUM_PROXIES proxies, put the client's address (chatroom.client_address)
        in the scope and in daphne's access log instead of the proxy's. Daphne's own
        --proxy-headers would trust the first X-Forwarded-For entry, which the client writes.
        """
        peer = scope.get("client")
        address = scope_client_address(scope.get("headers", ()), peer)
        if address is not None and address != (peer[0] if peer else None):
            scope["client"] = protocol.client_addr = [address, 0]

    def _assign_request_id(self, protocol, scope) -> None:
        """The request's id (a valid X-Request-ID, else a new one) in its scope's headers and its access-log lines."""
        request_id = scope_request_id(scope)
        if request_id is None:
            request_id = new_request_id()
            headers = [header for header in scope.get("headers", ()) if header[0] != REQUEST_ID_HEADER]
            scope["headers"] = [*headers, (REQUEST_ID_HEADER, request_id.encode())]
        protocol.server = ConnectionLogView(self, request_id)

    def write_wire(self, protocol, data: bytes) -> bool:
        """Write a prebuilt frame to an open socket; False if it is not open (the caller falls back to ASGI)."""
        if not is_open_websocket(protocol) or self.connections.get(protocol, {}).get("disconnected"):
            return False
        transport = protocol.transport
        if not unsent_bytes(transport) and hasattr(transport, "socket"):
            # Nothing queued ahead: hand the frame to the kernel at once, as asyncio
            # transports do, instead of Twisted's register-writer-then-send round trip.
            try:
                data = data[transport.socket.send(data) :]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                return True  # the connection is failing; Twisted notices and closes it
        if data:
            transport.write(data)
            self._bound_unsent(protocol)
        return True

    async def handle_reply(self, protocol, message):
        await super().handle_reply(protocol, message)
        if message["type"] == "websocket.send" and is_open_websocket(protocol):
            self._bound_unsent(protocol)

    @staticmethod
    def _bound_unsent(protocol) -> None:
        unsent = unsent_bytes(protocol.transport)
        if unsent > settings.CHAT_WS_MAX_UNSENT_BYTES:
            logger.warning(
                "closing a websocket that does not read",
                extra={"event": "ws.slow_client_closed", "client": protocol.client_addr, "unsent_bytes": unsent},
            )
            protocol.sendCloseFrame(code=CLOSE_TRY_AGAIN_LATER)

    def kill_all_applications(self):
        """
        Say "draining" on /readyz, keep serving CHAT_DRAIN_SECONDS, then stop taking work,
        close sockets with 1001 and let applications finish; then daphne cancels what remains.
        """
        start_draining()
        drained = defer.Deferred.fromFuture(asyncio.ensure_future(self._shut_down()))
        drained.addCallback(lambda _: super(ChatServer, self).kill_all_applications())
        return drained

    async def _shut_down(self) -> None:
        if settings.CHAT_DRAIN_SECONDS > 0:
            logger.info("draining: /readyz says so for %s s before the worker stops", settings.CHAT_DRAIN_SECONDS)
            await asyncio.sleep(settings.CHAT_DRAIN_SECONDS)
        for port in self.ports:
            with suppress(Exception):  # already closed
                port.stopListening()
        self._end_keep_alive()
        logger.info("shutting down: closing %d websockets with 1001", len(open_websockets(self.connections)))
        await self._drain()

    @staticmethod
    def _end_keep_alive() -> None:
        """Close idle HTTP connections now, and busy ones after their response."""
        for transport in reactor.getReaders():
            channel = getattr(transport, "protocol", None)
            if isinstance(channel, HTTPChannel):
                channel.persistent = False
                if not channel.requests:
                    transport.loseConnection()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
        while loop.time() < deadline:
            # Again on every round: a handshake under way at SIGTERM opens a socket later.
            for socket in open_websockets(self.connections):
                socket.sendCloseFrame(code=CLOSE_GOING_AWAY)
            if all(
                details["application_instance"].done()
                for details in self.connections.values()
                if details.get("application_instance") is not None
            ):
                break
            await asyncio.sleep(0.05)
        try:
            await asyncio.wait_for(presence_retire(), timeout=max(deadline - loop.time(), 1.0))
        except Exception:
            logger.warning("shutting down: presence not withdrawn; the worker timeout will", exc_info=True)


class ChatCommandLineInterface(CommandLineInterface):
    server_class = ChatServer

    def __init__(self):
        super().__init__()
        # Daphne drops a handshake the application has not accepted within 5 s; after a
        # worker restart every client reconnects at once, and a connect costs several
        # database and Redis round trips: queue them rather than drop them.
        self.parser.set_defaults(websocket_connect_timeout=30)

    def load_asgi_app(self, asgi_app_path: str):
        """Refuse to start on settings the application rejects: the reasons on stderr, exit status 1."""
        try:
            return super().load_asgi_app(asgi_app_path)
        except (ImproperlyConfigured, SystemCheckError) as refused:
            sys.exit(f"Refusing to start: {refused}")


def missing_internals() -> list[str]:
    """What this module uses of daphne, Twisted and autobahn that the installed versions lack (see Internals)."""
    missing = []

    def require(owner, names, where: str) -> None:
        missing.extend(f"{where}.{name}" for name in names if not hasattr(owner, name))

    require(
        Server,
        ("create_application", "handle_reply", "kill_all_applications", "listen_success", "log_action", "run"),
        "daphne Server",
    )
    # Attributes that daphne's Server.run() creates and these hooks read.
    run_names = Server.run.__code__.co_names
    missing.extend(
        f"daphne Server.run() setting self.{name}" for name in ("connections", "ws_factory") if name not in run_names
    )
    require(WebSocketProtocol, ("STATE_OPEN", "sendCloseFrame"), "daphne WebSocketProtocol")
    if "client_addr" not in WebSocketProtocol.onConnect.__code__.co_names:
        missing.append("daphne WebSocketProtocol.client_addr")
    # Each protocol logs through its own `server` attribute (ConnectionLogView).
    if "server" not in WebSocketProtocol.onConnect.__code__.co_names:
        missing.append("daphne WebSocketProtocol.server")
    if "server" not in WebRequest.__init__.__code__.co_names:
        missing.append("daphne WebRequest.server")
    if "action_logger" not in Server.__init__.__code__.co_names:
        missing.append("daphne Server.action_logger")
    if "failByDrop" not in inspect.signature(WebSocketServerFactory.setProtocolOptions).parameters:
        missing.append("autobahn WebSocketServerFactory.setProtocolOptions(failByDrop=)")
    if "websocket_connect_timeout" not in CommandLineInterface.run.__code__.co_names:
        missing.append("daphne CLI option websocket_connect_timeout")
    # A transport as daphne's listening port makes them, on a socket pair (no reactor involved).
    left, right = socketpair()
    with left, right:
        transport = tcp.Connection(left, None, reactor=reactor)
        require(transport, ("socket", "dataBuffer", "offset", "_tempDataLen", "protocol", "write"), "Twisted transport")
    require(HTTPChannel(), ("persistent", "requests"), "Twisted HTTPChannel")
    require(reactor, ("getReaders",), "Twisted reactor")
    require(tcp.Port, ("stopListening",), "Twisted Port")
    require(defer.Deferred, ("fromFuture",), "Twisted Deferred")
    return missing


def main() -> None:
    missing = missing_internals()
    if missing:
        sys.exit(
            "chatroom.server refuses to start: the installed daphne, Twisted or autobahn lack what it relies on:\n  "
            + "\n  ".join(missing)
            + "\nInstall the versions pinned in requirements.txt, or adapt chatroom/server.py (see its docstring)."
        )
    ChatCommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
