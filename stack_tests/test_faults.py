"""
Faults on the production stack (docs/reliability.md): a worker killed, Redis
restarted, the database down, a client that stops reading, a worker told to
stop, presence after a worker is killed. Each test holds the server to
docs/PROTOCOL.md under its fault: `ack` means stored, every send gets an answer, nothing is pushed that was not
stored, and clients that recover by id (recovering_client.py) end up with
every message exactly once, as the database has it.

They run on a stack of their own (fault_stack.py) whose database, Redis and
workers they stop and start again. Each prints a FIGURES line (pytest -s):
the figures of docs/reliability.md come from them.
"""

import asyncio
import signal
import statistics
import time
from pathlib import Path

import pytest
from chat_client import ChatSocket, arequest, register, room_with
from fault_stack import FaultStack
from recovering_client import RecoveringClient
from stack import WORKER_SETTINGS

PACE = 0.02  # seconds between two sends of one client: 50 a second each


@pytest.fixture(scope="module")
def stack():
    """The module's own stack; named `stack` so that a failing test gets its logs (conftest.py)."""
    stack = FaultStack.create()
    try:
        stack.start()
        yield stack
    finally:
        stack.cleanup()


@pytest.fixture(autouse=True)
def running(stack):
    """Whatever an earlier test stopped is running again (it may have failed half-way)."""
    stack.ensure_running()


async def chat_room(urls: list[str], prefix: str, *, reconnect_url: str | None = None):
    """
    A room with one member per url, each with a RecoveringClient connected to
    that url, which also reconnects there unless `reconnect_url` says otherwise.
    """
    users = [await register(url, f"{prefix}{n}") for n, url in enumerate(urls)]
    room = await room_with(urls[0], users[0], *users[1:])
    clients = [
        await RecoveringClient(reconnect_url or url, user, room["id"], first_url=url).start()
        for url, user in zip(urls, users, strict=True)
    ]
    return room, clients


def two_on_each(stack: FaultStack) -> list[str]:
    return [stack.worker_url(0), stack.worker_url(0), stack.worker_url(1), stack.worker_url(1)]


async def send_steadily(client: RecoveringClient, count: int, body: str | None = None) -> None:
    for _ in range(count):
        await client.send(body)
        await asyncio.sleep(PACE)


async def poll(condition, *, timeout: float, what: str) -> float:
    """Wait until `condition()` holds, checking every 50 ms; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not reached within {timeout}s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def all_answered(clients: list[RecoveringClient], *, timeout: float = 20) -> None:
    """Every send has had its answer, an ack or an error frame: none was dropped in silence."""
    await poll(lambda: not any(client.unanswered for client in clients), timeout=timeout, what="every send answered")


async def everyone_has(clients: list[RecoveringClient], ids: set[int], *, timeout: float = 15) -> None:
    try:
        await poll(lambda: all(client.has_all(ids) for client in clients), timeout=timeout, what="")
    except AssertionError:
        missing = {client.user.username: sorted(ids - client.messages.keys()) for client in clients}
        raise AssertionError(f"messages missing after {timeout}s: {missing}") from None


async def retry_until_stored(clients: list[RecoveringClient], *, timeout: float) -> float:
    """Send refused messages again, with their client_ids, until none is refused; return the seconds it took."""
    started = time.monotonic()
    while True:
        for client in clients:
            await client.retry_refused()
        await all_answered(clients, timeout=timeout)
        if not any(client.refused for client in clients):
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, "sends still refused"
        await asyncio.sleep(0.1)


def acked_ids(clients: list[RecoveringClient]) -> set[int]:
    return {message_id for client in clients for message_id in client.acked.values()}


def stored(stack: FaultStack, room_id: int) -> dict[str, list[int]]:
    """The database's own answer: client_id -> the ids of the rows stored with it."""
    rows = stack.database.query(f"SELECT id, client_id FROM messaging_message WHERE room_id = {int(room_id)}")
    by_client_id: dict[str, list[int]] = {}
    for message_id, client_id in rows:
        by_client_id.setdefault(client_id, []).append(int(message_id))
    return by_client_id


def assert_exactly_once(stack: FaultStack, room_id: int, clients: list[RecoveringClient]) -> int:
    """Each acknowledged send is one row; every client holds every row, and nothing else; return the count."""
    rows = stored(stack, room_id)
    assert not {client_id: ids for client_id, ids in rows.items() if len(ids) > 1}, "a send was stored twice"
    acked = {client_id: message_id for client in clients for client_id, message_id in client.acked.items()}
    assert {client_id: ids[0] for client_id, ids in rows.items()} == acked, "the acks and the database disagree"
    for client in clients:
        assert not client.ack_conflicts, client.ack_conflicts
        assert client.messages.keys() == set(acked.values()), f"{client.user.username} holds other messages"
        assert all(client.pushed.keys() <= client.messages.keys() for client in clients)
    return len(acked)


def repeated_pushes(clients: list[RecoveringClient]) -> int:
    return sum(count - 1 for client in clients for count in client.pushed.values())


async def stop_all(clients: list[RecoveringClient]) -> None:
    for client in clients:
        await client.stop()


async def test_killed_worker_loses_no_acknowledged_message(stack):
    # Four clients, two on each worker, send 60 messages each; worker 1 is killed
    # (SIGKILL) a third of the way through. Clients reconnect through nginx.
    room, clients = await chat_room(two_on_each(stack), "kill", reconnect_url=stack.base_url)
    senders = [asyncio.create_task(send_steadily(client, 60)) for client in clients]
    await poll(lambda: len(acked_ids(clients)) >= 80, timeout=30, what="a third of the acks")

    killed_at = time.monotonic()
    await asyncio.to_thread(stack.signal_worker(0, signal.SIGKILL).wait, 30)
    await asyncio.gather(*senders)
    cut = [client for client in clients if client.close_codes]
    assert cut == clients[:2]

    # Cut clients reconnect (nginx sends them to the other worker), catch up and send
    # again what was unanswered; the others never noticed and rely on pushes alone.
    await all_answered(clients, timeout=30)
    assert not any(client.refused for client in clients)
    # Pushes are best effort (PROTOCOL.md): a message the dead worker stored but never
    # pushed reaches the clients that stayed connected by backfill, as a repeated
    # client_id is answered with the original and not pushed again.
    for client in clients:
        await client.catch_up()
    await everyone_has(clients, acked_ids(clients))
    total = assert_exactly_once(stack, room["id"], clients)
    assert total == 240
    recovered = max(client.connected_at[-1] for client in cut) - killed_at
    print(
        f"\nFIGURES sigkill: sent {total}, acked {total}, lost 0, stored twice 0; "
        f"{len(cut)} of {len(clients)} clients cut, all reconnected and caught up {recovered:.2f}s after the kill; "
        f"repeated pushes {repeated_pushes(clients)}"
    )
    await stop_all(clients)


async def test_redis_restart_drops_no_send_and_backfill_closes_the_gap(stack):
    # One client per worker: pushes between them cross Redis.
    room, clients = await chat_room([stack.worker_url(0), stack.worker_url(1)], "redis")
    await asyncio.gather(*(send_steadily(client, 10) for client in clients))
    await all_answered(clients)
    await everyone_has(clients, acked_ids(clients))

    stack.redis.stop()
    stopped_at = time.monotonic()
    for client in clients:  # typing needs the cache: dropped, but the socket stays
        await client.send_other({"type": "typing", "room": room["id"]})
    await asyncio.gather(*(send_steadily(client, 20) for client in clients))
    await all_answered(clients)
    assert not any(client.close_codes for client in clients), "a socket closed while Redis was down"
    rest = await arequest(stack.worker_url(0), "GET", "/api/rooms/", token=clients[0].user.access)
    assert rest.status == 503, rest.status  # throttles and tickets live in Redis: retry later
    during = [client_id for client in clients for client_id, sent in client.sent_at.items() if sent >= stopped_at]
    acked_during = sum(client_id in client.acked for client in clients for client_id in during)
    refused = [frame for client in clients for frame in client.refused.values()]
    # A send is stored and acknowledged without Redis (the rate limit fails open), or
    # refused as unavailable, never left unanswered.
    assert acked_during + len(refused) == len(during) == 40
    assert all(frame["code"] == "unavailable" for frame in refused), refused
    # While Redis is down nothing can be pushed: the other worker's client misses those.
    assert not any(client.has_all(acked_ids(clients)) for client in clients)

    stack.redis.start()
    restarted_at = time.monotonic()
    # The hubs notice the lost heartbeats and close their sockets (4012): clients
    # reconnect and catch up, which closes the gap.
    await poll(lambda: all(4012 in client.close_codes for client in clients), timeout=15, what="resync close")
    await retry_until_stored(clients, timeout=20)
    await everyone_has(clients, acked_ids(clients))
    caught_up = time.monotonic() - restarted_at

    # Pushes resume: a message sent now crosses to the other worker's client by push.
    first, second = clients
    client_id = await first.send()
    await poll(lambda: first.acked.get(client_id) in second.pushed, timeout=15, what="a push after the restart")
    total = assert_exactly_once(stack, room["id"], clients)
    print(
        f"\nFIGURES redis: {len(during)} sends while Redis was down: {acked_during} acked, {len(refused)} refused, "
        f"0 unanswered; every client caught up {caught_up:.2f}s after Redis returned; "
        f"{total} messages stored, lost 0, stored twice 0"
    )
    await stop_all(clients)


async def test_database_down_refuses_sends_and_pushes_nothing_unstored(stack):
    room, clients = await chat_room([stack.worker_url(0), stack.worker_url(1)], "db")
    await asyncio.gather(*(send_steadily(client, 5) for client in clients))
    await all_answered(clients)

    stack.database.stop()
    await asyncio.gather(*(send_steadily(client, 10) for client in clients))
    await all_answered(clients)
    refused = [frame for client in clients for frame in client.refused.values()]
    assert len(refused) == 20, "a send was acknowledged while the database was down"
    assert {frame["code"] for frame in refused} == {"unavailable"}
    rest = await arequest(
        stack.worker_url(1),
        "POST",
        f"/api/rooms/{room['id']}/messages/",
        json_body={"body": "by REST"},
        token=clients[1].user.access,
    )
    assert rest.status == 503, rest.status

    stack.database.start()
    recovered = await retry_until_stored(clients, timeout=30)
    await everyone_has(clients, acked_ids(clients))
    total = assert_exactly_once(stack, room["id"], clients)
    stored_ids = {message_id for ids in stored(stack, room["id"]).values() for message_id in ids}
    assert all(client.pushed.keys() <= stored_ids for client in clients), "a push for a message never stored"
    print(
        f"\nFIGURES database: {len(refused)} of {len(refused)} sends while the database was down refused "
        f"(unavailable), 0 pushed; the retries stored {recovered:.2f}s after it returned; "
        f"{total} messages stored, lost 0, stored twice 0"
    )
    await stop_all(clients)


def server_side_open(worker_port: int, client: RecoveringClient) -> bool:
    """Whether the worker still holds the client's TCP connection (Linux /proc)."""
    client_port = client.connection.transport.get_extra_info("sockname")[1]
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
        if (local, remote) == (worker_port, client_port) and fields[3] == "01":
            return True
    return False


async def test_client_that_stops_reading_is_cut_off_and_others_are_unaffected(stack):
    # Two talkers, one per worker, and a sleeper on worker 1 with a small receive buffer.
    worker = stack.worker_url(0)
    users = [await register(worker, name) for name in ("talker", "talker", "sleeper")]
    room = await room_with(worker, *users)
    talkers = [
        await RecoveringClient(url, user, room["id"]).start()
        for url, user in zip([worker, stack.worker_url(1)], users, strict=False)
    ]
    sleeper = await RecoveringClient(worker, users[2], room["id"], receive_buffer=4096).start()
    sleeper.stall()

    # The talkers send 16 KB messages until the worker cuts the sleeper off: past the
    # kernel's socket buffers (a few MiB on loopback), the worker may hold 1 MiB.
    body = "😀" * 4000
    started = time.monotonic()
    talking = [asyncio.create_task(send_steadily(talker, 400, body)) for talker in talkers]
    while await asyncio.to_thread(server_side_open, stack.worker_ports[0], sleeper):
        assert not all(task.done() for task in talking), "the worker kept a socket that does not read"
        await asyncio.sleep(0.1)
    cut_after = time.monotonic() - started
    # What the talkers had by push when the sleeper was cut: a fan-out that waited for the
    # sleeper would have stalled everyone once its buffers filled, long before the cut.
    acked_at_cut = acked_ids(talkers)
    missing_at_cut = sum(len(acked_at_cut - client.pushed.keys()) for client in talkers)
    sent = sum(len(talker.sent_at) for talker in talkers)
    for task in talking:
        task.cancel()
    await asyncio.gather(*talking, return_exceptions=True)
    await asyncio.gather(*(send_steadily(talker, 10, body) for talker in talkers))

    # The talkers got every message by push, in time: nobody waited for the sleeper.
    await all_answered(talkers)
    ids = acked_ids(talkers)
    await everyone_has(talkers, ids)
    assert all(client.pushed.keys() >= ids for client in talkers)
    first, second = talkers
    latencies = sorted(
        other.arrived_at[message_id] - sender.sent_at[client_id]
        for sender, other in ((first, second), (second, first))
        for client_id, message_id in sender.acked.items()
    )
    # Counted, not timed (a loaded machine slows everything): only the pushes in flight at the cut may lag.
    in_flight = max(8, len(acked_at_cut) // 10)
    assert missing_at_cut <= in_flight, f"{missing_at_cut} of {len(acked_at_cut)} pushes waited for the sleeper"

    # Awake again, the sleeper reads what was buffered, finds the socket closed,
    # reconnects and catches up by id.
    sleeper.resume()
    await poll(lambda: sleeper.close_codes, timeout=15, what="the sleeper notices")
    await everyone_has([sleeper], ids)
    print(
        f"\nFIGURES slow client: cut off after {sent} messages of 16 KB to the room ({cut_after:.2f}s), "
        f"close code seen {sleeper.close_codes[0]}; the other clients got {len(ids)} of {len(ids)} pushes, "
        f"latency median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms, slowest {latencies[-1] * 1000:.0f} ms; "
        f"{missing_at_cut} pushes in flight at the cut; the sleeper caught up by id"
    )
    await stop_all([*talkers, sleeper])


async def test_sigterm_closes_sockets_with_going_away(stack):
    room, clients = await chat_room(two_on_each(stack), "term", reconnect_url=stack.base_url)
    senders = [asyncio.create_task(send_steadily(client, 30)) for client in clients]
    await poll(lambda: len(acked_ids(clients)) >= 40, timeout=30, what="some acks")

    stopping_at = time.monotonic()
    status = await asyncio.to_thread(stack.signal_worker(1, signal.SIGTERM).wait, 30)
    stopped = time.monotonic() - stopping_at
    await asyncio.gather(*senders)
    cut = [client for client in clients if client.close_codes]
    assert cut == clients[2:]
    assert [client.close_codes[0] for client in cut] == [1001, 1001]
    assert status == 0
    await all_answered(clients)
    await everyone_has(clients, acked_ids(clients))
    total = assert_exactly_once(stack, room["id"], clients)
    closed = max(client.closed_at[0] for client in cut) - stopping_at
    reconnected = max(client.connected_at[-1] for client in cut) - stopping_at
    print(
        f"\nFIGURES sigterm: {len(cut)} of {len(clients)} clients closed with 1001 within {closed * 1000:.0f} ms, "
        f"worker exited in {stopped:.2f}s, clients back on the other worker and caught up {reconnected:.2f}s "
        f"after SIGTERM; {total} messages, lost 0, stored twice 0"
    )
    await stop_all(clients)


async def test_killed_workers_users_are_announced_offline_by_the_survivor(stack):
    # Two users connected only to worker 1 (its own port: no reconnect elsewhere), one
    # connected to both workers, and an observer on worker 2.
    one, two = stack.worker_url(0), stack.worker_url(1)
    watcher = await register(two, "watcher")
    stranded = [await register(one, "stranded") for _ in range(2)]
    straddler = await register(one, "straddler")
    room = await room_with(two, watcher, *stranded, straddler)
    observer = await ChatSocket.open(two, watcher)
    sockets = [await ChatSocket.open(one, user) for user in stranded for _ in range(2)]
    sockets += [await ChatSocket.open(one, straddler), await ChatSocket.open(two, straddler)]
    await observer.wait_count(lambda f: f["type"] == "presence" and f["online"], 3)

    killed_at = time.monotonic()
    await asyncio.to_thread(stack.signal_worker(0, signal.SIGKILL).wait, 30)
    offline = await observer.wait_count(lambda f: f["type"] == "presence" and not f["online"], 2, timeout=60)
    announced_after = time.monotonic() - killed_at
    assert {frame["user"]["id"] for frame in offline} == {user.id for user in stranded}
    assert {frame["room"] for frame in offline} == {room["id"]}

    # The straddler's socket on worker 2 keeps them online, through more sweeps.
    heartbeat = float(WORKER_SETTINGS["CHAT_PRESENCE_HEARTBEAT_SECONDS"])
    await asyncio.sleep(4 * heartbeat)
    presence = [(f["user"]["id"], f["online"]) for f in observer.frames if f["type"] == "presence"]
    assert sorted(presence) == sorted(
        [(user.id, online) for user in stranded for online in (True, False)] + [(straddler.id, True)]
    )
    members = (await arequest(two, "GET", f"/api/rooms/{room['id']}/members/", token=watcher.access)).json()
    assert {m["user"]["id"]: m["online"] for m in members} == {
        watcher.id: True,
        straddler.id: True,
        **{user.id: False for user in stranded},
    }
    print(
        f"\nFIGURES presence after SIGKILL: {len(stranded)} users connected only to the killed worker announced "
        f"offline by the survivor {announced_after:.2f}s after the kill (worker timeout "
        f"{WORKER_SETTINGS['CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS']}s, heartbeat {heartbeat:g}s); "
        "the user with a socket on the survivor stayed online"
    )
    await asyncio.gather(*(socket.close() for socket in [*sockets, observer]))
