"""
The production topology on loopback: two daphne workers started by the repo's
own scripts/start-web.sh, and Debian's nginx running the repo's own
deploy/nginx/chat.conf.template in front of them. MariaDB and Redis come from
scripts/with-test-backends.sh (DATABASE_URL, REDIS_URL).
"""

import os
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
NGINX_TEMPLATE = REPO / "deploy" / "nginx" / "chat.conf.template"
# Only these placeholders are filled in; nginx's own $variables stay as they are.
NGINX_PLACEHOLDERS = "${CHAT_LISTEN} ${CHAT_WORKERS} ${CHAT_STATIC_ROOT} ${CHAT_MEDIA_ROOT}"
PORT_RANGE = (27000, 27999)
HOST = "127.0.0.1"
# Commands the stack tests run, and the Debian packages that provide them.
SYSTEM_COMMANDS = {"nginx": "nginx", "envsubst": "gettext-base", "docker-compose": "docker-compose"}

# The workers' settings beyond the database and Redis: production mode, behind one proxy.
WORKER_SETTINGS = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_NUM_PROXIES": "1",
    "DJANGO_LOG_LEVEL": "WARNING",
    # The 200-message test sends faster than the default 10/s (burst 20) allows.
    "CHAT_SEND_RATE": "1000",
    "CHAT_SEND_BURST": "500",
    # Registrations from one address across the whole session; low enough that the
    # throttle test can exhaust its own bucket quickly.
    "AUTH_THROTTLE_RATE": "50/min",
    # Presence timings cut so that its tests last seconds, not minutes (production: 5, 10, 30):
    # a killed worker's users go offline within timeout + heartbeat.
    "CHAT_PRESENCE_GRACE_SECONDS": "1",
    "CHAT_PRESENCE_HEARTBEAT_SECONDS": "0.5",
    "CHAT_PRESENCE_WORKER_TIMEOUT_SECONDS": "4",
}


def install_missing_commands() -> None:
    """Install, with apt, the packages of SYSTEM_COMMANDS whose command is missing."""
    missing = [
        package
        for command, package in SYSTEM_COMMANDS.items()
        if shutil.which(command) is None and not Path("/usr/sbin", command).exists()
    ]
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            check=True,
        )


def spare_port(taken: set[int] = frozenset(), port_range: tuple[int, int] = PORT_RANGE) -> int:
    """A loopback port in `port_range` (default: ours) that nothing listens on now."""
    low, high = port_range
    for port in random.sample(range(low, high + 1), high - low + 1):
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no spare port in range")


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    """Wait until something accepts connections on `port`; fail early if `process` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{process.args} did not listen on {port} within {timeout}s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    worker_ports: list[int] = field(default_factory=list)
    nginx_port: int = 0
    processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    def create(cls) -> "Stack":
        for name in ("DATABASE_URL", "REDIS_URL"):
            if not os.environ.get(name, "").startswith(("mysql://", "redis://")):
                raise RuntimeError(f"{name} is not set: run the stack tests with `make test-stack`")
        workdir = Path(tempfile.mkdtemp(prefix="chat-stack-"))
        # nginx's workers read the static files as another user when started by root.
        workdir.chmod(0o755)
        env = dict(
            os.environ,
            **WORKER_SETTINGS,
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_STATIC_ROOT=str(workdir / "static"),
            DJANGO_MEDIA_ROOT=str(workdir / "media"),
            PATH=f"{VENV_BIN}:{os.environ['PATH']}",
            PYTHON=str(VENV_BIN / "python"),
        )
        (workdir / "media").mkdir()
        return cls(workdir=workdir, env=env)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.nginx_port}"

    def worker_url(self, index: int) -> str:
        return f"http://{HOST}:{self.worker_ports[index]}"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def start(self, workers: int = 2) -> None:
        self.release()
        taken: set[int] = set()
        for index in range(workers):
            port = spare_port(taken)
            taken.add(port)
            self.start_worker(index, port, wait=False)
        for index, port in enumerate(self.worker_ports):  # started together, waited for together
            wait_for_port(port, self.processes[index], self.log(f"web{index + 1}"))
        self.nginx_port = spare_port(taken)
        self.start_nginx()

    def release(self) -> None:
        """Migrate the database and collect static files, as the compose `migrate` service does."""
        log = self.log("release")
        with log.open("w") as out:
            result = subprocess.run(
                [str(REPO / "scripts" / "release.sh")], env=self.env, stdout=out, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode:
            raise RuntimeError(f"scripts/release.sh failed:\n{log.read_text()[-3000:]}")

    def start_worker(self, index: int, port: int, *, wait: bool = True) -> None:
        log = self.log(f"web{index + 1}")
        env = dict(self.env, DAPHNE_BIND=HOST, DAPHNE_PORT=str(port))
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(REPO / "scripts" / "start-web.sh")], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        self.worker_ports.append(port)
        if wait:
            wait_for_port(port, process, log)

    def render_nginx_conf(self) -> Path:
        """Fill in the repo's template the way the nginx image does, with envsubst."""
        values = {
            "CHAT_LISTEN": f"{HOST}:{self.nginx_port}",
            "CHAT_WORKERS": " ".join(f"server {HOST}:{port};" for port in self.worker_ports),
            "CHAT_STATIC_ROOT": self.env["DJANGO_STATIC_ROOT"],
            "CHAT_MEDIA_ROOT": self.env["DJANGO_MEDIA_ROOT"],
        }
        rendered = subprocess.run(
            ["envsubst", NGINX_PLACEHOLDERS],
            input=NGINX_TEMPLATE.read_text(),
            env=dict(os.environ, **values),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        site = self.workdir / "nginx-chat.conf"
        site.write_text(rendered)
        return site

    def start_nginx(self) -> None:
        """Debian's nginx with a throwaway main config that includes the rendered site."""
        site = self.render_nginx_conf()
        nginx_dir = self.workdir / "nginx"
        nginx_dir.mkdir()
        temp_paths = "\n".join(
            f"    {kind}_temp_path {nginx_dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = self.workdir / "nginx.conf"
        main.write_text(
            f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {nginx_dir / "nginx.pid"};
error_log {self.log("nginx-error")} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.log("nginx-access")};
{temp_paths}
    include {site};
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        log = self.log("nginx")
        with log.open("w") as out:
            process = subprocess.Popen(
                [nginx, "-p", str(nginx_dir), "-c", str(main), "-e", str(self.log("nginx-error")), "-g", "daemon off;"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        wait_for_port(self.nginx_port, process, self.log("nginx-error"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            stop(process)
        self.processes.clear()

    def logs(self) -> str:
        """The tail of every log, for a failing test's report."""
        parts = []
        for path in sorted(self.workdir.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def established_connections(port: int) -> int:
    """How many TCP connections to a local listening `port` are open now (Linux /proc)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                count += 1
    return count
