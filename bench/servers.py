"""
The servers under test, started and stopped by the benchmark itself on spare
loopback ports: the chat server (daphne, one or more workers) and the raw
`websockets` reference. MariaDB and Redis for the stack come from
scripts/with-test-backends.sh (see bench.runner).
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(29000, 30000)

# Settings for the benchmark's server (all documented in .env.example). The
# fan-out scenario has 10 users send up to 20 messages a second each, above the
# default per-user limit of 10/s; the setup registers users from one address.
BENCH_SETTINGS = {
    "AUTH_THROTTLE_RATE": "100000/min",
    "CHAT_SEND_RATE": "1000",
    "CHAT_SEND_BURST": "1000",
    "JWT_ACCESS_MINUTES": "120",
    # The connect storm fetches 1,000 tickets before it opens any socket.
    "CHAT_WS_TICKET_TTL": "300",
    "DJANGO_LOG_LEVEL": "WARNING",
}


def spare_port() -> int:
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no spare port in 29000-29999")


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not listen within {timeout:.0f}s")


@dataclass
class Usage:
    """CPU seconds and resident memory of a set of processes."""

    cpu: float
    rss: int


def usage(pids: list[int]) -> Usage:
    cpu, rss = 0.0, 0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            times = process.cpu_times()
            cpu += times.user + times.system
            rss += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return Usage(cpu, rss)


@dataclass
class Target:
    """A running server under test: where to connect, and which processes to watch."""

    name: str
    kind: str  # "chat" or "reference"
    ports: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)
    backend_pids: list[int] = field(default_factory=list)  # MariaDB and Redis, reported apart
    workdir: tempfile.TemporaryDirectory | None = None
    description: str = ""
    # SQLite answers concurrent writes with "database is locked": the setup writes one at a time there.
    concurrent_writes: bool = True

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def base_url(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.ports[index % len(self.ports)]}"

    def check_running(self) -> None:
        """Fail loudly if a server process has died (its log is kept in bench/results/)."""
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{self.name}: server process {process.pid} exited with {process.returncode}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.workdir is not None:
            log = Path(self.workdir.name) / "server.log"
            if log.exists():  # kept for a look after the run
                (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(log, ROOT / "bench" / "results" / f"{self.name}-server.log")
            self.workdir.cleanup()


def start_reference() -> Target:
    port = spare_port()
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "bench.reference", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    target = Target("reference", "reference", [port], [process], description="raw websockets, 1 process")
    try:
        wait_listening(port, process)
    except Exception:
        target.stop()
        raise
    return target


def server_command(server: str, port: int) -> list[str]:
    """
    The command line of one worker: plain daphne; the production worker
    (chatroom.server: daphne with prebuilt frames, a graceful shutdown and a
    bound on unsent data, as scripts/start-web.sh and `make run` start it); or
    uvicorn, to show what the ASGI server costs.
    """
    if server == "uvicorn":
        uvicorn = str(Path(sys.executable).with_name("uvicorn"))
        options = ["--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio", "--no-access-log"]
        return [uvicorn, "--host", "127.0.0.1", "--port", str(port), *options, "chatroom.asgi:application"]
    if server == "production":
        return [
            sys.executable,
            "-m",
            "chatroom.server",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "chatroom.asgi:application",
        ]
    daphne = str(Path(sys.executable).with_name("daphne"))
    return [daphne, "-b", "127.0.0.1", "-p", str(port), "chatroom.asgi:application"]


def start_chat(
    name: str,
    *,
    workers: int,
    env: dict[str, str],
    description: str,
    workdir: tempfile.TemporaryDirectory,
    server: str = "daphne",
) -> Target:
    """Migrate, then start `workers` server processes, each on its own port (no proxy in front)."""
    env = {**os.environ, **BENCH_SETTINGS, "DJANGO_MEDIA_ROOT": f"{workdir.name}/media", **env}
    log = open(Path(workdir.name) / "server.log", "ab")  # noqa: SIM115 (kept open for the servers' lifetime)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, stdout=log
    )
    target = Target(name, "chat", [], workdir=workdir, description=description)
    try:
        for _ in range(workers):
            port = spare_port()
            process = subprocess.Popen(  # noqa: S603 (our own command line)
                server_command(server, port),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            target.ports.append(port)
            target.processes.append(process)
            wait_listening(port, process)
        for port in target.ports:
            _wait_http(f"http://127.0.0.1:{port}/api/me/")
    except Exception:
        target.stop()
        raise
    return target


def _wait_http(url: str, timeout: float = 60) -> None:
    """Wait until Django answers (any status): daphne listens before the app is loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)  # noqa: S310 (loopback URL built here)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def start_embedded() -> Target:
    """The embedded default: one daphne process, SQLite, in-memory layer, DEBUG on."""
    workdir = tempfile.TemporaryDirectory(prefix="chat-bench-")
    target = start_chat(
        "embedded",
        workers=1,
        env={"DJANGO_DEBUG": "true", "DATABASE_URL": f"sqlite:///{workdir.name}/db.sqlite3", "REDIS_URL": ""},
        description="1 daphne, SQLite, in-memory layer",
        workdir=workdir,
        server="production",  # as `make run` starts it
    )
    target.concurrent_writes = False
    return target


def start_stack(workers: int, backend_pids: list[int], secret: str, server: str = "production") -> Target:
    """
    The production stack: DATABASE_URL (MariaDB) and REDIS_URL from the
    environment, DEBUG off. Runs on one database share `secret`, so that the
    users registered by the first stay logged in for the next.
    """
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        raise RuntimeError("the stack needs DATABASE_URL and REDIS_URL (run under scripts/with-test-backends.sh)")
    target = start_chat(
        f"stack-{workers}w" if server == "production" else f"{server}-{workers}w",
        workers=workers,
        env={"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secret},
        description=f"{workers} {'daphne (chatroom.server)' if server == 'production' else server}, MariaDB, Redis",
        workdir=tempfile.TemporaryDirectory(prefix="chat-bench-"),
        server=server,
    )
    target.backend_pids = backend_pids
    return target
