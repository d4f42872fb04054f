"""
`python -m bench`: the fan-out benchmark (docs/benchmarks.md).

    python -m bench                 # reference, socketio, embedded, stack with 1 and 2 workers (minutes)
    python -m bench --quick         # a smoke check in under a minute: reference, socketio and embedded, small
    python -m bench --targets reference,stack-1w
    python -m bench --targets search    # search latency over a million messages (bench/search.py)

The stack targets need MariaDB and Redis: unless DATABASE_URL and REDIS_URL are
set, the tool runs them under scripts/with-test-backends.sh, which starts
throwaway servers on spare ports and stops them afterwards.
"""

import argparse
import dataclasses
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import report, search
from bench.loadgen import WorkerPool, default_worker_count
from bench.runner import FULL, QUICK, SCENARIOS, Bench
from bench.servers import BENCH_SETTINGS, ROOT, start_embedded, start_reference, start_socketio, start_stack
from testbed.processes import BENCH_PORTS

ALL_TARGETS = ("reference", "socketio", "embedded", "stack-1w", "stack-2w", "uvicorn-1w", "search")
DEFAULT_TARGETS = ("reference", "socketio", "embedded", "stack-1w", "stack-2w")
QUICK_TARGETS = ("reference", "socketio", "embedded")
# Targets on MariaDB and Redis.
STACK_TARGETS = ("stack-1w", "stack-2w", "uvicorn-1w")
RESULTS = ROOT / "bench" / "results"


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


def machine() -> dict:
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
    }


def backend_pids() -> list[int]:
    """MariaDB and Redis started for us by scripts/with-test-backends.sh (our parent)."""
    parent = psutil.Process(os.getppid())
    return [p.pid for p in parent.children() if p.name() in ("mariadbd", "redis-server")]


def run_targets(targets: list[str], args: argparse.Namespace) -> list[dict]:
    size = QUICK if args.quick else FULL
    if args.steps:
        size = dataclasses.replace(size, fanout_steps=tuple(int(step) for step in args.steps.split(",")))
    pool = WorkerPool(args.workers)
    results: list[dict] = []
    stack_population = None
    secret = secrets.token_urlsafe(40)
    try:
        bench = Bench(pool, size, say, frozenset(args.scenarios.split(",")), args.profile)
        for name in targets:
            say(f"[{name}] starting")
            if name == "reference":
                target = start_reference()
            elif name == "socketio":
                target = start_socketio()  # with a throwaway MariaDB of its own
            elif name == "embedded":
                target = start_embedded()
            else:
                server, workers = name.removesuffix("w").split("-")
                server = "production" if server == "stack" else server
                target = start_stack(int(workers), backend_pids(), secret, server)
            try:
                population = stack_population if name in STACK_TARGETS else None
                rows, population = bench.run_target(target, population)
                if name in STACK_TARGETS:
                    stack_population = population  # same database: the second stack run reuses the users
                for row in rows:
                    row["description"] = target.description
                results += rows
            finally:
                target.stop()
    finally:
        pool.stop()
    return results


def run_stack_under_backends(targets: list[str], args: argparse.Namespace) -> list[dict]:
    """Run the stack targets in a child process wrapped by scripts/with-test-backends.sh."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as partial:
        path = Path(partial.name)
    command = [
        "bash",
        str(ROOT / "scripts" / "with-test-backends.sh"),
        sys.executable,
        "-m",
        "bench",
        "--targets",
        ",".join(targets),
        "--workers",
        str(args.workers),
        "--scenarios",
        args.scenarios,
        "--partial",
        str(path),
        *(["--quick"] if args.quick else []),
        *(["--steps", args.steps] if args.steps else []),
        *(["--profile", str(args.profile.resolve())] if args.profile else []),
    ]
    low, high = BENCH_PORTS
    env = {**os.environ, "TEST_PORT_MIN": str(low), "TEST_PORT_MAX": str(high), "PYTHON": sys.executable}
    try:
        subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own command line)
        return json.loads(path.read_text())
    finally:
        path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Fan-out benchmark of the chat server.")
    parser.add_argument("--quick", action="store_true", help="small smoke run (under a minute)")
    parser.add_argument("--targets", help=f"comma-separated, from {','.join(ALL_TARGETS)}")
    parser.add_argument("--workers", type=int, default=default_worker_count(), help="load-generator processes")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of: %(default)s")
    parser.add_argument("--steps", help="fan-out offered deliveries/s, comma-separated (default: 1000,...,60000)")
    parser.add_argument("--profile", type=Path, help="record py-spy profiles of the chat server's fan-out here")
    parser.add_argument("--plot", type=Path, help="write the fan-out plot here (PNG)")
    parser.add_argument("--replot", type=Path, metavar="JSON", help="only redraw the plot (--plot) from a results file")
    parser.add_argument("--partial", type=Path, help=argparse.SUPPRESS)  # child mode: raw rows to this file
    args = parser.parse_args()

    targets = args.targets.split(",") if args.targets else list(QUICK_TARGETS if args.quick else DEFAULT_TARGETS)
    unknown = set(targets) - set(ALL_TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {', '.join(ALL_TARGETS)}")
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")

    if args.replot:
        document = json.loads(args.replot.read_text())
        info, command = document["machine"], document["command"]
        title = f"{info['nproc']} cores {info['cpu_model']}, load {info['loadavg_at_start'][0]:.1f}; {command}"
        report.plot(document["results"], args.plot or args.replot.with_suffix(".png"), title)
        return
    if args.partial:
        args.partial.write_text(json.dumps(run_targets(targets, args)))
        return
    if "search" in targets:
        # Its own dataset and report (bench/search.py); `python -m bench.search --help` for sizes.
        search.run(list(search.BACKENDS), search.Size())
        targets = [t for t in targets if t != "search"]
        if not targets:
            return

    info = machine()
    command = " ".join(["python -m bench", *sys.argv[1:]])
    say(f"machine: {info['nproc']} cores, {info['cpu_model']}, load average {info['loadavg_at_start']}")
    say(f"benchmark settings for the chat server: {' '.join(f'{k}={v}' for k, v in BENCH_SETTINGS.items())}")
    say(f"load generator: {args.workers} processes")
    started = time.time()
    local = [t for t in targets if t not in STACK_TARGETS]
    stack = [t for t in targets if t in STACK_TARGETS]
    results = run_targets(local, args) if local else []
    if stack:
        if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
            results += run_targets(stack, args)
        else:
            results += run_stack_under_backends(stack, args)

    info["loadavg_at_end"] = os.getloadavg()
    tables = report.markdown(results)
    print("\n" + tables + "\n", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"bench-{stamp}{'-quick' if args.quick else ''}.json"
    document = {
        "command": command,
        "machine": info,
        "settings": BENCH_SETTINGS,
        "generator_processes": args.workers,
        "seconds": round(time.time() - started, 1),
        "results": results,
    }
    out.write_text(json.dumps(document, indent=1))
    (RESULTS / "latest.md").write_text(tables + "\n")
    plot_path = args.plot or RESULTS / f"bench-{stamp}.png"
    title = f"{info['nproc']} cores {info['cpu_model']}, load {info['loadavg_at_start'][0]:.1f}; {command}"
    report.plot(results, plot_path, title)
    say(f"results in {out.relative_to(ROOT)}, plot in {plot_path}; took {document['seconds']:.0f}s")


if __name__ == "__main__":
    main()
