"""
Presence on the production stack: many sockets per user, opened and closed at
once across both workers, announce each user exactly once online and once
offline, and a run longer than every presence timeout (cut short by
stack.WORKER_SETTINGS) keeps connected users online.
"""

import asyncio
import time

from chat_client import ChatSocket, arequest, register, room_with, ticket
from stack import WORKER_SETTINGS

USERS = 4
SOCKETS_PER_USER = 16  # half on each worker
GRACE = float(WORKER_SETTINGS["CHAT_PRESENCE_GRACE_SECONDS"])
WORKER_TIMEOUT = float(WORKER_SETTINGS["CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS"])


def presence_frames(observer: ChatSocket, user_id: int) -> list[bool]:
    return [f["online"] for f in observer.frames if f["type"] == "presence" and f["user"]["id"] == user_id]


async def members_online(base_url: str, room_id: int, viewer) -> dict[int, bool]:
    answer = await arequest(base_url, "GET", f"/api/rooms/{room_id}/members/", token=viewer.access)
    assert answer.status == 200, (answer.status, answer.body)
    return {member["user"]["id"]: member["online"] for member in answer.json()}


async def test_many_sockets_per_user_across_workers_announce_each_user_once(stack):
    urls = [stack.worker_url(0), stack.worker_url(1)]
    observer_user = await register(urls[0], "observer")
    users = [await register(urls[n % 2], f"busy{n}") for n in range(USERS)]
    room = await room_with(urls[0], observer_user, *users)
    observer = await ChatSocket.open(urls[1], observer_user)

    # Tickets first, then every socket opens at once: 8 per user on each worker.
    plan = [(user, urls[n % 2]) for user in users for n in range(SOCKETS_PER_USER)]
    tickets = await asyncio.gather(*(ticket(url, user) for user, url in plan))
    opened_at = time.monotonic()
    sockets = await asyncio.gather(
        *(ChatSocket.open_with_ticket(url, t) for (_, url), t in zip(plan, tickets, strict=True))
    )
    await asyncio.gather(*(socket.wait_for(lambda f: f["type"] == "hello") for socket in sockets))
    await observer.wait_count(lambda f: f["type"] == "presence", USERS)
    all_online = time.monotonic() - opened_at

    # Connected for longer than the worker timeout and the grace period: nothing may
    # lapse while the workers beat (Django's cache dropped every count after 300 s).
    held = 1.5 * WORKER_TIMEOUT + GRACE
    await asyncio.sleep(held)
    assert {user.id: presence_frames(observer, user.id) for user in users} == {user.id: [True] for user in users}
    for url in urls:
        online = await members_online(url, room["id"], observer_user)
        assert online == {observer_user.id: True, **{user.id: True for user in users}}, url

    closed_at = time.monotonic()
    await asyncio.gather(*(socket.close() for socket in sockets))
    await observer.wait_count(lambda f: f["type"] == "presence", 2 * USERS, timeout=30)
    all_offline = time.monotonic() - closed_at
    await asyncio.sleep(GRACE + 1)  # any repeat would be out by now
    assert {user.id: presence_frames(observer, user.id) for user in users} == {user.id: [True, False] for user in users}
    for url in urls:
        online = await members_online(url, room["id"], observer_user)
        assert online == {observer_user.id: True, **{user.id: False for user in users}}, url
    print(
        f"\nFIGURES presence: {USERS} users x {SOCKETS_PER_USER} sockets over 2 workers opened and closed at once: "
        f"1 online and 1 offline frame per user (all online {all_online:.2f}s after opening, all offline "
        f"{all_offline:.2f}s after closing, grace {GRACE:g}s); held {held:g}s (worker timeout {WORKER_TIMEOUT:g}s) "
        "with no offline frame"
    )
    await observer.close()
