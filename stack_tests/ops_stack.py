"""
A production stack for the operations tests: MariaDB, Redis behind Sentinel (a
master, a replica and three sentinels), two workers that find Redis through
the sentinels (REDIS_SENTINELS) and drain for half a second on SIGTERM, and
nginx. The tests restart its workers, fail its Redis master over, and wipe and
restore its database. Ports come from 25000-25999.
"""

import secrets
import signal
import time
from dataclasses import dataclass, field

import redis
from fault_stack import FaultStack

from testbed.backends import MariaDB, Redis, RedisReplica, RedisSentinel
from testbed.processes import HOST

PORTS = (25000, 25999)
MASTER_NAME = "chat"
DRAIN_SECONDS = 0.5


@dataclass
class OpsStack(FaultStack):
    replica: Redis | None = None
    sentinels: list[RedisSentinel] = field(default_factory=list)

    def start(self, workers: int = 2, port_range: tuple[int, int] = PORTS) -> None:
        self.database = MariaDB(self.workdir, port_range, password=secrets.token_urlsafe(24), buffer_pool="64M")
        self.database.install()
        self.redis = Redis(self.workdir, port_range)
        self.redis.start()
        self.replica = RedisReplica(self.workdir, port_range, master=self.redis)
        self.replica.start()
        for index in range(3):
            sentinel = RedisSentinel(
                self.workdir, port_range, index=index + 1, master=self.redis, master_name=MASTER_NAME, quorum=2
            )
            sentinel.start()
            self.sentinels.append(sentinel)
        self.wait_for_sentinels_to_see_the_replica()
        self.env.update(
            DATABASE_URL=self.database.url,
            REDIS_URL="",
            REDIS_SENTINELS=",".join(f"{HOST}:{sentinel.port}" for sentinel in self.sentinels),
            REDIS_SENTINEL_MASTER=MASTER_NAME,
            CHAT_DRAIN_SECONDS=str(DRAIN_SECONDS),
        )
        super(FaultStack, self).start(workers, port_range)

    def sentinel_client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.sentinels[0].port, socket_timeout=2, decode_responses=True)

    def master_port(self) -> int:
        """The port of the master the sentinels name now."""
        return int(self.sentinel_client().sentinel_get_master_addr_by_name(MASTER_NAME)[1])

    def wait_for_sentinels_to_see_the_replica(self, timeout: float = 30) -> None:
        """A failover needs every sentinel to know the replica (they learn it from the master's INFO)."""
        deadline = time.monotonic() + timeout
        while True:
            known = [
                redis.Redis(host=HOST, port=sentinel.port, socket_timeout=2).sentinel_slaves(MASTER_NAME)
                for sentinel in self.sentinels
            ]
            if all(replicas for replicas in known):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"sentinels do not see the replica: {known}")
            time.sleep(0.2)

    def kill_master(self) -> None:
        self.redis.server.stop(signal.SIGKILL)

    def ensure_running(self) -> None:
        """Workers and the database are brought back; Redis stays as the failover left it."""
        if not self.database.running:
            self.database.start()
        for index, worker in self.workers.items():
            if not worker.running:
                self.restart_worker(index)

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        if self.replica is not None:
            self.replica.stop()
        super().stop()
