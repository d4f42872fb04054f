"""
The presence stores' contract, held by both: process memory, and Redis (a real
server: these run in `make test-mariadb`, and are skipped without REDIS_URL).

Two workers are two worker ids; on Redis each has its own client, so that their
scripts really do race on the server.
"""

import asyncio
import uuid

import pytest

from chatroom.realtime.presence_store import (
    Beat,
    Connect,
    ConnectResult,
    Disconnect,
    RedisPresenceStore,
    Retire,
    Sweep,
    SweepResult,
    Sync,
    SyncResult,
)

LONG = 60.0  # a grace period or worker timeout that no test outlives
SHORT = 0.05  # one that every test outlives after `await lapse()`


async def lapse(seconds: float = SHORT * 3) -> None:
    await asyncio.sleep(seconds)


class Worker:
    """One worker's view of the store, as the tracker uses it."""

    def __init__(self, store, name: str):
        self.store, self.name = store, name

    async def do(self, *ops):
        results = await self.store.apply(self.name, list(ops))
        return results[0] if len(ops) == 1 else results

    async def register(self):
        return await self.do(Sync((), grace=LONG))

    async def sweep(self, worker_timeout: float = LONG) -> SweepResult:
        return await self.do(Sweep(worker_timeout))


@pytest.fixture
async def workers(stores):
    one, two = Worker(stores(), f"one-{uuid.uuid4().hex[:6]}"), Worker(stores(), f"two-{uuid.uuid4().hex[:6]}")
    await one.register()
    await two.register()
    return one, two


async def test_the_first_socket_is_online_and_the_last_close_is_offline_once_after_grace(workers):
    one, two = workers
    assert await one.do(Connect(7, "a")) == ConnectResult(online=True, worker_known=True)
    assert await two.do(Connect(7, "b")) == ConnectResult(online=False, worker_known=True)
    assert await one.do(Disconnect(7, "a", grace=0)) is False  # socket b is open
    assert await two.do(Disconnect(7, "b", grace=SHORT)) is True  # the last: pending
    assert one.store.online([7, 8]) == {7}  # shown online until the offline is announced
    await lapse()
    assert await one.sweep() == SweepResult(offline=[7], more=False)
    assert await two.sweep() == SweepResult(offline=[], more=False)  # claimed once
    assert one.store.online([7]) == set()


async def test_an_offline_is_not_due_before_its_grace_period_ends(workers):
    one, two = workers
    await one.do(Connect(7, "a"), Connect(8, "b"))
    await one.do(Disconnect(7, "a", grace=LONG), Disconnect(8, "b", grace=0))
    await lapse()
    assert await two.sweep() == SweepResult(offline=[8], more=False)
    assert two.store.online([7, 8]) == {7}


async def test_a_socket_opened_within_the_grace_period_cancels_the_offline(workers):
    one, two = workers
    await one.do(Connect(7, "a"))
    await one.do(Disconnect(7, "a", grace=SHORT))
    assert await two.do(Connect(7, "b")) == ConnectResult(online=False, worker_known=True)  # a reload: no frame
    await lapse()
    assert await one.sweep() == SweepResult(offline=[], more=False)
    assert one.store.online([7]) == {7}


async def test_a_silent_worker_is_swept_and_its_users_without_another_socket_go_offline(workers):
    one, two = workers
    await one.do(Connect(7, "a"), Connect(8, "b"))
    await two.do(Connect(8, "c"))
    await lapse()
    await two.do(Beat())
    assert await two.sweep(worker_timeout=SHORT * 2) == SweepResult(offline=[7], more=False)
    assert two.store.online([7, 8]) == {8}
    await two.do(Disconnect(8, "c", grace=0))  # one's socket b was forgotten with it
    await lapse()
    assert (await two.sweep()).offline == [8]


async def test_a_live_worker_that_was_swept_learns_it_on_its_beat_and_syncs_back(workers):
    one, two = workers
    await one.do(Connect(7, "a"))
    await lapse()
    await two.do(Beat())
    assert (await two.sweep(worker_timeout=SHORT * 2)).offline == [7]  # one stalled past the timeout
    assert await one.do(Beat()) is False
    assert await one.do(Sync(((7, "a"),), grace=LONG)) == SyncResult(online=[7], pending=False)
    assert one.store.online([7]) == {7}
    assert await one.do(Beat()) is True


async def test_a_connect_from_a_forgotten_worker_asks_for_a_sync(stores):
    worker = Worker(stores(), "new")
    assert await worker.do(Connect(7, "a")) == ConnectResult(online=True, worker_known=False)


async def test_sync_forgets_the_sockets_closed_while_the_store_was_unreachable(workers):
    one, two = workers
    await one.do(Connect(7, "a"), Connect(8, "b"), Connect(8, "c"))
    # Socket a closed and d opened during an outage; b and c are still open.
    result = await one.do(Sync(((8, "b"), (8, "c"), (9, "d")), grace=0))
    assert result == SyncResult(online=[9], pending=True)
    await lapse()
    assert (await two.sweep()).offline == [7]
    assert two.store.online([7, 8, 9]) == {8, 9}


async def test_a_retiring_worker_leaves_its_users_pending(workers):
    one, two = workers
    await one.do(Connect(7, "a"), Connect(8, "b"))
    await two.do(Connect(8, "c"))
    await one.do(Retire(grace=0))
    await lapse()
    assert (await two.sweep()).offline == [7]
    assert await one.do(Beat()) is False  # it is gone from the store


async def test_a_sweep_claims_at_most_its_limit_and_says_there_is_more(workers):
    one, two = workers
    await one.do(*(Connect(uid, f"s{uid}") for uid in range(1, 6)))
    await one.do(*(Disconnect(uid, f"s{uid}", grace=0) for uid in range(1, 6)))
    await lapse()
    first = await two.do(Sweep(LONG, limit=3))
    second = await two.do(Sweep(LONG, limit=3))
    assert first.more and not second.more
    assert sorted(first.offline + second.offline) == [1, 2, 3, 4, 5]


async def test_concurrent_sockets_on_two_workers_announce_each_user_exactly_once(workers):
    """What Django's cache got wrong: 16 sockets of a user left a count of 2, then 1 after all closed."""
    one, two = workers
    users = range(100, 105)
    sockets = [(worker, uid, f"{worker.name}-{uid}-{n}") for worker in workers for uid in users for n in range(16)]
    connects = await asyncio.gather(*(worker.do(Connect(uid, sid)) for worker, uid, sid in sockets))
    announced = [uid for (_, uid, _), result in zip(sockets, connects, strict=True) if result.online]
    assert sorted(announced) == list(users)
    assert one.store.online(users) == set(users)

    closes = await asyncio.gather(*(worker.do(Disconnect(uid, sid, grace=0)) for worker, uid, sid in sockets))
    assert sum(closes) == len(users)  # each user's last close, and only it
    await lapse()
    sweeps = await asyncio.gather(one.sweep(), two.sweep(), one.sweep(), two.sweep())
    offline = [uid for sweep in sweeps for uid in sweep.offline]
    assert sorted(offline) == list(users)
    assert two.store.online(users) == set()


async def test_a_run_longer_than_the_worker_timeout_stays_online_while_the_worker_beats(workers):
    one, two = workers
    await one.do(Connect(7, "a"))
    for _ in range(10):  # ten times the timeout, sweeping all along
        await one.do(Beat())
        await lapse(SHORT)
        assert (await two.sweep(worker_timeout=SHORT * 4)).offline == []
    assert two.store.online([7]) == {7}


async def test_no_redis_key_of_presence_expires(stores):
    store = stores()
    if not isinstance(store, RedisPresenceStore):
        pytest.skip("Redis only")
    worker = Worker(store, "one")
    await worker.do(Connect(7, "a"), Connect(8, "b"))
    await worker.do(Disconnect(8, "b", grace=LONG))
    client = store._async_client()
    keys = [key async for key in client.scan_iter(match=f"{store.prefix}:*")]
    assert len(keys) == 5  # workers, the worker's sockets, user 7's sockets, online, pending
    assert [await client.ttl(key) for key in keys] == [-1] * len(keys)
