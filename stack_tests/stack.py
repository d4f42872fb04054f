"""
The production topology on loopback: two daphne workers started by the repo's
own scripts/start-web.sh, and Debian's nginx running the configuration that the
repo's deploy/nginx/render.sh writes from deploy/nginx/chat.conf.template in
front of them. MariaDB and Redis come from scripts/with-test-backends.sh
(DATABASE_URL, REDIS_URL).
"""

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from testbed.processes import HOST, STACK_PORTS, Server, binary, install_missing, spare_port

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
NGINX_RENDER = REPO / "deploy" / "nginx" / "render.sh"
# Commands the stack tests run, and the Debian packages that provide them.
SYSTEM_COMMANDS = {
    "nginx": "nginx",
    "envsubst": "gettext-base",
    "docker-compose": "docker-compose",
    "openssl": "openssl",
    "mariadb-dump": "mariadb-client",
    "curl": "curl",
}

# The workers' settings beyond the database and Redis: production mode, behind one proxy
# (nginx), TLS terminated in front as by a load balancer that tells nginx X-Forwarded-Proto.
WORKER_SETTINGS = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_NUM_PROXIES": "1",
    "DJANGO_SECURE_PROXY_SSL": "true",
    "DJANGO_LOG_LEVEL": "INFO",  # as in production: the tests read the consumers' lines too
    # As the image sets it: log lines (daphne's access log on stdout too) reach the log at once.
    "PYTHONUNBUFFERED": "1",
    # Never a developer's .env: the workers see exactly these settings.
    "DJANGO_ENV_FILE": "",
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
    install_missing(SYSTEM_COMMANDS)


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    worker_ports: list[int] = field(default_factory=list)
    nginx_port: int = 0
    servers: list[Server] = field(default_factory=list)

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
            DJANGO_ATTACHMENT_ROOT=str(workdir / "attachments"),
            # nginx sends attachments' bytes once a worker has checked access (deploy/nginx).
            CHAT_ATTACHMENT_ACCEL_PREFIX="/_attachments/",
            PATH=f"{VENV_BIN}:{os.environ['PATH']}",
            PYTHON=str(VENV_BIN / "python"),
        )
        (workdir / "media").mkdir()
        (workdir / "attachments").mkdir()
        return cls(workdir=workdir, env=env)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.nginx_port}"

    def worker_url(self, index: int) -> str:
        return f"http://{HOST}:{self.worker_ports[index]}"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def start(self, workers: int = 2, port_range: tuple[int, int] = STACK_PORTS) -> None:
        self.release()
        for index in range(workers):
            self.start_worker(index, spare_port(port_range, exclude=set(self.worker_ports)))
        self.nginx_port = spare_port(port_range, exclude=set(self.worker_ports))
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

    def start_worker(self, index: int, port: int) -> Server:
        """scripts/start-web.sh on `port`, as a production web worker; returns once it listens."""
        worker = Server(
            [str(REPO / "scripts" / "start-web.sh")],
            port=port,
            log=self.log(f"web{index + 1}"),
            env=dict(self.env, DAPHNE_BIND=HOST, DAPHNE_PORT=str(port)),
        )
        self.servers.append(worker)
        self.worker_ports.append(port)
        return worker.start()

    def render_nginx_conf(self, name: str, **settings: str) -> Path:
        """The site configuration, written by the repo's deploy/nginx/render.sh as in the nginx container."""
        site = self.workdir / f"{name}-site.conf"
        values = {
            "CHAT_LISTEN": f"{HOST}:{self.nginx_port}",
            "CHAT_WORKERS": " ".join(f"server {HOST}:{port} fail_timeout=2s;" for port in self.worker_ports),
            "CHAT_STATIC_ROOT": self.env["DJANGO_STATIC_ROOT"],
            "CHAT_MEDIA_ROOT": self.env["DJANGO_MEDIA_ROOT"],
            "CHAT_ATTACHMENT_ROOT": self.env["DJANGO_ATTACHMENT_ROOT"],
            "CHAT_ACCESS_LOG": str(self.log(f"{name}-access")),
            "CHAT_NGINX_CONF": str(site),
            **settings,
        }
        subprocess.run([str(NGINX_RENDER)], env=dict(os.environ, **values), capture_output=True, check=True)
        return site

    def start_nginx(self, name: str = "nginx", *, port: int | None = None, **settings: str) -> Server:
        """
        Debian's nginx with a throwaway main config that includes the rendered site; `settings`
        are render.sh's (CHAT_TLS_CERTIFICATE...). Returns once it accepts connections on `port`
        (the session's nginx_port by default).
        """
        site = self.render_nginx_conf(name, **settings)
        nginx_dir = self.workdir / name
        nginx_dir.mkdir()
        temp_paths = "\n".join(
            f"    {kind}_temp_path {nginx_dir / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = self.workdir / f"{name}.conf"
        main.write_text(
            f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {nginx_dir / "nginx.pid"};
error_log {self.log(f"{name}-error")} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp_paths}
    include {site};
}}
"""
        )
        nginx = Server(
            [
                binary("nginx"),
                "-p",
                str(nginx_dir),
                "-c",
                str(main),
                "-e",
                str(self.log(f"{name}-error")),
                "-g",
                "daemon off;",
            ],
            port=port or self.nginx_port,
            log=self.log(name),
        )
        self.servers.append(nginx)
        return nginx.start()

    def stop(self) -> None:
        for server in reversed(self.servers):  # nginx first, then the workers behind it
            server.stop()
        self.servers.clear()

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
