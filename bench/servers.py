"""
The servers under test, started and stopped by the benchmark itself on spare
loopback ports: the chat server (daphne, one or more workers), the raw
`websockets` reference and the python-socketio reference (with a throwaway
MariaDB of its own, testbed.backends). MariaDB and Redis for the stack come
from scripts/with-test-backends.sh (see bench.runner).
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from testbed.backends import COMMANDS, MariaDB, scratch_directory
from testbed.processes import BENCH_PORTS, HOST, Server, install_missing, spare_port

ROOT = Path(__file__).resolve().parent.parent

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
    kind: str  # "chat", "reference" or "socketio"
    ports: list[int]
    servers: list[Server] = field(default_factory=list)
    backend_pids: list[int] = field(default_factory=list)  # MariaDB and Redis, reported apart
    workdir: tempfile.TemporaryDirectory | None = None
    description: str = ""
    # SQLite answers concurrent writes with "database is locked": the setup writes one at a time there.
    concurrent_writes: bool = True
    cleanup: list[Callable[[], None]] = field(default_factory=list)  # after the servers stop (backends of its own)
    database: MariaDB | None = None  # the socketio target's own

    @property
    def pids(self) -> list[int]:
        return [server.process.pid for server in self.servers if server.process]

    def base_url(self, index: int = 0) -> str:
        return f"http://{HOST}:{self.ports[index % len(self.ports)]}"

    def check_running(self) -> None:
        """Fail loudly if a server process has died (its log is kept in bench/results/)."""
        for server in self.servers:
            if not server.running:
                raise RuntimeError(f"{self.name}: server process exited with {server.process.returncode}")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self.workdir is not None:
            log = Path(self.workdir.name) / "server.log"
            if log.exists():  # kept for a look after the run
                (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(log, ROOT / "bench" / "results" / f"{self.name}-server.log")
            self.workdir.cleanup()
        for step in self.cleanup:
            step()


def start_reference() -> Target:
    workdir = tempfile.TemporaryDirectory(prefix="chat-bench-")
    port = spare_port(BENCH_PORTS)
    target = Target("reference", "reference", [port], workdir=workdir, description="raw websockets, 1 process")
    target.servers.append(
        Server(
            [sys.executable, "-m", "bench.reference", "--port", str(port)],
            port=port,
            log=Path(workdir.name) / "server.log",
            cwd=ROOT,
        )
    )
    try:
        target.servers[0].start()
    except Exception:
        target.stop()
        raise
    return target


def start_socketio(ping_interval: float = 25) -> Target:
    """
    The python-socketio reference (bench/socketio_server.py, eventlet) with a
    throwaway MariaDB of its own, started as the stack's (testbed.backends: the
    same settings, data in /dev/shm), whose CPU is reported as the backends'.
    Engine.IO's heartbeat runs as by default (`ping_interval` seconds).
    """
    install_missing({"mariadbd": COMMANDS["mariadbd"], "mariadb-install-db": COMMANDS["mariadb-install-db"]})
    workdir = tempfile.TemporaryDirectory(prefix="chat-bench-")
    scratch = scratch_directory("chat-bench-mariadb.")
    database = MariaDB(scratch, BENCH_PORTS, password=secrets.token_urlsafe(24))
    target = Target(
        "socketio", "socketio", [], workdir=workdir, description="python-socketio 5 on eventlet, PyMySQL, MariaDB"
    )
    target.cleanup += [database.stop, lambda: shutil.rmtree(scratch, ignore_errors=True)]
    try:
        database.install()
        target.backend_pids = [database.pid]
        target.database = database
        port = spare_port(BENCH_PORTS, exclude={database.port})
        target.ports.append(port)
        command = [sys.executable, "-m", "bench.socketio_server", "--port", str(port), "--database", database.url]
        command += ["--ping-interval", str(ping_interval)]
        target.servers.append(Server(command, port=port, log=Path(workdir.name) / "server.log", cwd=ROOT))
        target.servers[0].start()
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
    log = Path(workdir.name) / "server.log"
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, stdout=out
        )
    target = Target(name, "chat", [], workdir=workdir, description=description)
    try:
        for _ in range(workers):
            port = spare_port(BENCH_PORTS, exclude=set(target.ports))
            worker = Server(
                server_command(server, port),
                port=port,
                log=log,
                env=env,
                cwd=ROOT,
                # Django answers (any status): daphne listens before the application is loaded.
                ready_url=f"http://{HOST}:{port}/api/me/",
            )
            target.ports.append(port)
            target.servers.append(worker)
            worker.start()
    except Exception:
        target.stop()
        raise
    return target


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
