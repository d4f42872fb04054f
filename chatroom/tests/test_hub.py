"""The hub's own duties: a fan-out that one failing socket cannot stop, and a resync after a layer outage."""

from channels.layers import InMemoryChannelLayer

from chatroom.realtime import protocol
from chatroom.realtime.events import to_room
from chatroom.realtime.frames import OutgoingFrame
from chatroom.realtime.hub import HEARTBEAT_EVENT, Hub
from chatroom.realtime.protocol import CLOSE_RESYNC


class FakeSocket:
    def __init__(self, user_id: int, *, failing: bool = False):
        self.user_id = user_id
        self.room_ids: set[int] = set()
        self.session_id: str | None = None
        self.failing = failing
        self.pushed: list[str] = []
        self.closed_with: int | None = None

    async def push(self, frame: OutgoingFrame) -> None:
        if self.failing:
            raise ConnectionError("the socket is closing")
        self.pushed.append(frame.text)

    async def close(self, code: int | None = None) -> None:
        self.closed_with = code


class NetworkLayer:
    """Stands for a layer across the network (Redis): events through it can be lost."""

    def __init__(self, *, down: bool = False):
        self.down = down
        self.discarded: list[str] = []

    async def group_add(self, group: str, channel: str) -> None:
        if self.down:
            raise ConnectionError("Redis is restarting")

    async def group_discard(self, group: str, channel: str) -> None:
        self.discarded.append(group)


async def hub_with(*sockets: FakeSocket, layer=None) -> Hub:
    hub = Hub(layer or NetworkLayer())
    for socket in sockets:
        await hub.attach(socket, {1})
    return hub


async def test_a_failing_socket_does_not_cost_the_others_their_frame():
    first, failing, last = FakeSocket(1), FakeSocket(2, failing=True), FakeSocket(3)
    hub = await hub_with(first, failing, last)
    await hub.deliver(to_room(1, {"type": "message.new"})[1])
    assert len(first.pushed) == len(last.pushed) == 1


async def test_drop_room_unsubscribes_every_socket_from_a_deleted_room_after_its_frame():
    first, second = FakeSocket(1), FakeSocket(2)
    hub = await hub_with(first, second)
    await hub.join(first, 2)
    await hub.deliver(to_room(1, protocol.room_removed(room=1, reason="deleted"), drop_room=True)[1])
    assert len(first.pushed) == len(second.pushed) == 1  # the removal itself reaches everyone
    # Anything published to the room afterwards (a late push) reaches no socket.
    await hub.deliver(to_room(1, protocol.message_deleted(room=1, message_id=5, seq=9))[1])
    assert len(first.pushed) == len(second.pushed) == 1
    assert first.room_ids == {2} and second.room_ids == set() and 1 not in hub.room_sockets
    assert hub.layer.discarded == ["room.1"]  # and the process no longer listens to it
    await hub.deliver(to_room(2, protocol.message_deleted(room=2, message_id=6, seq=9))[1])
    assert len(first.pushed) == 2


async def test_an_unknown_envelope_is_logged_as_an_error(caplog):
    socket = FakeSocket(1)
    hub = await hub_with(socket)
    await hub.deliver({"type": "hub.something_new", "room": 1})
    assert socket.pushed == []
    assert [r.levelname for r in caplog.records if "unknown envelope" in r.getMessage()] == ["ERROR"]


async def test_heartbeats_in_sequence_leave_sockets_alone():
    socket = FakeSocket(1)
    hub = await hub_with(socket)
    for seq in (1, 2, 3):
        await hub.deliver({"type": HEARTBEAT_EVENT, "seq": seq})
    assert socket.closed_with is None


async def test_a_lost_heartbeat_closes_every_socket_for_a_resync_once():
    sockets = [FakeSocket(1), FakeSocket(2)]
    hub = await hub_with(*sockets)
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 1})
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 3})  # 2 was lost, and events with it
    assert [socket.closed_with for socket in sockets] == [CLOSE_RESYNC, CLOSE_RESYNC]
    for socket in sockets:
        socket.closed_with = None
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 4})
    assert [socket.closed_with for socket in sockets] == [None, None]


async def test_a_subscription_that_fails_keeps_the_socket_and_resyncs_it_later():
    layer = NetworkLayer(down=True)
    socket = FakeSocket(1)
    hub = await hub_with(socket, layer=layer)  # does not raise: the socket is attached, unsubscribed
    assert hub.room_sockets[1] == {socket}
    layer.down = False
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 1})
    assert socket.closed_with == CLOSE_RESYNC


def test_an_in_process_layer_needs_no_heartbeat():
    assert Hub(InMemoryChannelLayer()).heartbeat is False
    assert Hub(NetworkLayer()).heartbeat is True


def test_outgoing_frame_is_an_unmasked_rfc6455_text_frame():
    short, medium, long = (OutgoingFrame("é" * n) for n in (10, 100, 40_000))
    assert short.wire == b"\x81\x14" + ("é" * 10).encode()
    assert medium.wire[:4] == b"\x81\x7e\x00\xc8" and len(medium.wire) == 4 + 200
    assert long.wire[:2] == b"\x81\x7f" and int.from_bytes(long.wire[2:10], "big") == 80_000
    assert short.wire is short.wire  # built once, shared by every recipient
