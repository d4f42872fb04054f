"""
A production stack of its own for the fault tests: MariaDB and Redis servers
that belong to it (not the session's from scripts/with-test-backends.sh), so
that a test may stop and restart them, and kill workers, without disturbing
the other stack tests. Ports come from 26000-26999.
"""

import secrets
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from stack import Stack

from testbed.backends import MariaDB, Redis

if TYPE_CHECKING:
    from testbed.processes import Server

PORTS = (26000, 26999)


@dataclass
class FaultStack(Stack):
    """The stack of stack.py on backends of its own, with workers that can be killed and started again."""

    database: MariaDB | None = None
    redis: Redis | None = None
    workers: dict[int, "Server"] = field(default_factory=dict)

    def start(self, workers: int = 2, port_range: tuple[int, int] = PORTS) -> None:
        # A smaller buffer pool than the session's database: two of them run at once.
        self.database = MariaDB(self.workdir, port_range, password=secrets.token_urlsafe(24), buffer_pool="64M")
        self.database.install()
        self.redis = Redis(self.workdir, port_range)
        self.redis.start()
        self.env.update(DATABASE_URL=self.database.url, REDIS_URL=self.redis.url)
        super().start(workers, port_range)

    def start_worker(self, index: int, port: int) -> "Server":
        self.workers[index] = super().start_worker(index, port)
        return self.workers[index]

    def signal_worker(self, index: int, sig: int) -> subprocess.Popen:
        """Send `sig` to a worker; return its process, to wait for."""
        process = self.workers[index].process
        process.send_signal(sig)
        return process

    def restart_worker(self, index: int) -> None:
        """Start a stopped worker again on its own port, logging to the same file."""
        assert not self.workers[index].running, "the worker is still running"
        self.workers[index].start()

    def ensure_running(self) -> None:
        """Bring back whatever an earlier test stopped and left down (after a failure)."""
        if not self.database.running:
            self.database.start()
        if not self.redis.running:
            self.redis.start()
        for index, worker in self.workers.items():
            if not worker.running:
                self.restart_worker(index)

    def stop(self) -> None:
        super().stop()
        for backend in (self.redis, self.database):
            if backend is not None:
                backend.stop()
