"""
A smoke test of the benchmark tool itself, against the reference server (a few
seconds): every scenario runs, and every message sent reaches every socket.

    make test-bench        (part of make test; needs requirements-dev.txt only)
"""

import pytest

from bench.loadgen import WorkerPool
from bench.runner import Bench, Size
from bench.servers import start_reference

TINY = Size(
    users=4,
    room_users=2,
    storm_sockets_per_user=3,
    fanout_sockets_per_user=2,
    fanout_senders=2,
    fanout_steps=(200, 400),
    many_rooms_rate=40,
    step_seconds=0.5,
    drain_seconds=5.0,
    many_rooms_more=(2.0,),  # it holds at 40/s, so it tries 80/s
)


@pytest.fixture
def pool():
    workers = WorkerPool(2)
    yield workers
    workers.stop()


def test_every_scenario_runs_and_counts_every_delivery(pool):
    target = start_reference()
    try:
        rows, _ = Bench(pool, TINY, progress=lambda line: None).run_target(target)
    finally:
        target.stop()

    by_scenario = {}
    for row in rows:
        by_scenario.setdefault(row["scenario"], []).append(row)
    storm = by_scenario["connect storm"][0]
    assert storm["opened"] == storm["sockets"] == 12
    assert by_scenario["idle"][0]["sockets"] == 12
    many, more = by_scenario["many rooms"]
    assert many["sent"] == many["acked"] == 40  # 4 senders at 10/s for 1 s
    assert many["received"] == many["expected"] == many["acked"] * 6  # 2 users x 3 sockets per room
    assert (more["rate"], more["sent"], more["lost"]) == (80, 80, 0)
    fanout = by_scenario["fan-out"]
    assert [r["step"] for r in fanout] == [200, 400]
    for step in fanout:
        assert step["lost"] == 0 and step["duplicates"] == 0
        assert step["received"] == step["acked"] * 8 > 0
        assert 0 < step["p50_ms"] <= step["p99_ms"] <= step["max_ms"]
