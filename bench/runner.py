"""
The benchmark controller: starts each server, drives the scenarios through the
load-generator workers, and measures.

Scenarios (full size; --quick shrinks them to a smoke check):
  connect storm  1,000 sockets open together, authenticate and get `hello`
  idle           those 1,000 sockets held open: server RSS per socket
  many rooms     the same sockets, 50 rooms of 20, 500 messages/s in, all acked;
                 then higher rates while it holds (p99 <= 100 ms, nothing lost), or
                 lower ones until it does: the most a worker holds
  fan-out        200 sockets in one room, 10 senders, offered deliveries/s
                 stepped up until loss or p99 > 100 ms
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from array import array
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.population import Population, populate
from bench.servers import Target, usage

if TYPE_CHECKING:
    from bench.loadgen import WorkerPool

STOP_P99_MS = 100.0
SCENARIOS = ("storm", "idle", "many-rooms", "fan-out")  # storm, idle and many-rooms run together


@dataclass(frozen=True)
class Size:
    users: int
    room_users: int  # users per small room
    storm_sockets_per_user: int
    fanout_sockets_per_user: int
    fanout_senders: int
    fanout_steps: tuple[int, ...]  # offered deliveries per second
    many_rooms_rate: int  # messages per second into all small rooms together
    step_seconds: float
    drain_seconds: float
    # Many rooms, then these multiples of its rate: upward while each holds, or downward until one does.
    many_rooms_more: tuple[float, ...] = ()
    many_rooms_less: tuple[float, ...] = ()


FULL = Size(
    users=100,
    room_users=2,
    storm_sockets_per_user=10,
    fanout_sockets_per_user=2,
    fanout_senders=10,
    fanout_steps=(1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000),
    many_rooms_rate=500,
    step_seconds=5.0,
    drain_seconds=5.0,
    many_rooms_more=(1.5, 2.0),
    many_rooms_less=(0.6, 0.3, 0.1),
)
QUICK = Size(
    users=10,
    room_users=2,
    storm_sockets_per_user=10,
    fanout_sockets_per_user=2,
    fanout_senders=5,
    fanout_steps=(1_000, 5_000),
    many_rooms_rate=100,
    step_seconds=1.5,
    drain_seconds=3.0,
)


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def latency_summary(raw: list[bytes]) -> dict[str, float]:
    values = array("d")
    for chunk in raw:
        values.frombytes(chunk)
    ordered = sorted(values)
    return {
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p95_ms": percentile(ordered, 0.95) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else float("nan")) * 1000,
    }


class Bench:
    def __init__(
        self,
        pool: "WorkerPool",
        size: Size,
        progress,
        scenarios: frozenset[str] = frozenset(SCENARIOS),
        profile: Path | None = None,
    ):
        self.scenarios = scenarios
        self.profile = profile
        self.pool = pool
        self.size = size
        self.progress = progress
        self.next_sid = 0
        self.steps = 0
        # Tags make every client_id unique, even on a database that an earlier run filled.
        self.run = secrets.token_hex(2)

    def new_tag(self) -> str:
        self.steps += 1
        return f"{self.run}{self.steps}"

    # --- Sockets ---------------------------------------------------------------

    def open_sockets(self, target: Target, population: Population, users: list[int]) -> dict:
        """Open one socket per entry of `users` (tickets fetched first), all at once; time them."""
        target.check_running()
        started = time.time()
        targets = population.socket_targets(users, self.next_sid)
        self.next_sid += len(targets)
        tickets_seconds = time.time() - started
        workers = len(self.pool.pipes)
        shares = [{"targets": [t for t in targets if t[0] % workers == i]} for i in range(workers)]
        before = usage(target.pids + target.backend_pids)
        start_at = time.time() + 0.5
        dialect = "socketio" if target.kind == "socketio" else "native"
        results = self.pool.call("open", per_worker=shares, start_at=start_at, dialect=dialect)
        after = usage(target.pids + target.backend_pids)
        hellos = sorted(t for r in results for t in r["hello_times"])
        failed = sum(r["failed"] for r in results)
        if failed:
            reasons = [reason for r in results for reason in r["failures"]]
            self.progress(f"  {failed} sockets failed to open, e.g. {reasons[:2]}")
        return {
            "sockets": len(targets),
            "opened": len(hellos),
            "failed": failed,
            "tickets_s": tickets_seconds,
            "all_hello_s": (hellos[-1] - start_at) if hellos else float("nan"),
            "p50_hello_ms": percentile([t - start_at for t in hellos], 0.5) * 1000,
            "server_cpu_s": after.cpu - before.cpu,  # the opening only, tickets excluded (backends included)
        }

    def close_sockets(self) -> None:
        self.pool.call("close")

    def settle(self, target: Target, timeout: float = 60) -> None:
        """
        Wait until the server is idle (under 5% of a core for half a second):
        sockets that open announce their users' presence to every room, and a
        step must not queue behind that backlog, nor behind the previous step.
        """
        deadline = time.monotonic() + timeout
        before = usage(target.pids + target.backend_pids).cpu
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = usage(target.pids + target.backend_pids).cpu
            if now - before < 0.025:
                return
            before = now
        self.progress(f"[{target.name}]   still busy after {timeout:.0f}s; going on")

    # --- A step of traffic -----------------------------------------------------

    def run_step(self, target: Target, tag: str, plans: list[tuple[int, int, float, int]], recipients: int) -> dict:
        """
        Send by `plans` (sid, room, rate, count), wait for every acked message to
        reach every socket of its room, and measure.
        """
        workers = len(self.pool.pipes)
        self.pool.call("start_step", tag=tag)
        per_worker = [{"plans": [p for p in plans if p[0] % workers == i]} for i in range(workers)]
        server0, backends0, generator0 = usage(target.pids), usage(target.backend_pids), usage(self.pool.pids)
        start_at = time.time() + 0.2
        sends = self.pool.call("send", per_worker=per_worker, start_at=start_at, ack_timeout=self.size.drain_seconds)
        acked = _merge(r["acked_per_room"] for r in sends)
        errors = _merge(r["errors"] for r in sends)
        drains = self.pool.call("drain", acked_per_room=acked, timeout=self.size.drain_seconds)
        server1, backends1, generator1 = usage(target.pids), usage(target.backend_pids), usage(self.pool.pids)
        sent = sum(r["sent"] for r in sends)
        expected = sum(r["expected"] for r in drains)
        received = sum(r["received"] for r in drains)
        last_arrival = max((r["last_arrival"] for r in drains), default=0.0)
        send_seconds = max(p[3] / p[2] for p in plans)
        server_cpu = server1.cpu - server0.cpu
        return {
            "offered_per_s": sent * recipients / send_seconds,
            "delivered_per_s": received / (last_arrival - start_at) if received else 0.0,
            "sent": sent,
            "acked": sum(acked.values()),
            "send_errors": errors,
            "unanswered": sum(r["unanswered"] for r in sends),
            "expected": expected,
            "received": received,
            "lost": expected - received,
            "duplicates": sum(r["duplicates"] for r in drains),
            "closed_by_server": _merge(r["closed_by_server"] for r in drains),
            **latency_summary([r["latencies"] for r in drains]),
            "ack_p99_ms": latency_summary([r["ack_latencies"] for r in sends])["p99_ms"],
            "server_cpu_s": server_cpu,
            "server_rss_mib": server1.rss / 2**20,
            "backends_cpu_s": backends1.cpu - backends0.cpu,
            "generator_cpu_s": generator1.cpu - generator0.cpu,
            "deliveries_per_cpu_s": received / server_cpu if server_cpu > 0 else float("nan"),
            "wall_s": time.time() - start_at,
            "loadavg": os.getloadavg()[0],
        }

    # --- Scenarios -------------------------------------------------------------

    def run_target(self, target: Target, population: Population | None = None) -> tuple[list[dict], Population]:
        size = self.size
        rows: list[dict] = []
        say = self.progress

        def row(scenario: str, **figures) -> dict:
            entry = {"target": target.name, "scenario": scenario, **figures}
            rows.append(entry)
            return entry

        if population is None:
            started = time.time()
            say(f"[{target.name}] registering {size.users} users and their rooms")
            population = populate(target, users=size.users, room_users=size.room_users)
            say(f"[{target.name}]   done in {time.time() - started:.1f}s")
        else:
            population.target = target  # the same users on the same database, served by this target
        self.settle(target)
        if self.scenarios & {"storm", "idle", "many-rooms"}:
            self.run_small_rooms(target, population, row)
        if "fan-out" in self.scenarios:
            self.run_fanout(target, population, row)
        return rows, population

    @contextmanager
    def profiling(self, target: Target, scenario: str):
        """Sample the chat server's processes with py-spy (`--profile DIR`) while the block runs."""
        if self.profile is None or target.kind != "chat":
            yield
            return
        py_spy = Path(sys.executable).with_name("py-spy")
        self.profile.mkdir(parents=True, exist_ok=True)
        recorders = [
            subprocess.Popen(  # noqa: S603 (our own command line)
                [py_spy, "record", "--nonblocking", "-r", "200", "-f", "raw", "-p", str(pid), "-o", str(output)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for index, pid in enumerate(target.pids)
            for output in [self.profile / f"profile-{target.name}-{scenario}-{index}.txt"]
        ]
        try:
            yield
        finally:
            for recorder in recorders:
                recorder.send_signal(signal.SIGINT)
            for recorder in recorders:
                recorder.wait(timeout=60)

    def run_small_rooms(self, target: Target, population: Population, row) -> None:
        """Connect storm, idle and many rooms, on the same sockets."""
        size, say = self.size, self.progress
        baseline = usage(target.pids)
        storm_users = [u for u in range(size.users) for _ in range(size.storm_sockets_per_user)]
        say(f"[{target.name}] connect storm: {len(storm_users)} sockets")
        with self.profiling(target, "storm"):
            storm = self.open_sockets(target, population, storm_users)
        entry = row("connect storm", **storm, loadavg=os.getloadavg()[0])
        say(
            f"[{target.name}]   {storm['opened']}/{storm['sockets']} sockets got hello in {storm['all_hello_s']:.2f}s"
            f" (tickets {storm['tickets_s']:.1f}s before), server CPU {entry['server_cpu_s']:.1f}s"
        )
        self.settle(target)
        idle = usage(target.pids)
        per_socket = (idle.rss - baseline.rss) / max(1, storm["opened"]) / 1024
        row(
            "idle",
            sockets=storm["opened"],
            server_rss_mib=idle.rss / 2**20,
            baseline_rss_mib=baseline.rss / 2**20,
            rss_per_socket_kib=per_socket,
            loadavg=os.getloadavg()[0],
        )
        say(f"[{target.name}] idle: {storm['opened']} sockets, {per_socket:.1f} KiB server RSS per socket")
        self.settle(target)

        # Many rooms: one sender socket per user (the first of its sockets), every room busy.
        first = self.next_sid - len(storm_users)
        recipients = size.room_users * size.storm_sockets_per_user
        say(
            f"[{target.name}] many rooms: {len(population.small_rooms)} rooms of {recipients} sockets,"
            f" {size.many_rooms_rate} messages/s in"
        )
        with self.profiling(target, "many-rooms"):
            result = row("many rooms", **self.many_rooms_step(target, population, first, size.many_rooms_rate))
        say(f"[{target.name}]   {_step_line(result)}")
        # The most it holds: higher rates while each holds, else lower ones until one does.
        held = _holds(result)
        for factor in size.many_rooms_more if held else size.many_rooms_less:
            self.settle(target)
            rate = round(size.many_rooms_rate * factor)
            result = row("many rooms", **self.many_rooms_step(target, population, first, rate))
            say(f"[{target.name}] many rooms {rate}/s: {_step_line(result)}")
            if _holds(result) != held:
                break
        self.close_sockets()
        self.settle(target)

    def many_rooms_step(self, target: Target, population: Population, first: int, rate: int) -> dict:
        """`rate` messages/s into the small rooms, from one socket per user, for two step lengths."""
        size = self.size
        senders = [size.storm_sockets_per_user * u for u in range(size.users)]
        per_sender = rate / len(senders)
        count = max(1, round(per_sender * size.step_seconds * 2))
        plans = [
            (first + s, population.rooms_of(s // size.storm_sockets_per_user)[-1], per_sender, count) for s in senders
        ]
        recipients = size.room_users * size.storm_sockets_per_user
        return {"rate": rate, **self.run_step(target, self.new_tag(), plans, recipients)}

    def run_fanout(self, target: Target, population: Population, row) -> None:
        """Every socket in the one room, a few senders, the offered rate stepped up."""
        size, say = self.size, self.progress
        fanout_users = [u for u in range(size.users) for _ in range(size.fanout_sockets_per_user)]
        population.join_fanout()
        say(f"[{target.name}] fan-out: opening {len(fanout_users)} sockets in one room")
        opened = self.open_sockets(target, population, fanout_users)
        self.settle(target)
        first = self.next_sid - len(fanout_users)
        recipients = opened["opened"]
        stride = len(fanout_users) // size.fanout_senders
        sender_sids = [first + i * stride for i in range(size.fanout_senders)]
        with self.profiling(target, "fan-out"):
            for offered in size.fanout_steps:
                per_sender = offered / recipients / len(sender_sids)
                count = max(1, round(per_sender * size.step_seconds))
                plans = [(sid, population.fanout_room, per_sender, count) for sid in sender_sids]
                # A step that fails runs once more: on a shared machine one stall of
                # the server or the generator should not end the curve.
                for attempt in (1, 2):
                    result = self.run_step(target, self.new_tag(), plans, recipients)
                    failed = result["lost"] > 0 or result["p99_ms"] > STOP_P99_MS
                    say(f"[{target.name}] fan-out {offered:>6,}/s: {_step_line(result)}")
                    self.settle(target)
                    if not failed or attempt == 2:
                        break
                    say(f"[{target.name}]   over the limit; running this step once more")
                row("fan-out", sockets=recipients, step=offered, attempt=attempt, **result)
                if failed:
                    break
        self.close_sockets()
        population.drop_fanout()


def _holds(result: dict) -> bool:
    """Nothing lost, nothing refused, p99 within the limit."""
    return result["lost"] == 0 and not result["send_errors"] and result["p99_ms"] <= STOP_P99_MS


def _merge(counts) -> dict:
    """Add up dicts of counts."""
    total: dict = {}
    for each in counts:
        for key, count in each.items():
            total[key] = total.get(key, 0) + count
    return total


def _step_line(r: dict) -> str:
    errors = f", errors {r['send_errors']}" if r["send_errors"] else ""
    if r["closed_by_server"]:
        errors += f", sockets closed by the server (by close code) {r['closed_by_server']}"
    return (
        f"delivered {r['delivered_per_s']:,.0f}/s,"
        f" p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} max {r['max_ms']:.0f} ms,"
        f" lost {r['lost']}, dup {r['duplicates']}, server CPU {r['server_cpu_s']:.1f}s"
        f" ({r['deliveries_per_cpu_s']:,.0f} deliveries/CPU-s),"
        f" generator CPU {r['generator_cpu_s']:.1f}s, load {r['loadavg']:.1f}{errors}"
    )
