"""
Running it for a year (docs/deployment.md): a database backup restored into a
wiped database, both workers restarted in turn under load, and the Redis master
failed over by Sentinel mid-stream. Clients are recovering_client.py, which
reconnects and catches up as the pages do; each test checks the database itself
(every acknowledged send stored once) and prints a FIGURES line (pytest -s).
"""

import asyncio
import os
import signal
import subprocess
import time

import pytest
from chat_client import arequest, register, room_with
from ops_stack import OpsStack
from recovering_client import RecoveringClient
from stack import REPO
from test_faults import acked_ids, all_answered, assert_exactly_once, everyone_has, poll, retry_until_stored

from testbed.processes import HOST

PACE = 0.05  # seconds between two sends of one client: 20 a second each
BACK_WITHIN = 2.0  # seconds from a client's socket closing to its next one open and caught up


@pytest.fixture(scope="module")
def stack():
    """The module's own stack; named `stack` so that a failing test gets its logs (conftest.py)."""
    stack = OpsStack.create()
    try:
        stack.start()
        yield stack
    finally:
        stack.cleanup()


@pytest.fixture(autouse=True)
def running(stack):
    stack.ensure_running()


def run_script(stack: OpsStack, script: str, *args: str) -> str:
    """One of the repo's scripts, as cron or the compose `backup` service runs it: no terminal, password in a file."""
    password_file = stack.workdir / "db_password"
    password_file.write_text(stack.database.password + "\n")
    env = dict(
        os.environ,
        DB_HOST=HOST,
        DB_PORT=str(stack.database.port),
        DB_NAME=stack.database.NAME,
        DB_USER=stack.database.USER,
        DB_PASSWORD_FILE=str(password_file),
        BACKUP_DIR=str(stack.workdir / "backups"),
    )
    result = subprocess.run(
        [str(REPO / "scripts" / script), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert stack.database.password not in result.stdout + result.stderr
    return result.stdout


async def what_the_api_shows(base_url: str, user) -> dict:
    """Every room of `user` and every message in it, as the API serves them."""
    rooms = (await arequest(base_url, "GET", "/api/rooms/", token=user.access)).json()
    shown = {}
    for room in rooms:
        page = await arequest(base_url, "GET", f"/api/rooms/{room['id']}/messages/?limit=200", token=user.access)
        assert page.status == 200, page.status
        shown[room["id"]] = (
            room["name"],
            [(m["id"], m["author"]["username"], m["body"]) for m in page.json()["results"]],
        )
    return shown


async def test_a_backup_restored_into_a_wiped_database_serves_the_same_chat(stack):
    alice, bob = await register(stack.base_url, "alice"), await register(stack.base_url, "bob")
    for name in ("backups 🗄️", "恢复"):
        room = await room_with(stack.base_url, alice, bob, name=name)
        for n in range(15):
            author = (alice, bob)[n % 2]
            sent = await arequest(
                stack.base_url,
                "POST",
                f"/api/rooms/{room['id']}/messages/",
                json_body={"body": f"{name} message {n} 😀"},
                token=author.access,
            )
            assert sent.status == 201
    before = await what_the_api_shows(stack.base_url, alice)
    assert sum(len(messages) for _, messages in before.values()) == 30

    output = run_script(stack, "backup-db.sh")
    dumps = sorted((stack.workdir / "backups" / "db").glob("chat-*.sql.gz"))
    assert len(dumps) == 1 and str(dumps[0]) in output

    # The documented procedure: stop the workers, restore, start them.
    for index in stack.workers:
        stack.workers[index].stop()
    stack.database.query(
        "DROP DATABASE chat; CREATE DATABASE chat CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;", database="mysql"
    )
    assert stack.database.query("SHOW TABLES") == []
    run_script(stack, "restore-db.sh", str(dumps[0]))
    for index in stack.workers:
        stack.restart_worker(index)

    assert await what_the_api_shows(stack.base_url, alice) == before
    # And it goes on: a new message is stored after the restored ones.
    room_id = next(iter(before))
    sent = await arequest(
        stack.base_url, "POST", f"/api/rooms/{room_id}/messages/", json_body={"body": "after"}, token=bob.access
    )
    assert sent.status == 201 and sent.json()["id"] > max(m[0] for m in before[room_id][1])
    print(
        f"\nFIGURES restore: 2 rooms, 30 messages dumped ({dumps[0].stat().st_size} bytes), restored, served as before"
    )


async def readyz(url: str):
    return await arequest(url, "GET", "/readyz")


async def send_steadily(client: RecoveringClient, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await client.send()
        await asyncio.sleep(PACE)


def times_back(clients: list[RecoveringClient], since: float) -> list[float]:
    """For each socket closed after `since`: seconds until the client's next socket was open and caught up."""
    back = []
    for client in clients:
        for closed in (t for t in client.closed_at if t >= since):
            later = [t for t in client.connected_at if t >= closed]
            back.append(later[0] - closed if later else float("inf"))
    return back


async def test_rolling_restart_under_load_loses_nothing(stack):
    users = [await register(stack.base_url, f"roll{n}") for n in range(4)]
    room = await room_with(stack.base_url, users[0], *users[1:])
    clients = [await RecoveringClient(stack.base_url, user, room["id"]).start() for user in users]
    stop = asyncio.Event()
    senders = [asyncio.create_task(send_steadily(client, stop)) for client in clients]
    await poll(lambda: len(acked_ids(clients)) >= 40, timeout=30, what="sends under way")

    started = time.monotonic()
    draining_seen = []
    for index in (0, 1):
        worker = stack.workers[index]
        worker.process.send_signal(signal.SIGTERM)
        # While it drains, it still answers, and says so to whoever polls /readyz.
        answer = await readyz(stack.worker_url(index))
        draining_seen.append((answer.status, answer.json()))
        await asyncio.to_thread(worker.process.wait, 30)
        stack.restart_worker(index)
        await poll_ready(stack.worker_url(index))
        # As the script waits for the healthcheck: nginx tries the restarted worker again (fail_timeout=2s).
        await asyncio.sleep(2.0)
    restarted_in = time.monotonic() - started
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*senders)

    await all_answered(clients, timeout=30)
    await retry_until_stored(clients, timeout=30)
    for client in clients:
        await client.catch_up()
    await everyone_has(clients, acked_ids(clients))
    total = assert_exactly_once(stack, room["id"], clients)
    back = times_back(clients, started)
    assert draining_seen == [(503, {"status": "draining"})] * 2
    assert back, "no socket was moved: the restart did not reach the clients"
    assert max(back) <= BACK_WITHIN, back
    assert {1001} >= {code for client in clients for code in client.close_codes}
    print(
        f"\nFIGURES rolling restart: both workers restarted in turn in {restarted_in:.1f}s under 4 clients sending "
        f"20/s each through nginx; {total} sent, {total} acked, {total} stored once, lost 0; {len(back)} sockets "
        f"moved (1001), each back and caught up in {min(back):.2f}-{max(back):.2f}s"
    )
    for client in clients:
        await client.stop()


async def poll_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (await readyz(url)).status != 200:
        assert time.monotonic() < deadline, f"{url} not ready"
        await asyncio.sleep(0.1)


async def test_redis_master_failover_mid_stream_loses_nothing_acked(stack):
    old_master = stack.master_port()
    users = [await register(stack.base_url, f"sentinel{n}") for n in range(2)]
    room = await room_with(stack.base_url, users[0], users[1])
    # One client per worker: pushes between them cross Redis.
    clients = [await RecoveringClient(stack.worker_url(n), user, room["id"]).start() for n, user in enumerate(users)]
    stop = asyncio.Event()
    senders = [asyncio.create_task(send_steadily(client, stop)) for client in clients]
    await poll(lambda: len(acked_ids(clients)) >= 20, timeout=30, what="sends under way")

    killed_at = time.monotonic()
    stack.kill_master()
    await poll(lambda: stack.master_port() != old_master, timeout=30, what="the sentinels promote the replica")
    promoted = time.monotonic() - killed_at
    assert stack.master_port() == stack.replica.port
    # The hubs lost heartbeats: once the layer answers again they close their sockets (4012),
    # and the clients reconnect and catch up.
    await poll(lambda: all(4012 in client.close_codes for client in clients), timeout=30, what="resync close")
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(*senders)

    await all_answered(clients, timeout=30)
    await retry_until_stored(clients, timeout=30)
    await everyone_has(clients, acked_ids(clients))
    resynced = max(client.connected_at[-1] for client in clients) - killed_at
    # Pushes cross workers through the new master.
    first, second = clients
    client_id = await first.send()
    await poll(lambda: first.acked.get(client_id) in second.pushed, timeout=15, what="a push after the failover")
    total = assert_exactly_once(stack, room["id"], clients)
    refused = sum(len(client.refused) for client in clients)
    print(
        f"\nFIGURES sentinel failover: master killed (SIGKILL) under 2 clients sending 20/s each; replica promoted "
        f"{promoted:.2f}s later; sockets resynced (4012) and caught up {resynced:.2f}s after the kill; "
        f"{total} acked and stored once, lost 0, refused-then-retried {refused}"
    )
    for client in clients:
        await client.stop()
