"""
The production server (chatroom/server.py) in-process, on daphne's own WebSocket
protocol and Twisted's own TCP transport over a socket pair, with a memory
reactor: no network, no event loop of Twisted's. A real opening handshake puts
the protocol where daphne puts it, so these tests fail when an upgrade of
daphne, Twisted or autobahn moves what the fast path and the bound rely on.
"""

import asyncio
import logging
import socket
import struct
from types import SimpleNamespace

import pytest
from autobahn.websocket.protocol import WebSocketProtocol as AutobahnProtocol
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory
from twisted.internet import abstract, tcp
from twisted.internet.testing import MemoryReactor
from twisted.web.http import HTTPChannel

from chatroom import server as chat_server
from chatroom.server import ChatServer, main, missing_internals, unsent_bytes

HANDSHAKE = (
    b"GET /ws/chat/ HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Origin: http://127.0.0.1\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)
CLOSE_1013 = b"\x88\x02" + struct.pack("!H", 1013)


def text_frame(text: str) -> bytes:
    """A short unmasked server text frame, as messaging's OutgoingFrame builds it."""
    payload = text.encode()
    assert len(payload) < 126
    return bytes([0x81, len(payload)]) + payload


async def accepting_application(scope, receive, send):
    """An ASGI application that accepts the socket and waits for its end."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass


class Connection:
    """One accepted socket: daphne's protocol on a Twisted TCP transport; `client` is the peer's end."""

    def __init__(self, server: ChatServer):
        self.server = server
        self.client, server_end = socket.socketpair()
        self.client.setblocking(False)
        self.protocol = server.ws_factory.buildProtocol(None)
        self.transport = tcp.Server(server_end, self.protocol, ("127.0.0.1", 50000), None, 1, MemoryReactor())
        self.transport.repstr = "<test transport>"
        self.transport.getHost = lambda: self.transport._addressType("TCP", "127.0.0.1", 8000)
        self.protocol._raw_query_string = b""  # daphne's HTTP protocol sets it before handing over
        self.protocol.makeConnection(self.transport)
        self.protocol.dataReceived(HANDSHAKE)  # daphne calls create_application: the scope is made here
        self.scope = server.scopes[-1]

    @property
    def write(self):
        return self.scope["extensions"][chat_server.WIRE_EXTENSION]["write"]

    def flush(self) -> bytes:
        """Let Twisted write what it holds (as its reactor would), and read everything the peer got."""
        received = b""
        while True:
            if unsent_bytes(self.transport):
                self.transport.doWrite()
            try:
                chunk = self.client.recv(1 << 20)
            except BlockingIOError:
                if not unsent_bytes(self.transport):
                    return received
                continue
            received += chunk

    def close(self) -> None:
        self.client.close()
        self.transport.socket.close()


class RecordingChatServer(ChatServer):
    """Records the scopes it gives applications."""

    def create_application(self, protocol, scope):
        queue = super().create_application(protocol, scope)
        self.scopes.append(scope)
        return queue


@pytest.fixture
def server():
    server = RecordingChatServer(accepting_application, endpoints=["tcp:port=0"])
    server.scopes = []
    # What daphne's Server.run() sets up, without its reactor.
    server.connections = {}
    server.ws_factory = WebSocketFactory(server, server="daphne")
    server.ws_factory.setProtocolOptions(allowNullOrigin=True)
    yield server
    for details in server.connections.values():
        if "application_instance" in details:
            details["application_instance"].cancel()


async def accepted(connection: Connection) -> Connection:
    """Run the application until it has accepted the socket (the handshake's 101 is then queued)."""
    for _ in range(100):
        if connection.protocol.state == AutobahnProtocol.STATE_OPEN:
            return connection
        await asyncio.sleep(0)
    raise AssertionError("the application did not accept the socket")


@pytest.fixture
async def connection(server):
    """An open socket whose peer has read the handshake's 101: nothing is queued."""
    opened = await accepted(Connection(server))
    assert opened.flush().startswith(b"HTTP/1.1 101")
    yield opened
    opened.close()


# --- The fast path ---------------------------------------------------------------


async def test_websocket_scopes_carry_the_extension_and_plain_daphne_options_are_amended(server):
    opened = Connection(server)
    assert callable(opened.write)
    assert opened.protocol.failByDrop is False  # protocol errors close with a code, not a dropped connection
    opened.close()


async def test_a_frame_goes_straight_to_the_socket_when_nothing_is_queued(connection, monkeypatch):
    queued = []
    monkeypatch.setattr(connection.transport, "write", queued.append)
    frame = text_frame('{"type":"pong"}')

    assert connection.write(frame) is True

    assert queued == []  # not through Twisted's buffer and writer
    assert connection.client.recv(1024) == frame  # already on the wire: no reactor turn happened
    assert unsent_bytes(connection.transport) == 0


async def test_a_frame_queues_behind_unsent_data_in_order(server):
    opened = await accepted(Connection(server))  # the 101 response is still in Twisted's buffer
    ahead = unsent_bytes(opened.transport)
    assert ahead > 0
    first, second = text_frame("first"), text_frame("second")

    assert opened.write(first) is True
    assert opened.write(second) is True

    assert unsent_bytes(opened.transport) == ahead + len(first) + len(second)
    with pytest.raises(BlockingIOError):
        opened.client.recv(1024)  # nothing overtook the queued response
    assert opened.flush().split(b"\r\n\r\n", 1)[1] == first + second
    opened.close()


async def test_the_write_is_declined_before_the_socket_is_open(server):
    opened = Connection(server)  # the application has not accepted yet
    assert opened.protocol.state == AutobahnProtocol.STATE_CONNECTING
    assert opened.write(text_frame("early")) is False
    assert unsent_bytes(opened.transport) == 0
    opened.close()


async def test_the_write_is_declined_once_the_socket_is_closing(connection):
    connection.protocol.sendCloseFrame(code=1000)
    sent = connection.flush()
    assert connection.write(text_frame("late")) is False
    assert connection.flush() == b"" and sent.endswith(b"\x88\x02" + struct.pack("!H", 1000))


async def test_the_write_is_declined_once_daphne_marks_the_connection_disconnected(connection):
    connection.server.protocol_disconnected(connection.protocol)
    assert connection.write(text_frame("late")) is False
    assert connection.flush() == b""


async def test_a_failing_socket_takes_the_frame_and_leaves_the_close_to_twisted(connection):
    connection.client.close()  # the peer is gone: send() fails with EPIPE
    assert connection.write(text_frame("lost")) is True  # not handed to ASGI: the socket is going away
    assert unsent_bytes(connection.transport) == 0


# --- The bound on unsent data ----------------------------------------------------


async def test_unsent_data_above_the_bound_closes_with_1013(server, settings, caplog):
    opened = await accepted(Connection(server))
    frame = text_frame("x" * 100)
    settings.CHAT_WS_MAX_UNSENT_BYTES = unsent_bytes(opened.transport) + 2 * len(frame)

    assert opened.write(frame) and opened.write(frame)  # exactly at the bound: still open
    assert opened.protocol.state == AutobahnProtocol.STATE_OPEN
    with caplog.at_level(logging.WARNING, logger="chatroom.server"):
        assert opened.write(frame) is True  # one byte over it

    assert opened.protocol.state == AutobahnProtocol.STATE_CLOSING
    assert opened.flush().endswith(3 * frame + CLOSE_1013)
    assert [record.event for record in caplog.records] == ["ws.slow_client_closed"]
    assert opened.write(frame) is False
    opened.close()


async def test_frames_sent_through_asgi_are_bound_too(server, settings):
    opened = await accepted(Connection(server))
    settings.CHAT_WS_MAX_UNSENT_BYTES = unsent_bytes(opened.transport) + 10

    await server.handle_reply(opened.protocol, {"type": "websocket.send", "text": "y" * 100})

    assert opened.protocol.state == AutobahnProtocol.STATE_CLOSING
    assert opened.flush().endswith(CLOSE_1013)
    opened.close()


# --- The start-up check ----------------------------------------------------------


def test_the_installed_daphne_twisted_and_autobahn_have_everything_the_server_uses():
    assert missing_internals() == []


def _without_fail_by_drop(self, autoPingTimeout=None, allowNullOrigin=None):
    """setProtocolOptions as a version without failByDrop would have it."""


@pytest.mark.parametrize(
    ("owner", "name", "replacement", "reported"),
    [
        (AutobahnProtocol, "STATE_OPEN", None, "STATE_OPEN"),
        (abstract.FileDescriptor, "dataBuffer", None, "Twisted transport.dataBuffer"),
        (Server, "listen_success", None, "daphne Server.listen_success"),
        (HTTPChannel, "persistent", None, "Twisted HTTPChannel.persistent"),
        (chat_server, "reactor", SimpleNamespace(), "Twisted reactor.getReaders"),
        (chat_server.WebSocketServerFactory, "setProtocolOptions", _without_fail_by_drop, "failByDrop"),
    ],
    ids=["state-open", "data-buffer", "listen-success", "persistent", "get-readers", "fail-by-drop"],
)
def test_the_server_refuses_to_start_without_what_it_relies_on(monkeypatch, owner, name, replacement, reported):
    if replacement is None:
        monkeypatch.delattr(owner, name)
    else:
        monkeypatch.setattr(owner, name, replacement)
    monkeypatch.setattr(chat_server.ChatCommandLineInterface, "entrypoint", pytest.fail)

    assert any(reported in missing for missing in missing_internals())
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code != 0 and reported in str(exited.value.code)
    assert "refuses to start" in str(exited.value.code)
