"""
Time batches of sends through messaging.services.message_send_many, the path
the WebSocket batcher takes, on whatever database DATABASE_URL names (the
figures in docs/architecture.md, "The change log", were taken with it):

    DJANGO_DEBUG=true DATABASE_URL=sqlite:////tmp/t.sqlite3 .venv/bin/python scripts/time_send_batches.py
    DJANGO_DEBUG=true scripts/with-test-backends.sh .venv/bin/python scripts/time_send_batches.py

It migrates that database, makes its own users and rooms, and prints the
median wall time of a batch, and the median CPU time this process spent on it,
per (batch size, rooms per batch, body): on a shared machine the CPU time is
the steadier figure. Not a test and not the benchmark (`make bench` is): a
before/after of one code path.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatroom.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from messaging.services import SendRequest, message_send_many  # noqa: E402
from rooms.models import Membership, Room  # noqa: E402

BATCHES = [(1, 1), (10, 1), (100, 1), (200, 1), (100, 10), (200, 10)]  # (sends per batch, rooms they go to)
BODIES = {"plain": "hello, world", "markdown": "hi @writer1, see **this**: https://example.com/a"}
ROUNDS = 40


def main() -> None:
    call_command("migrate", verbosity=0)
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 1e9, 10**9
    writers = [User.objects.get_or_create(username=f"writer{i}")[0] for i in range(10)]
    rooms = [Room.objects.create(name=f"timing {i}", owner=writers[0]) for i in range(10)]
    Membership.objects.bulk_create(Membership(room=room, user=user) for room in rooms for user in writers)
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; median of {ROUNDS} batches")
    print(f"{'body':<9} {'sends':>5} {'rooms':>5} {'wall ms':>8} {'cpu ms':>7} {'cpu us/send':>11}")
    for body_name, body in BODIES.items():
        for size, room_count in BATCHES:
            walls, cpus = [], []
            for _ in range(ROUNDS):
                requests = [SendRequest(writers[i % len(writers)], rooms[i % room_count].id, body) for i in range(size)]
                wall, cpu = time.perf_counter(), time.process_time()
                results = message_send_many(requests=requests)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                if not all(getattr(result, "created", False) for result in results):
                    raise SystemExit(f"a send was refused: {results}")
            wall, cpu = statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3
            print(f"{body_name:<9} {size:>5} {room_count:>5} {wall:>8.2f} {cpu:>7.2f} {cpu / size * 1e3:>11.0f}")


if __name__ == "__main__":
    main()
