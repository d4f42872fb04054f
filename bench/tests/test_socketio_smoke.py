"""
The python-socketio reference target, small (seconds, plus MariaDB's start):
the Engine.IO/Socket.IO client side of the load generator opens its sockets,
every message is stored in its MariaDB and acked, and reaches every socket of
its room.
"""

import pytest

from bench.loadgen import WorkerPool
from bench.runner import Bench
from bench.servers import start_socketio
from bench.tests.test_smoke import TINY


@pytest.fixture
def pool():
    workers = WorkerPool(2)
    yield workers
    workers.stop()


def test_socketio_reference_stores_acks_and_delivers_every_message(pool):
    # A heartbeat every half second: a client that did not answer Engine.IO's pings would be dropped mid-run.
    target = start_socketio(ping_interval=0.5)
    try:
        rows, _ = Bench(pool, TINY, progress=lambda line: None).run_target(target)
        stored = int(target.database.query("SELECT COUNT(*) FROM bench_socketio_message")[0][0])
        database_pid = target.database.pid
    finally:
        target.stop()

    by_scenario = {}
    for row in rows:
        by_scenario.setdefault(row["scenario"], []).append(row)
    storm = by_scenario["connect storm"][0]
    assert storm["opened"] == storm["sockets"] == 12
    many_rooms = by_scenario["many rooms"]
    for many in many_rooms:
        assert many["sent"] == many["acked"] == many["rate"] and not many["send_errors"]
        assert many["received"] == many["expected"] == many["acked"] * 6
    fanout = by_scenario["fan-out"]
    assert [r["step"] for r in fanout] == [200, 400]
    for step in fanout:
        assert step["lost"] == 0 and step["duplicates"] == 0 and not step["send_errors"]
        assert not step["closed_by_server"]
        assert step["received"] == step["acked"] * 8 > 0
    # Every acked message is a row in MariaDB, which is stopped with the target.
    assert stored == sum(r["acked"] for r in many_rooms) + sum(step["acked"] for step in fanout)
    assert database_pid is not None and not target.database.running
