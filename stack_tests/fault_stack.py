"""
A production stack of its own for the fault tests: MariaDB and Redis servers
that belong to it (not the session's from scripts/with-test-backends.sh), so
that a test may stop and restart them, and kill workers, without disturbing
the other stack tests. Ports come from 26000-26999.
"""

import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from stack import HOST, REPO, Stack, spare_port, wait_for_port

PORTS = (26000, 26999)
SBIN = "/usr/sbin"


def _binary(name: str) -> str:
    return shutil.which(name) or f"{SBIN}/{name}"


def wait_until(condition, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `condition` until it returns something truthy; return that, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


def _terminate(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class MariaDB:
    """A throwaway mariadbd that can be stopped and started again on the same port and data directory."""

    # A generated password: outside debug the workers refuse a placeholder one (chatroom.checks).
    USER, PASSWORD, NAME = "chat", secrets.token_urlsafe(24), "chat"

    def __init__(self, workdir: Path):
        self.datadir = workdir / "mariadb"
        self.socket = workdir / "mariadb.sock"
        self.log = workdir / "mariadb.log"
        self.port = spare_port(port_range=PORTS)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mysql://{self.USER}:{self.PASSWORD}@{HOST}:{self.port}/{self.NAME}"

    def install(self) -> None:
        subprocess.run(
            [
                _binary("mariadb-install-db"),
                "--no-defaults",
                "--user=root",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            check=True,
        )
        self.start()
        self.query(
            database="mysql",
            sql=f"CREATE DATABASE {self.NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
            f"CREATE USER '{self.USER}'@'{HOST}' IDENTIFIED BY '{self.PASSWORD}';"
            f"GRANT ALL ON {self.NAME}.* TO '{self.USER}'@'{HOST}';",
        )

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [
                    _binary("mariadbd"),
                    "--no-defaults",
                    "--user=root",
                    f"--datadir={self.datadir}",
                    f"--socket={self.socket}",
                    f"--port={self.port}",
                    f"--bind-address={HOST}",
                    "--skip-name-resolve",
                    "--skip-log-bin",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--innodb-doublewrite=0",
                    "--innodb-buffer-pool-size=64M",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--max-connections=300",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        """Shut the server down (SIGTERM: a clean shutdown, as an orchestrator does)."""
        _terminate(self.process)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def query(self, sql: str, *, database: str = NAME) -> list[list[str]]:
        """Run SQL as root over the server's socket, in `database`; rows as lists of strings."""
        client = [_binary("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot", "-NB", "-D", database]
        result = subprocess.run(
            [*client, "-e", sql],
            capture_output=True,
            text=True,
            check=True,
        )
        return [line.split("\t") for line in result.stdout.splitlines()]


class Redis:
    """A throwaway redis-server without persistence: a restart comes back empty, as a crashed cache does."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.log = workdir / "redis.log"
        self.port = spare_port(port_range=PORTS)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                _binary("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._pong, timeout=15, what="redis PONG")

    def _pong(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.process.returncode}")
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        _terminate(self.process)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class FaultStack(Stack):
    """The stack of stack.py on backends of its own, with workers that can be killed and started again."""

    database: MariaDB | None = None
    redis: Redis | None = None
    workers: dict[int, subprocess.Popen] = field(default_factory=dict)

    def start(self, workers: int = 2) -> None:
        self.database = MariaDB(self.workdir)
        self.database.install()
        self.redis = Redis(self.workdir)
        self.redis.start()
        self.env.update(DATABASE_URL=self.database.url, REDIS_URL=self.redis.url)
        self.release()
        taken = {self.database.port, self.redis.port}
        for index in range(workers):
            port = spare_port(taken, PORTS)
            taken.add(port)
            self.start_worker(index, port, wait=False)
        for index, port in enumerate(self.worker_ports):
            wait_for_port(port, self.workers[index], self.log(f"web{index + 1}"))
        self.nginx_port = spare_port(taken, PORTS)
        self.start_nginx()

    def start_worker(self, index: int, port: int, *, wait: bool = True) -> None:
        super().start_worker(index, port, wait=wait)
        self.workers[index] = self.processes[-1]

    def signal_worker(self, index: int, sig: int) -> subprocess.Popen:
        """Send `sig` to a worker; return its process, to wait for."""
        process = self.workers[index]
        process.send_signal(sig)
        return process

    def restart_worker(self, index: int) -> None:
        """Start a stopped worker again on its own port, logging to the same file."""
        old = self.workers[index]
        assert old.poll() is not None, "the worker is still running"
        port = self.worker_ports[index]
        log = self.log(f"web{index + 1}")
        with log.open("a") as out:
            process = subprocess.Popen(
                [str(REPO / "scripts" / "start-web.sh")],
                env=dict(self.env, DAPHNE_BIND=HOST, DAPHNE_PORT=str(port)),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes[self.processes.index(old)] = process
        self.workers[index] = process
        wait_for_port(port, process, log)

    def ensure_running(self) -> None:
        """Bring back whatever an earlier test stopped and left down (after a failure)."""
        if not self.database.running:
            self.database.start()
        if not self.redis.running:
            self.redis.start()
        for index, process in self.workers.items():
            if process.poll() is not None:
                self.restart_worker(index)

    def stop(self) -> None:
        super().stop()
        for backend in (self.redis, self.database):
            if backend is not None:
                backend.stop()
