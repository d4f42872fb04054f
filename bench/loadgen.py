"""
Load-generator worker processes.

Each worker is a separate process with its own event loop and a share of the
sockets, so that the generator spreads over several cores and is not the
bottleneck. The controller (bench.runner) drives the workers through a pipe
with small commands: open sockets, send at a rate, wait for the deliveries,
close. Every message body carries its wall-clock send time (`time.time()`, the
same clock in every process of this machine); receivers record the arrival.

The generator must cost less than the servers it measures, on the same cores.
So sockets run websockets' sans-I/O protocol (`websockets.client.ClientProtocol`:
handshake, framing, masking, closing) on a plain asyncio protocol, without the
tasks, queues and futures of its asyncio client; and receivers read only what
they need from a frame (its type, then the body) with string searches rather
than a full JSON parse.
"""

import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Origin
from websockets.uri import parse_uri

MESSAGE_NEW = '{"type":"message.new"'
ACK = '{"type":"ack"'
ERROR = '{"type":"error"'
BODY = '"body":"'
CLIENT_ID = '"client_id":"'
SIO_MESSAGE_NEW = '42["message.new",'
SIO_HELLO = '42["hello",'
SIO_ACK_ERROR = '"error":{'


class Socket(asyncio.Protocol):
    """One client WebSocket: websockets' sans-I/O protocol over an asyncio transport."""

    def __init__(self, worker: "Worker", sid: int, url: str, origin: str):
        self.worker = worker
        self.sid = sid
        self.protocol = ClientProtocol(parse_uri(url), origin=Origin(origin), max_size=2**20)
        self.transport: asyncio.Transport | None = None
        self.hello: asyncio.Future = asyncio.get_running_loop().create_future()
        self.rooms: tuple[int, ...] = ()
        self.seen: set[str] = set()
        self.fragments: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT or (event.opcode is Opcode.CONT and self.fragments):
                    self.fragments.append(event.data)
                    if event.fin:
                        text = b"".join(self.fragments).decode()
                        self.fragments = []
                        self._on_text(text)
                elif event.opcode is Opcode.CLOSE and self.protocol.close_rcvd is not None:
                    self._fail(f"closed with {self.protocol.close_rcvd.code} before hello")
            elif isinstance(event, Response) and self.protocol.handshake_exc is not None:
                self._fail(f"handshake refused: {event.status_code} {self.protocol.handshake_exc}")
        self._flush()

    def connection_lost(self, exc) -> None:
        self._fail("connection closed before hello")
        self.worker.on_closed(self)

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def send_message(self, room: int, body: str, client_id: str) -> None:
        self.send_text(json.dumps({"type": "message.send", "room": room, "body": body, "client_id": client_id}))

    def close(self) -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_close()
            self._flush()
        if self.transport is not None:
            self.transport.close()

    def _on_text(self, text: str) -> None:
        if not self.hello.done():
            frame = json.loads(text)
            if frame.get("type") == "hello":
                self._got_hello(frame["rooms"])
            else:
                self._fail(f"first frame was {frame.get('type')}")
            return
        self.worker.on_text(self, text)

    def _fail(self, reason: str) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(reason))

    def _got_hello(self, rooms) -> None:
        self.rooms = tuple(rooms)
        self.hello.set_result(time.time())

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()


class SocketIOSocket(Socket):
    """
    A Socket.IO 5 client over Engine.IO 4's WebSocket transport, spoken directly
    (a client library per socket would itself be the limit): the server opens
    with `0{...}`, we connect to the namespace with `40`, events are
    `42["name",data]`, a send carries an ack id (`42<id>["message.send",{...}]`)
    and is answered by `43<id>[result]`; the server's ping `2` is answered `3`.
    """

    def __init__(self, worker: "Worker", sid: int, url: str, origin: str):
        super().__init__(worker, sid, url, origin)
        self.ack_ids = 0

    def _on_text(self, text: str) -> None:
        if text.startswith(SIO_MESSAGE_NEW):
            self.worker._on_message_new(self, text)
        elif text.startswith("43"):
            if SIO_ACK_ERROR in text:
                result = json.loads(text[text.index("[") :])[0]
                self.worker._on_error({"code": result["error"]["code"], "client_id": result.get("client_id")})
            else:
                self.worker._on_ack(text)
        elif text == "2":
            self.send_text("3")
        elif text.startswith(SIO_HELLO):
            self._got_hello(json.loads(text[2:])[1]["rooms"])
        elif text.startswith("0"):  # Engine.IO open: connect to the default namespace
            self.send_text("40")
        elif text.startswith(("41", "44")):  # disconnected, or the connect refused
            self._fail(f"socket.io refused: {text[:200]}")

    def send_message(self, room: int, body: str, client_id: str) -> None:
        self.ack_ids += 1
        data = json.dumps(["message.send", {"room": room, "body": body, "client_id": client_id}])
        self.send_text(f"42{self.ack_ids}{data}")


DIALECTS = {"native": Socket, "socketio": SocketIOSocket}


@dataclass(eq=False)
class Step:
    """What the receivers and senders of one step have recorded."""

    tag: str
    latencies: array = field(default_factory=lambda: array("d"))
    ack_latencies: array = field(default_factory=lambda: array("d"))
    duplicates: int = 0
    received: int = 0
    last_arrival: float = 0.0
    sent: int = 0
    acked_per_room: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    pending: dict[str, tuple[float, int]] = field(default_factory=dict)  # client_id -> (send time, room)


class Worker:
    def __init__(self):
        self.sockets: dict[int, Socket] = {}
        self.step = Step(tag="")
        self.progress = asyncio.Event()  # set on every delivery or ack; waiters re-check their condition
        self.closed_by_server: dict[int, int] = {}  # close code -> sockets, since they opened

    # --- Commands ------------------------------------------------------------

    async def open(
        self, targets: list[tuple[int, str, str]], start_at: float, dialect: str = "native"
    ) -> dict[str, Any]:
        """Open sockets (sid, url, origin) together at `start_at`; return each one's hello time."""
        await asyncio.sleep(max(0.0, start_at - time.time()))
        kind = DIALECTS[dialect]
        results = await asyncio.gather(*(self._open_one(kind, *target) for target in targets))
        hellos = [t for ok, t, _ in results if ok]
        failures = [reason for ok, _, reason in results if not ok]
        return {"hello_times": hellos, "failures": failures[:5], "failed": len(failures)}

    async def _open_one(self, kind: type[Socket], sid: int, url: str, origin: str) -> tuple[bool, float, str]:
        uri = parse_uri(url)
        socket = kind(self, sid, url, origin)
        try:
            await asyncio.get_running_loop().create_connection(lambda: socket, uri.host, uri.port)
            hello_time = await asyncio.wait_for(socket.hello, timeout=60)
        except Exception as error:  # a failed socket is a figure, not a crash
            socket.close()
            return False, 0.0, f"{type(error).__name__}: {error}"
        self.sockets[sid] = socket
        return True, hello_time, ""

    async def start_step(self, tag: str) -> None:
        self.step = Step(tag=tag)
        for socket in self.sockets.values():
            socket.seen = set()

    async def send(self, plans: list[tuple[int, int, float, int]], start_at: float, ack_timeout: float) -> dict:
        """
        Run senders: each plan is (sid, room, rate per second, count). Return
        once every send is acked or refused, or `ack_timeout` after the last.
        """
        await asyncio.gather(*(self._send_paced(*plan, start_at) for plan in plans))
        deadline = time.monotonic() + ack_timeout
        while self.step.pending and time.monotonic() < deadline:
            await self._wait_progress(deadline)
        step = self.step
        return {
            "sent": step.sent,
            "acked_per_room": step.acked_per_room,
            "errors": step.errors,
            "unanswered": len(step.pending),
            "ack_latencies": step.ack_latencies.tobytes(),
        }

    async def drain(self, acked_per_room: dict[int, int], timeout: float) -> dict:
        """Wait until every socket has every acked message of its rooms, or `timeout`; return the deliveries."""
        expected = sum(acked_per_room.get(room, 0) for socket in self.sockets.values() for room in socket.rooms)
        deadline = time.monotonic() + timeout
        step = self.step
        while step.received < expected and time.monotonic() < deadline:
            await self._wait_progress(deadline)
        return {
            "expected": expected,
            "received": step.received,
            "duplicates": step.duplicates,
            "last_arrival": step.last_arrival,
            "latencies": step.latencies.tobytes(),
            "closed_by_server": self.closed_by_server,
        }

    async def close(self) -> int:
        """Close every socket; return how many there were."""
        sockets, self.sockets = list(self.sockets.values()), {}
        self.closed_by_server = {}
        for socket in sockets:
            socket.close()
        return len(sockets)

    # --- Events from the sockets ---------------------------------------------

    def on_text(self, socket: Socket, text: str) -> None:
        if text.startswith(MESSAGE_NEW):
            self._on_message_new(socket, text)
        elif text.startswith(ACK):
            self._on_ack(text)
        elif text.startswith(ERROR):
            self._on_error(json.loads(text))

    def on_closed(self, socket: Socket) -> None:
        if self.sockets.get(socket.sid) is socket:  # closed by the server, not by us
            code = socket.protocol.close_rcvd.code if socket.protocol.close_rcvd else 1006
            self.closed_by_server[code] = self.closed_by_server.get(code, 0) + 1
            del self.sockets[socket.sid]
        self.progress.set()

    # --- Internals -----------------------------------------------------------

    async def _wait_progress(self, deadline: float) -> None:
        self.progress.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.progress.wait(), timeout=max(0.001, min(0.2, deadline - time.monotonic())))

    async def _send_paced(self, sid: int, room: int, rate: float, count: int, start_at: float) -> None:
        """Send `count` messages at `rate` per second, on a fixed schedule (a late sender catches up)."""
        socket = self.sockets.get(sid)
        step = self.step
        if socket is None:  # it failed to open
            step.errors["socket_closed"] = step.errors.get("socket_closed", 0) + count
            return
        start_at += random.random() / rate  # senders out of phase, as independent clients are
        for seq in range(count):
            delay = start_at + seq / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            client_id = f"{step.tag}.{sid}.{seq}"
            now = time.time()
            body = f"{step.tag} {now:.6f} {client_id}"
            if self.sockets.get(sid) is not socket:  # closed meanwhile
                step.errors["socket_closed"] = step.errors.get("socket_closed", 0) + count - seq
                return
            step.pending[client_id] = (now, room)
            step.sent += 1
            socket.send_message(room, body, client_id)

    def _on_message_new(self, socket: Socket, text: str) -> None:
        now = time.time()
        start = text.find(BODY) + len(BODY)
        tag, sent, key = text[start : text.find('"', start)].split(" ", 2)
        step = self.step
        if tag != step.tag:  # a straggler from an earlier step
            return
        if key in socket.seen:
            step.duplicates += 1
            return
        socket.seen.add(key)
        step.received += 1
        step.latencies.append(now - float(sent))
        step.last_arrival = now
        self.progress.set()

    def _on_ack(self, text: str) -> None:
        now = time.time()
        start = text.find(CLIENT_ID) + len(CLIENT_ID)
        client_id = text[start : text.find('"', start)]
        pending = self.step.pending.pop(client_id, None)
        if pending is not None:
            sent, room = pending
            self.step.ack_latencies.append(now - sent)
            self.step.acked_per_room[room] = self.step.acked_per_room.get(room, 0) + 1
            self.progress.set()

    def _on_error(self, frame: dict) -> None:
        step = self.step
        step.errors[frame.get("code", "?")] = step.errors.get(frame.get("code", "?"), 0) + 1
        if step.pending.pop(frame.get("client_id") or "", None) is not None:
            self.progress.set()


def _serve(pipe: Connection) -> None:
    """A worker process's main loop: run each command from the controller and answer with its result."""

    async def loop() -> None:
        worker = Worker()
        running = asyncio.get_running_loop()
        while True:
            command, kwargs = await running.run_in_executor(None, pipe.recv)
            if command == "stop":
                await worker.close()
                pipe.send(None)
                return
            try:
                pipe.send(("ok", await getattr(worker, command)(**kwargs)))
            except Exception as error:
                pipe.send(("error", f"{command}: {type(error).__name__}: {error}"))

    asyncio.run(loop())


class WorkerPool:
    """The controller's handle on the worker processes."""

    def __init__(self, count: int):
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(count):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def call(self, command: str, per_worker: list[dict] | None = None, **kwargs) -> list[Any]:
        """Run `command` on every worker at once (with its own kwargs from `per_worker`); return the results."""
        for index, pipe in enumerate(self.pipes):
            pipe.send((command, {**kwargs, **(per_worker[index] if per_worker else {})}))
        results = []
        for pipe in self.pipes:
            status, value = pipe.recv()
            if status != "ok":
                raise RuntimeError(f"load generator worker failed: {value}")
            results.append(value)
        return results

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("stop", {}))
                pipe.recv()
            except (OSError, EOFError):
                pass
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


def default_worker_count() -> int:
    """Enough processes to use every core for the generator when the server leaves it room."""
    return max(2, 2 * (os.cpu_count() or 1))
