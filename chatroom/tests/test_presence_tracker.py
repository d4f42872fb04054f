"""
The presence tracker: debounced announcements, a store that is down (connects
and closes go on; it heals once the store answers), a killed worker's users
announced offline by the survivors. Run on both stores (Redis in `make
test-mariadb`); two trackers on one store are two workers.
"""

import asyncio
import json
import logging

import pytest
import redis

from chatroom.checks import check_presence_timing
from chatroom.realtime import presence
from chatroom.realtime.presence import PresenceTracker

# The tracker reaches the audience through database_sync_to_async, which checks the
# thread's database connection: allowed, though the fake audience makes no query.
pytestmark = pytest.mark.django_db

LONG = 60.0


def user(uid: int) -> dict:
    return {
        "id": uid,
        "username": f"user{uid}",
        "display_name": f"user{uid}",
        "avatar": None,
        "date_joined": "2025-01-01T00:00:00Z",
    }


@pytest.fixture(autouse=True)
def audience(monkeypatch):
    """Each user is in room uid * 10: where their offline goes."""
    monkeypatch.setattr(presence, "_audience", lambda *, user_ids: {uid: (user(uid), {uid * 10}) for uid in user_ids})


@pytest.fixture
def grace(settings):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 0.3
    return 0.3


@pytest.fixture
async def trackers(stores):
    """Start trackers (workers) on one shared store; stopped after the test."""
    started: list[PresenceTracker] = []

    def start(*, heartbeat: float = LONG, worker_timeout: float = LONG * 3, store=None) -> PresenceTracker:
        tracker = PresenceTracker(store or stores(), heartbeat=heartbeat, worker_timeout=worker_timeout)
        tracker.start()
        started.append(tracker)
        return tracker

    yield start
    for tracker in started:
        await tracker.stop()


def presence_frames(published) -> list[tuple[int, int, bool]]:
    """(room, user id, online) of every presence frame published, in order."""
    frames = [json.loads(event["text"]) for _, event in published if event.get("text")]
    return [(f["room"], f["user"]["id"], f["online"]) for f in frames if f["type"] == "presence"]


async def until(condition, *, timeout: float = 15.0) -> None:
    """Wait until `condition()` holds; fail after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_online_at_once_and_offline_once_after_the_grace_period(trackers, published, grace):
    tracker = trackers()
    first = tracker.connect(user=user(7), room_ids={1, 2})
    second = tracker.connect(user=user(7), room_ids={1, 2})
    await tracker.flush()
    assert sorted(presence_frames(published)) == [(1, 7, True), (2, 7, True)]
    tracker.disconnect(first)
    tracker.disconnect(second)
    await tracker.flush()
    assert tracker.store.online([7]) == {7}  # shown online during the grace period, as nobody was told otherwise
    await until(lambda: len(presence_frames(published)) == 3)
    assert presence_frames(published)[2] == (70, 7, False)  # to the rooms the user is in when it is announced


async def test_a_reconnect_within_the_grace_period_announces_nothing(trackers, published, grace):
    tracker = trackers()
    socket = tracker.connect(user=user(7), room_ids={1})
    await tracker.flush()
    tracker.disconnect(socket)
    await tracker.flush()
    await asyncio.sleep(grace / 2)
    tracker.connect(user=user(7), room_ids={1})  # a page reload
    await asyncio.sleep(grace * 2)
    tracker.request_sweep()
    await tracker.flush()
    assert presence_frames(published) == [(1, 7, True)]


async def test_connects_and_closes_go_on_while_the_store_is_down_and_it_heals_after(
    trackers, stores, published, grace, caplog
):
    store = FlakyStore(stores())
    tracker = trackers(store=store)
    kept = tracker.connect(user=user(7), room_ids={1})
    gone = tracker.connect(user=user(8), room_ids={1})
    await tracker.flush()
    assert sorted(presence_frames(published)) == [(1, 7, True), (1, 8, True)]

    store.down = True
    with caplog.at_level(logging.WARNING, logger="chatroom.realtime.presence"):
        tracker.disconnect(gone)  # neither waits nor raises
        tracker.connect(user=user(9), room_ids={1})
        await tracker.flush()
        assert store.refused and len(presence_frames(published)) == 2  # nothing announced meanwhile
        store.down = False
        # The writer's next try replaces this worker's share of the store: 9 is online, 8 offline.
        await until(lambda: len(presence_frames(published)) == 4)
    assert presence_frames(published)[2:] == [(1, 9, True), (80, 8, False)]
    events = [getattr(record, "event", None) for record in caplog.records]
    assert events.count("presence.unavailable") == 1 and events.count("presence.resynced") == 1
    tracker.disconnect(kept)


async def test_a_killed_workers_users_go_offline_when_a_survivor_sweeps(trackers, stores, published):
    store = stores()
    killed = trackers(store=store)
    survivor = trackers(store=stores(), heartbeat=0.05, worker_timeout=0.5)
    killed.connect(user=user(7), room_ids={1})
    killed.connect(user=user(8), room_ids={1})
    survivor.connect(user=user(8), room_ids={1})
    await killed.flush()
    await survivor.flush()
    await killed.stop()  # SIGKILL: no more beats, no retire
    await until(lambda: (70, 7, False) in presence_frames(published))
    await asyncio.sleep(0.3)
    assert presence_frames(published).count((70, 7, False)) == 1
    assert (80, 8, False) not in presence_frames(published)  # 8 has a socket on the survivor


async def test_a_grace_period_whose_worker_died_is_enforced_by_another(trackers, stores, published, grace):
    dying = trackers(store=stores())
    sweeper = trackers(store=stores(), heartbeat=0.05)
    socket = dying.connect(user=user(7), room_ids={1})
    await dying.flush()
    dying.disconnect(socket)
    await dying.flush()
    await dying.stop()  # killed during the grace period, with its timer
    await until(lambda: (70, 7, False) in presence_frames(published))
    assert sweeper.sockets == {}


async def test_a_worker_taken_for_dead_puts_its_sockets_back(trackers, stores, published, caplog):
    stalled = trackers(store=stores())
    sweeper = trackers(store=stores(), heartbeat=0.05, worker_timeout=0.3)
    stalled.connect(user=user(7), room_ids={1})
    await until(lambda: (70, 7, False) in presence_frames(published))  # its loop "stalled" past the timeout
    await sweeper.stop()
    assert sweeper.store.online([7]) == set()
    with caplog.at_level(logging.WARNING, logger="chatroom.realtime.presence"):
        stalled.beat()  # its next heartbeat
        await stalled.flush()
    assert presence_frames(published) == [(1, 7, True), (70, 7, False), (1, 7, True)]
    assert "presence.resync" in [getattr(record, "event", None) for record in caplog.records]
    assert sweeper.store.online([7]) == {7}


async def test_a_retiring_worker_leaves_its_users_to_the_others_sweep(trackers, stores, published, grace):
    retiring = trackers(store=stores())
    trackers(store=stores(), heartbeat=0.05)
    retiring.connect(user=user(7), room_ids={1})
    await retiring.flush()
    await retiring.retire()  # SIGTERM
    await until(lambda: (70, 7, False) in presence_frames(published))


class FlakyStore:
    """A store that can be made unreachable, as Redis is while it restarts."""

    def __init__(self, store):
        self.store = store
        self.down = False
        self.refused = 0

    async def apply(self, worker, ops):
        if self.down:
            self.refused += 1
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return await self.store.apply(worker, ops)

    def online(self, user_ids):
        return self.store.online(user_ids)


def test_settings_that_would_take_live_workers_for_dead_are_refused(settings):
    assert check_presence_timing(None) == []
    settings.CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS = settings.CHAT_PRESENCE_HEARTBEAT_SECONDS
    settings.CHAT_PRESENCE_GRACE_SECONDS = -1
    assert [error.id for error in check_presence_timing(None)] == ["chatroom.E005", "chatroom.E006"]
