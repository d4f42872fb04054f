"""
Concurrent writers: each room's change log keeps no gap and no repeat.

Real threads, each with its own database connection, send (in batches that span
two rooms, locked in opposite orders by different writers), edit, react to one
shared message and delete, all at once. On MariaDB (`make test-mariadb`) they
contend for the rooms' row locks and any deadlock fails the test. On a SQLite
file they would queue for the database's one write lock; the suite's in-memory
SQLite test database shares one cache between threads, whose table locks fail at
once instead of waiting, so the test runs only on a real server.
"""

import threading
from collections import defaultdict

import pytest
from django.db import connection

from messaging import services
from messaging.models import Message
from messaging.services import SendRequest
from rooms.models import Room
from rooms.services import room_create, room_join

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 4
ROUNDS = 6


def test_concurrent_changes_number_each_room_without_gap_or_repeat(make_user, settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads cannot write concurrently to the in-memory SQLite test database; run make test-mariadb")
    settings.CHAT_SEND_BURST = 100_000
    owner = make_user("owner")
    rooms = [room_create(owner=owner, name="busy"), room_create(owner=owner, name="also busy")]
    writers = [make_user(f"writer{i}") for i in range(WRITERS)]
    for writer in writers:
        for room in rooms:
            room_join(user=writer, invite_code=room.invite_code)
    shared = services.message_send(author=owner, room_id=rooms[0].id, body="react to me").message
    numbers: dict[int, list[int]] = defaultdict(list)  # room id -> every number a change was given
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def write(index: int) -> None:
        user = writers[index]
        order = rooms if index % 2 else rooms[::-1]  # half the writers name the rooms the other way round
        try:
            start.wait()
            for round_ in range(ROUNDS):
                sent = services.message_send_many(
                    requests=[SendRequest(user, room.id, f"{user.username} {round_} @owner") for room in order]
                )
                for result in sent:
                    numbers[result.message.room_id].append(result.message.seq)
                mine = sent[0].message
                changes = [
                    services.message_edit(author=user, room_id=mine.room_id, message_id=mine.id, body="edited"),
                    services.reaction_add(user=user, room_id=shared.room_id, message_id=shared.id, emoji="👍"),
                    services.reaction_remove(user=user, room_id=shared.room_id, message_id=shared.id, emoji="👍"),
                    services.message_delete(actor=user, room_id=mine.room_id, message_id=mine.id),
                ]
                for change in changes:
                    assert change.changed
                    numbers[change.message.room_id].append(change.message.seq)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
            start.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures
    numbers[shared.room_id].append(shared.seq)
    for room in Room.objects.filter(pk__in=[r.id for r in rooms]):
        taken = sorted(numbers[room.id])
        assert taken == list(range(1, room.seq + 1)), f"room {room.id}: gaps or repeats in {taken}"
        latest = list(Message.objects.filter(room=room).values_list("seq", flat=True))
        assert len(set(latest)) == len(latest) and max(latest) == room.seq
    expected = 1 + WRITERS * ROUNDS * (2 + 4)  # the shared message, then per round 2 sends and 4 changes
    assert sum(len(taken) for taken in numbers.values()) == expected
